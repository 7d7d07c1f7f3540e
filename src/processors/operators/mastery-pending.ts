// One open UTC day of the mastery operator: the attempts and content
// interactions buffered per record until the day closes, packed in columns
// (one row per item: time, kind and flags, the attempt's numbers or the
// content progress, the event id and content id), chained per record, and
// the day's records in sorted runs so the close needs no big sort.
import type { ContentInteractionBody, QuestionAttemptBody } from '../../ingest/event.js';
import { grow, nextCapacity } from '../state/columns.js';
import { SortedRuns } from '../state/sorted-runs.js';
import { compareStrings } from './operator.js';

/** A buffered item as checkpoints carry it. */
export type PendingItem =
  | { t: number; id: string; kind: 'attempt'; attempt: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> }
  | { t: number; id: string; kind: 'content'; contentId: string; progress: number };

const CONTENT = 1;
const CORRECT = 2;
const NO_CONFIDENCE = 4;
/** A checkpointed attempt without the field (kept as it came: the rating reads it differently from null). */
const CONFIDENCE_ABSENT = 8;

export class PendingDay {
  /** Record → its newest item (items chain from newest to oldest). */
  private readonly heads = new Map<number, number>();
  readonly keys: SortedRuns<number>;
  private count = 0;
  private capacity = 0;
  private t = new Float64Array(0);
  private next = new Int32Array(0);
  private flags = new Uint8Array(0);
  /** Attempt: score; content: progress. */
  private value = new Float64Array(0);
  private attemptNumber = new Float64Array(0);
  private responseTimeMs = new Float64Array(0);
  private hintsUsed = new Float64Array(0);
  private confidence = new Float64Array(0);
  private ids: string[] = [];
  /** Content ids by item, for content items only. */
  private readonly contentIds = new Map<number, string>();

  constructor(compareRecords: (a: number, b: number) => number) {
    this.keys = new SortedRuns(compareRecords);
  }

  /** Records with items, in the order their first item came. */
  records(): IterableIterator<number> {
    return this.heads.keys();
  }

  get size(): number {
    return this.heads.size;
  }

  has(record: number): boolean {
    return this.heads.has(record);
  }

  /** Drops a record's items (its key stays in the runs and is skipped at the close). */
  delete(record: number): void {
    this.heads.delete(record);
  }

  /** Buffers an event's item for a record; false when the record already has an item of this event id. */
  addEvent(record: number, t: number, id: string, body: QuestionAttemptBody | ContentInteractionBody): boolean {
    for (let i = this.heads.get(record) ?? -1; i >= 0; i = this.next[i]!) if (this.ids[i] === id) return false;
    const i = this.push(record, t, id);
    if (body.kind === 'content_interaction') {
      this.flags[i] = CONTENT;
      this.value[i] = Math.min(1, Math.max(0, body.progress));
      this.contentIds.set(i, body.contentId);
    } else this.setAttempt(i, body);
    return true;
  }

  /** Buffers a checkpointed item (no duplicate check: the checkpoint holds each once). */
  addItem(record: number, item: PendingItem): void {
    const i = this.push(record, item.t, item.id);
    if (item.kind === 'content') {
      this.flags[i] = CONTENT;
      this.value[i] = item.progress;
      this.contentIds.set(i, item.contentId);
    } else this.setAttempt(i, item.attempt);
  }

  /** A record's items in the order they were buffered. */
  itemsOf(record: number): PendingItem[] {
    const out: PendingItem[] = [];
    for (let i = this.heads.get(record) ?? -1; i >= 0; i = this.next[i]!) out.push(this.item(i));
    return out.reverse();
  }

  /** A record's item rows in application order: event time, then event id. */
  sortedRowsOf(record: number): number[] {
    const rows: number[] = [];
    for (let i = this.heads.get(record) ?? -1; i >= 0; i = this.next[i]!) rows.push(i);
    rows.reverse(); // buffering order, as the sort's input was before packing
    return rows.sort((a, b) => this.t[a]! - this.t[b]! || compareStrings(this.ids[a]!, this.ids[b]!));
  }

  timeOf(row: number): number {
    return this.t[row]!;
  }

  isContent(row: number): boolean {
    return (this.flags[row]! & CONTENT) !== 0;
  }

  contentIdOf(row: number): string {
    return this.contentIds.get(row)!;
  }

  progressOf(row: number): number {
    return this.value[row]!;
  }

  /** The attempt fields the models read (correct, attempt number, what the rating depends on). */
  attemptOf(row: number): Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> {
    const flags = this.flags[row]!;
    return {
      correct: (flags & CORRECT) !== 0,
      score: this.value[row]!,
      attemptNumber: this.attemptNumber[row]!,
      responseTimeMs: this.responseTimeMs[row]!,
      hintsUsed: this.hintsUsed[row]!,
      confidence:
        flags & NO_CONFIDENCE ? null : flags & CONFIDENCE_ABSENT ? (undefined as never) : this.confidence[row]!,
    };
  }

  private item(i: number): PendingItem {
    if (this.isContent(i)) {
      return {
        t: this.t[i]!,
        id: this.ids[i]!,
        kind: 'content',
        contentId: this.contentIdOf(i),
        progress: this.value[i]!,
      };
    }
    return { t: this.t[i]!, id: this.ids[i]!, kind: 'attempt', attempt: this.attemptOf(i) };
  }

  private setAttempt(i: number, a: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'>): void {
    this.flags[i] =
      (a.correct ? CORRECT : 0) |
      (a.confidence === null ? NO_CONFIDENCE : 0) |
      (a.confidence === undefined ? CONFIDENCE_ABSENT : 0);
    this.value[i] = a.score;
    this.attemptNumber[i] = a.attemptNumber;
    this.responseTimeMs[i] = a.responseTimeMs;
    this.hintsUsed[i] = a.hintsUsed;
    this.confidence[i] = a.confidence ?? 0;
  }

  private push(record: number, t: number, id: string): number {
    const i = this.count++;
    if (i >= this.capacity) {
      const capacity = nextCapacity(this.capacity, i + 1);
      this.t = grow(this.t, capacity);
      this.next = grow(this.next, capacity);
      this.flags = grow(this.flags, capacity);
      this.value = grow(this.value, capacity);
      this.attemptNumber = grow(this.attemptNumber, capacity);
      this.responseTimeMs = grow(this.responseTimeMs, capacity);
      this.hintsUsed = grow(this.hintsUsed, capacity);
      this.confidence = grow(this.confidence, capacity);
      this.capacity = capacity;
    }
    this.t[i] = t;
    this.ids[i] = id;
    const head = this.heads.get(record);
    this.next[i] = head ?? -1;
    if (head === undefined) this.keys.add(record);
    this.heads.set(record, i);
    return i;
  }
}

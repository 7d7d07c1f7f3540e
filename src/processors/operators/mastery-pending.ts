// One open UTC day of the mastery operator: the attempts and content
// interactions buffered per record until the day closes, packed in columns
// (one row per item: time, kind and flags, the attempt's numbers or the
// content progress, the event id and content id), chained per record, and
// the day's records in sorted runs so the close needs no big sort.
import type { ContentInteractionBody, QuestionAttemptBody } from '../../ingest/event.js';
import { type PagedColumn, PagedFloat64, PagedInt32, PagedUint8, PagedUint32 } from '../state/columns.js';
import { packUuid, unpackUuid } from '../state/event-ids.js';
import { SortedRuns } from '../state/sorted-runs.js';
import { compareStrings } from './operator.js';

/** A buffered item as checkpoints carry it. */
export type PendingItem =
  | { t: number; id: string; kind: 'attempt'; attempt: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> }
  | { t: number; id: string; kind: 'content'; contentId: string; progress: number };

const CONTENT = 1;
const CORRECT = 2;
const NO_CONFIDENCE = 4;
/** The event id is packed as four uint32 words (a canonical UUID), not a string. */
const PACKED_ID = 16;
/** A checkpointed attempt without the field (kept as it came: the rating reads it differently from null). */
const CONFIDENCE_ABSENT = 8;
/** An attempt whose numbers do not fit the uint32 columns: kept whole in a side table. */
const ODD_ATTEMPT = 32;

/** A day's heads stay in a Map until this many records have items, and the Map is 1/8 of the records or more. */
const DENSE_AFTER = 1024;

export class PendingDay {
  /**
   * Record → its newest item (items chain from newest to oldest): a Map while
   * few records have items, then (dense) an int32 column by record, newest + 1.
   */
  private heads: Map<number, number> | null = new Map();
  private readonly denseHeads = new PagedInt32();
  /** Records the dense heads have room for. */
  private denseRoom = 0;
  /** Records with items, in the order their first item came, and how many still have items. */
  private readonly arrivals = new PagedInt32();
  private arrived = 0;
  private held = 0;
  private maxRecord = -1;
  readonly keys: SortedRuns<number>;
  private count = 0;
  // Item columns, paged: a day of a million attempts grows without copying them (state/columns.ts).
  private readonly t = new PagedFloat64();
  private readonly next = new PagedInt32();
  private readonly flags = new PagedUint8();
  /** Attempt: score; content: progress. */
  private readonly value = new PagedFloat64();
  private readonly attemptNumber = new PagedUint32();
  private readonly responseTimeMs = new PagedUint32();
  private readonly hintsUsed = new PagedUint32();
  private readonly rowColumns: readonly PagedColumn[] = [
    this.t,
    this.next,
    this.flags,
    this.value,
    this.attemptNumber,
    this.responseTimeMs,
    this.hintsUsed,
  ];
  private readonly oddAttempts = new Map<number, Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'>>();
  /** Self-reported confidence, only for attempts that carry one (most do not). */
  private readonly confidence = new Map<number, number>();
  /** Event ids: four words per row when packed, otherwise the string by row. */
  private readonly idWords = new PagedUint32();
  private readonly otherIds = new Map<number, string>();
  /** Content ids by item, for content items only. */
  private readonly contentIds = new Map<number, string>();

  constructor(compareRecords: (a: number, b: number) => number) {
    this.keys = new SortedRuns(compareRecords, (run) => Int32Array.from(run));
  }

  /** Records with items, in the order their first item came. */
  *records(): Generator<number> {
    for (let k = 0; k < this.arrived; k++) {
      const r = this.arrivals.get(k);
      if (this.has(r)) yield r;
    }
  }

  get size(): number {
    return this.held;
  }

  has(record: number): boolean {
    return this.headOf(record) >= 0;
  }

  /**
   * Drops a record's items (its key stays in the runs and the arrivals, and is
   * skipped). The record must not get items in this day again: erased records
   * are not reused before the day closes.
   */
  delete(record: number): void {
    if (!this.has(record)) return;
    this.held--;
    if (this.heads) this.heads.delete(record);
    else this.denseHeads.set(record, 0);
  }

  private headOf(record: number): number {
    if (this.heads) return this.heads.get(record) ?? -1;
    return record < this.denseRoom ? this.denseHeads.get(record) - 1 : -1;
  }

  private setHead(record: number, row: number): void {
    if (this.heads) {
      this.heads.set(record, row);
      if (this.heads.size >= DENSE_AFTER && this.heads.size * 8 >= this.denseLength(record)) this.toDense();
      return;
    }
    if (record >= this.denseRoom) {
      this.denseHeads.ensure(record + 1);
      this.denseRoom = record + 1;
    }
    this.denseHeads.set(record, row + 1);
  }

  private denseLength(record: number): number {
    return Math.max(record, this.maxRecord) + 1;
  }

  private toDense(): void {
    const heads = this.heads!;
    let max = 0;
    for (const r of heads.keys()) max = Math.max(max, r);
    this.denseHeads.ensure(max + 1);
    this.denseRoom = max + 1;
    for (const [r, row] of heads) this.denseHeads.set(r, row + 1);
    this.heads = null;
  }

  /** Buffers an event's item for a record; false when the record already has an item of this event id. */
  addEvent(record: number, t: number, id: string, body: QuestionAttemptBody | ContentInteractionBody): boolean {
    for (let i = this.headOf(record); i >= 0; i = this.next.get(i)) if (this.idOf(i) === id) return false;
    const i = this.push(record, t, id);
    if (body.kind === 'content_interaction') {
      this.flags.set(i, this.flags.get(i) | CONTENT);
      this.value.set(i, Math.min(1, Math.max(0, body.progress)));
      this.contentIds.set(i, body.contentId);
    } else this.setAttempt(i, body);
    return true;
  }

  /** Buffers a checkpointed item (no duplicate check: the checkpoint holds each once). */
  addItem(record: number, item: PendingItem): void {
    const i = this.push(record, item.t, item.id);
    if (item.kind === 'content') {
      this.flags.set(i, this.flags.get(i) | CONTENT);
      this.value.set(i, item.progress);
      this.contentIds.set(i, item.contentId);
    } else this.setAttempt(i, item.attempt);
  }

  /** A record's items in the order they were buffered. */
  itemsOf(record: number): PendingItem[] {
    const out: PendingItem[] = [];
    for (let i = this.headOf(record); i >= 0; i = this.next.get(i)) out.push(this.item(i));
    return out.reverse();
  }

  /** A record's item rows in the order they were buffered. */
  bufferedRowsOf(record: number): number[] {
    const rows: number[] = [];
    for (let i = this.headOf(record); i >= 0; i = this.next.get(i)) rows.push(i);
    return rows.reverse();
  }

  /** A record's item rows in application order: event time, then event id. */
  sortedRowsOf(record: number): number[] {
    // buffering order, as the sort's input was before packing
    return this.bufferedRowsOf(record).sort((a, b) => this.t.get(a) - this.t.get(b) || this.compareIds(a, b));
  }

  timeOf(row: number): number {
    return this.t.get(row);
  }

  isContent(row: number): boolean {
    return (this.flags.get(row) & CONTENT) !== 0;
  }

  contentIdOf(row: number): string {
    return this.contentIds.get(row)!;
  }

  progressOf(row: number): number {
    return this.value.get(row);
  }

  /** The attempt fields the models read (correct, attempt number, what the rating depends on). */
  attemptOf(row: number): Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> {
    const flags = this.flags.get(row);
    if (flags & ODD_ATTEMPT) return this.oddAttempts.get(row)!;
    return {
      correct: (flags & CORRECT) !== 0,
      score: this.value.get(row),
      attemptNumber: this.attemptNumber.get(row),
      responseTimeMs: this.responseTimeMs.get(row),
      hintsUsed: this.hintsUsed.get(row),
      confidence:
        flags & NO_CONFIDENCE ? null : flags & CONFIDENCE_ABSENT ? (undefined as never) : this.confidence.get(row)!,
    };
  }

  idOf(i: number): string {
    if (!(this.flags.get(i) & PACKED_ID)) return this.otherIds.get(i)!;
    const w = this.idWords;
    return unpackUuid(w.get(4 * i), w.get(4 * i + 1), w.get(4 * i + 2), w.get(4 * i + 3));
  }

  /** Event ids in string order (packed words compare as their strings do). */
  private compareIds(a: number, b: number): number {
    if (this.flags.get(a) & this.flags.get(b) & PACKED_ID) {
      for (let k = 0; k < 4; k++) {
        const d = this.idWords.get(4 * a + k) - this.idWords.get(4 * b + k);
        if (d !== 0) return d;
      }
      return 0;
    }
    return compareStrings(this.idOf(a), this.idOf(b));
  }

  private item(i: number): PendingItem {
    if (this.isContent(i)) {
      return {
        t: this.t.get(i),
        id: this.idOf(i),
        kind: 'content',
        contentId: this.contentIdOf(i),
        progress: this.value.get(i),
      };
    }
    return { t: this.t.get(i), id: this.idOf(i), kind: 'attempt', attempt: this.attemptOf(i) };
  }

  private setAttempt(i: number, a: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'>): void {
    this.flags.set(
      i,
      (this.flags.get(i) & PACKED_ID) |
        (a.correct ? CORRECT : 0) |
        (a.confidence === null ? NO_CONFIDENCE : 0) |
        (a.confidence === undefined ? CONFIDENCE_ABSENT : 0),
    );
    if (!isUint32(a.attemptNumber) || !isUint32(a.responseTimeMs) || !isUint32(a.hintsUsed)) {
      this.flags.set(i, this.flags.get(i) | ODD_ATTEMPT);
      const { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence } = a;
      this.oddAttempts.set(i, { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence });
      return;
    }
    this.value.set(i, a.score);
    this.attemptNumber.set(i, a.attemptNumber);
    this.responseTimeMs.set(i, a.responseTimeMs);
    this.hintsUsed.set(i, a.hintsUsed);
    if (typeof a.confidence === 'number') this.confidence.set(i, a.confidence);
  }

  private push(record: number, t: number, id: string): number {
    const i = this.count++;
    for (const column of this.rowColumns) column.ensure(i + 1);
    this.idWords.ensure(4 * (i + 1));
    this.t.set(i, t);
    const words = packUuid(id);
    if (words) {
      for (let k = 0; k < 4; k++) this.idWords.set(4 * i + k, words[k]!);
      this.flags.set(i, PACKED_ID);
    } else {
      this.otherIds.set(i, id);
      this.flags.set(i, 0);
    }
    const head = this.headOf(record);
    this.next.set(i, head);
    if (head < 0) {
      this.keys.add(record);
      this.arrivals.ensure(this.arrived + 1);
      this.arrivals.set(this.arrived++, record);
      if (record > this.maxRecord) this.maxRecord = record;
      this.held++;
    }
    this.setHead(record, i);
    return i;
  }
}

const isUint32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

// Mastery per learner × topic (PRODUCT.md "The three core operators", 2): BKT
// knowledge estimate, accuracy counts, FSRS retrieval strength and next review,
// material completion, and the composite mastery score — emitted as one
// snapshot per learner × topic per closed UTC day that had activity on it.
//
// A day's attempts are buffered and applied in event-time order (ties by event
// id) when the day closes, at watermark > day end + allowed lateness; so the
// order-sensitive models (BKT, FSRS) see the same sequence whatever the arrival
// order. An event for a day already closed is too late and goes to the late output.
import type { LearningEvent } from '../../ingest/event.js';
import type { MasterySnapshotResult, MasteryTrend } from '../results.js';
import type { EngineSettings } from '../settings.js';
import { DAY_MS, utcDayLabel, utcDayStart } from '../windows/calendar.js';
import { type BktParameters, bktUpdate } from './bkt.js';
import { BLOCK_RECORDS, decodeMasteryBlock, encodeMasteryBlock } from './mastery-blocks.js';
import { PendingDay, type PendingItem } from './mastery-pending.js';
import { decodePendingRows, encodePendingRows, PENDING_ROWS } from './mastery-pending-rows.js';
import { MasteryRecords, type TopicMasteryFields } from './mastery-records.js';
import { MemoryModel, ratingFor, type StoredCard } from './memory-model.js';
import {
  type Emission,
  type LearnerChanges,
  lateEvent,
  learnerKey,
  noLearnerChanges,
  type Operator,
  type StateEntry,
} from './operator.js';
import { pushOutcome, recentAttempts, recentFailures } from './recent-outcomes.js';

/** masteryScore weights (PRODUCT.md). */
export const MASTERY_WEIGHTS = {
  firstAttemptAccuracy: 0.3,
  accuracy: 0.2,
  retrievalStrength: 0.3,
  materialCompletion: 0.2,
};
/** A score change above +0.02 is improving, below −0.02 declining, otherwise stable. */
export const TREND_THRESHOLD = 0.02;

/** The trend of a snapshot against the previous one (null: first snapshot). */
export function masteryTrend(previous: number | null, score: number): { trend: MasteryTrend; change: number } {
  if (previous === null) return { trend: 'new', change: 0 };
  const change = score - previous;
  return { trend: change > TREND_THRESHOLD ? 'improving' : change < -TREND_THRESHOLD ? 'declining' : 'stable', change };
}

/** A topic as checkpointed: the record's fields, then content progress as [content id, progress] pairs. */
type StoredTopicMastery = TopicMasteryFields & { contents: [string, number][] };

/** Version-1 checkpoint state (one JSON object); contents were an object before they were pairs. */
interface LegacyMasteryState {
  topics: [string, TopicMasteryFields & { contents: [string, number][] | Record<string, number> }][];
  pending: [number, [string, PendingItem[]][]][];
}

type MasterySettings = Pick<
  EngineSettings,
  'allowedLatenessMs' | 'bktPrior' | 'bktLearn' | 'bktSlip' | 'bktGuess' | 'bktTopics' | 'fsrsRequestRetention'
>;

/** Topics as JSON entries, one per record: written before blocks, still restored. */
const TOPICS = 'mastery.topics';
/** Topics as binary blocks of records (mastery-blocks.ts). */
const BLOCKS = 'mastery.blocks';
/** Buffered items as JSON objects, one entry per record: written before pending rows, still restored. */
const PENDING = 'mastery.pending';

export class MasteryOperator implements Operator {
  private readonly records = new MasteryRecords();
  private readonly pending = new Map<number, PendingDay>();
  /** Erased learners whose slots wait for the days that may still name them: [learner slot, last such day]. */
  private quarantine: [slot: number, day: number][] = [];
  private readonly memory: MemoryModel;
  private readonly prior = (topicId: string) => this.bktParameters(topicId).prior;

  constructor(
    private readonly settings: MasterySettings,
    private readonly changes: LearnerChanges = noLearnerChanges,
  ) {
    this.memory = new MemoryModel(settings.fsrsRequestRetention);
  }

  /** O(the learner's topics × open days): the learner's records are chained. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    const lk = learnerKey(tenantId, learnerId);
    const held = this.records.learnerOf(lk) !== undefined;
    this.dropLearner(lk);
    return held;
  }

  dropLearner(lk: string): void {
    const slot = this.records.learnerOf(lk);
    if (slot === undefined) return;
    for (const r of this.records.recordsOf(slot)) {
      for (const [day, pending] of this.pending) {
        pending.delete(r); // its record stays in the runs and is skipped at the close
        if (pending.size === 0) this.pending.delete(day);
      }
    }
    this.records.detachLearner(lk);
    let last: number | undefined;
    for (const day of this.pending.keys()) if (last === undefined || day > last) last = day;
    if (last === undefined) this.records.release(slot);
    else this.quarantine.push([slot, last]);
  }

  /** Number of learner × topic entries held (tests, metrics). */
  get entryCount(): number {
    return this.records.size;
  }

  /** Interned tenant and topic ids and learner slots still held (an erased learner's until its open days close). */
  get heldStrings(): { tenants: number; topics: number; learners: number } {
    return this.records.held;
  }

  /** The learner's topics, then their buffered items per open day (days in insertion order). */
  *learnerEntries(lk: string): Generator<StateEntry> {
    const slot = this.records.learnerOf(lk);
    if (slot === undefined) return;
    const own = Array.from(this.records.recordsOf(slot));
    if (own.length > 0) yield [BLOCKS, encodeMasteryBlock(this.records, own)];
    yield* this.pendingEntries(own);
  }

  globalEntries(): Iterable<StateEntry> {
    return [];
  }

  learnerKeys(): Iterable<string> {
    return this.records.heldLearnerKeys();
  }

  /** Their records in blocks of BLOCK_RECORDS (not a block per learner), then their buffered items. */
  *learnersEntries(keys: readonly string[]): Generator<StateEntry> {
    const own: number[] = [];
    for (const key of keys) {
      const slot = this.records.learnerOf(key);
      if (slot !== undefined) for (const r of this.records.recordsOf(slot)) own.push(r);
    }
    yield* this.blocks(own);
    yield* this.pendingEntries(own);
  }

  /** The buffered items of `records` (all records when undefined) as `mastery.pendingRows` entries, per open day. */
  private *pendingEntries(records: readonly number[] | undefined): Generator<StateEntry> {
    const keyOf = (r: number) => this.topicKeyOf(r);
    for (const [day, pending] of this.pending) {
      for (const entry of encodePendingRows(day, pending, records ?? pending.records(), keyOf)) {
        yield [PENDING_ROWS, entry];
      }
    }
  }

  /** `records` as `mastery.blocks` entries of BLOCK_RECORDS records each. */
  private *blocks(records: Iterable<number>): Generator<StateEntry> {
    let block: number[] = [];
    for (const r of records) {
      block.push(r);
      if (block.length === BLOCK_RECORDS) {
        yield [BLOCKS, encodeMasteryBlock(this.records, block)];
        block = [];
      }
    }
    if (block.length > 0) yield [BLOCKS, encodeMasteryBlock(this.records, block)];
  }

  clearGlobals(): void {}

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const body = event.body;
    if (body.kind !== 'question_attempt' && body.kind !== 'content_interaction') return [];
    const day = utcDayStart(event.occurredAt);
    if (watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs) return [lateEvent(event, 'mastery', watermarkMs)];
    const pending = this.pendingDay(day);
    for (const topicId of new Set(body.topicIds)) {
      const r = this.records.findOrAdd(event.tenantId, event.learnerId, topicId, this.prior);
      pending.addEvent(r, event.occurredAt, event.eventId, body); // a redelivered event counts once
    }
    return [];
  }

  /** Closes every day the watermark passed, oldest first; per day one snapshot per topic key, in key order. */
  *onWatermark(watermarkMs: number): Generator<Emission> {
    for (;;) {
      let day: number | undefined;
      for (const d of this.pending.keys()) if (day === undefined || d < day) day = d;
      if (day === undefined || !(watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs)) break;
      const pending = this.pending.get(day)!;
      for (const r of pending.keys.sorted()) {
        if (!pending.has(r)) continue; // forgotten
        this.changes.touch(this.records.learnerKeyOfRecord(r));
        for (const row of pending.sortedRowsOf(r)) this.apply(r, pending, row);
        yield { output: 'mastery', result: this.snapshotOf(r, day) };
      }
      this.pending.delete(day);
      this.releaseQuarantine(); // only when a day closes: the waiting list is not walked per record
    }
  }

  *snapshotEntries(): Generator<StateEntry> {
    yield* this.blocks(this.records.records());
    yield* this.pendingEntries(undefined);
  }

  clear(): void {
    this.records.clear();
    this.pending.clear();
    this.quarantine = [];
  }

  restoreEntry(section: string, value: unknown): boolean {
    if (section === BLOCKS) {
      for (const { learnerKey: lk, fields, contents } of decodeMasteryBlock(value)) {
        this.restoreTopic(fields, contents, lk);
      }
    } else if (section === TOPICS) {
      const [, stored] = value as [string, StoredTopicMastery];
      this.restoreTopic(stored, stored.contents);
    } else if (section === PENDING_ROWS) {
      let lastKey: string | undefined;
      let r = -1;
      decodePendingRows(value, (day, key, item) => {
        if (key !== lastKey) {
          r = this.recordOfKey(key);
          lastKey = key;
          if (r < 0) throw new TypeError('mastery.pendingRows names a topic key without a topic entry');
        }
        this.pendingDay(day).addItem(r, checkedItem(item));
      });
    } else if (section === PENDING) {
      const [day, key, items] = value as [number, string, PendingItem[]];
      this.restorePending(day, key, items);
    } else return false;
    return true;
  }

  restoreLegacy(state: unknown): void {
    const s = state as LegacyMasteryState;
    this.clear();
    for (const [, topic] of s.topics) this.restoreTopic(topic, topic.contents);
    for (const [day, byTopic] of s.pending) {
      for (const [key, items] of byTopic) this.restorePending(day, key, items);
    }
  }

  bktParameters(topicId: string): BktParameters {
    const s = this.settings;
    const own = Object.hasOwn(s.bktTopics, topicId) ? s.bktTopics[topicId] : undefined;
    return { prior: s.bktPrior, learn: s.bktLearn, slip: s.bktSlip, guess: s.bktGuess, ...own };
  }

  private restoreTopic(
    stored: TopicMasteryFields,
    contents: [string, number][] | Record<string, number> | Map<string, number> | null,
    lk?: string,
  ): void {
    const r = this.records.restore(checkedFields(stored), lk);
    const progress = contents instanceof Map || contents === null ? contents : storedContents(contents);
    if (progress) this.records.contents.set(r, progress);
    else this.records.contents.delete(r);
  }

  private restorePending(day: number, key: string, items: PendingItem[]): void {
    if (typeof day !== 'number' || !Array.isArray(items)) throw new TypeError('a malformed mastery.pending entry');
    const r = this.recordOfKey(key);
    if (r < 0) throw new TypeError('mastery.pending names a topic key without a topic entry');
    const pending = this.pendingDay(day);
    for (const item of items) pending.addItem(r, checkedItem(item));
  }

  /** The record of a checkpointed topic key `tenant\0learner\0topic` (the learner key is the part held). */
  private recordOfKey(key: string): number {
    if (typeof key !== 'string') return -1;
    for (let at = key.indexOf('\u0000'); at >= 0; at = key.indexOf('\u0000', at + 1)) {
      const r = this.records.find(key.slice(0, at), key.slice(at + 1));
      if (r >= 0) return r;
    }
    return -1;
  }

  /** Frees erased learners once every day that was open at their erasure has closed. */
  private releaseQuarantine(): void {
    if (this.quarantine.length === 0) return;
    let first: number | undefined;
    for (const day of this.pending.keys()) if (first === undefined || day < first) first = day;
    const waiting: [number, number][] = [];
    for (const entry of this.quarantine) {
      if (first === undefined || entry[1] < first) this.records.release(entry[0]);
      else waiting.push(entry);
    }
    this.quarantine = waiting;
  }

  private pendingDay(day: number): PendingDay {
    let pending = this.pending.get(day);
    if (!pending) {
      pending = new PendingDay(this.records.compareKeys);
      this.pending.set(day, pending);
    }
    return pending;
  }

  private topicKeyOf(r: number): string {
    return `${this.records.learnerKeyOfRecord(r)}\u0000${this.records.topicIdOf(r)}`;
  }

  private apply(r: number, pending: PendingDay, row: number): void {
    const rec = this.records;
    if (pending.isContent(row)) {
      let contents = rec.contents.get(r);
      if (!contents) {
        contents = new Map();
        rec.contents.set(r, contents);
      }
      const contentId = pending.contentIdOf(row);
      contents.set(contentId, Math.max(contents.get(contentId) ?? 0, pending.progressOf(row)));
      return;
    }
    const attempt = pending.attemptOf(row);
    const { correct, attemptNumber } = attempt;
    rec.f.pKnown.set(r, bktUpdate(rec.f.pKnown.get(r), correct, this.bktParameters(rec.topicIdOf(r))));
    rec.n.attempts.set(r, rec.n.attempts.get(r) + 1);
    rec.recent.set(r, pushOutcome(rec.recent.get(r), !correct));
    if (correct) rec.n.correct.set(r, rec.n.correct.get(r) + 1);
    if (attemptNumber === 1) {
      rec.n.firstAttempts.set(r, rec.n.firstAttempts.get(r) + 1);
      if (correct) rec.n.firstAttemptCorrect.set(r, rec.n.firstAttemptCorrect.get(r) + 1);
    }
    rec.setCard(r, this.memory.review(rec.card(r), pending.timeOf(row), ratingFor(attempt)));
  }

  private snapshotOf(r: number, day: number): MasterySnapshotResult {
    const rec = this.records;
    const attempts = rec.n.attempts.get(r);
    const correct = rec.n.correct.get(r);
    const firstAttempts = rec.n.firstAttempts.get(r);
    const firstAttemptCorrect = rec.n.firstAttemptCorrect.get(r);
    const card = rec.card(r);
    const firstAttemptAccuracy = firstAttempts > 0 ? firstAttemptCorrect / firstAttempts : 0;
    const accuracy = attempts > 0 ? correct / attempts : 0;
    const retrievalStrength = this.memory.retrievability(card, day + DAY_MS);
    let progressSum = 0;
    const progress = rec.contents.get(r);
    const contents = progress?.size ?? 0;
    for (const p of progress?.values() ?? []) progressSum += p;
    const materialCompletion = contents > 0 ? progressSum / contents : 0;
    const masteryScore =
      MASTERY_WEIGHTS.firstAttemptAccuracy * firstAttemptAccuracy +
      MASTERY_WEIGHTS.accuracy * accuracy +
      MASTERY_WEIGHTS.retrievalStrength * retrievalStrength +
      MASTERY_WEIGHTS.materialCompletion * materialCompletion;
    const { trend, change } = masteryTrend(rec.lastScore(r), masteryScore);
    rec.setLastScore(r, masteryScore);
    return {
      tenantId: rec.tenantIdOf(r),
      learnerId: rec.learnerIdOf(r),
      topicId: rec.topicIdOf(r),
      day: utcDayLabel(day),
      pKnown: rec.f.pKnown.get(r),
      attempts,
      correct,
      firstAttempts,
      firstAttemptCorrect,
      firstAttemptAccuracy,
      accuracy,
      retrievalStrength,
      nextReviewMs: card ? card.dueMs : 0,
      materialCompletion,
      masteryScore,
      trend,
      change,
      recentAttempts: recentAttempts(rec.recent.get(r)),
      recentFailures: recentFailures(rec.recent.get(r)),
    };
  }
}

/** Content progress of a checkpoint: pairs, or (version 1) an object read by own keys only. */
function storedContents(stored: [string, number][] | Record<string, number>): Map<string, number> | null {
  if (Array.isArray(stored)) return stored.length > 0 ? new Map(stored) : null;
  if (typeof stored !== 'object' || stored === null) throw new TypeError('malformed mastery contents');
  const contents = new Map<string, number>();
  for (const key of Object.keys(stored)) contents.set(key, stored[key]!);
  return contents.size > 0 ? contents : null;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** A checkpointed topic's fields, checked before they go into typed columns (which would coerce anything). */
function checkedFields(stored: TopicMasteryFields): TopicMasteryFields {
  const ok =
    typeof stored === 'object' &&
    stored !== null &&
    typeof stored.tenantId === 'string' &&
    typeof stored.learnerId === 'string' &&
    typeof stored.topicId === 'string' &&
    isNumber(stored.pKnown) &&
    (stored.lastScore === null || isNumber(stored.lastScore)) &&
    (stored.recent === undefined || isNumber(stored.recent)) &&
    (stored.card === null || checkedCard(stored.card));
  if (!ok) throw new TypeError('a malformed mastery.topics entry');
  return stored;
}

function checkedCard(card: StoredCard): boolean {
  return (
    typeof card === 'object' &&
    isNumber(card.dueMs) &&
    isNumber(card.stability) &&
    isNumber(card.difficulty) &&
    isNumber(card.scheduledDays) &&
    (card.lastReviewMs === null || isNumber(card.lastReviewMs))
  );
}

function checkedItem(item: PendingItem): PendingItem {
  const ok =
    typeof item === 'object' &&
    item !== null &&
    isNumber(item.t) &&
    typeof item.id === 'string' &&
    (item.kind === 'content'
      ? typeof item.contentId === 'string' && isNumber(item.progress)
      : item.kind === 'attempt' &&
        typeof item.attempt === 'object' &&
        item.attempt !== null &&
        typeof item.attempt.correct === 'boolean' &&
        isNumber(item.attempt.score) &&
        isNumber(item.attempt.attemptNumber) &&
        isNumber(item.attempt.responseTimeMs) &&
        isNumber(item.attempt.hintsUsed) &&
        (item.attempt.confidence === null ||
          item.attempt.confidence === undefined ||
          isNumber(item.attempt.confidence)));
  if (!ok) throw new TypeError('a malformed mastery.pending item');
  return item;
}

// Mastery per learner × topic (PRODUCT.md "The three core operators", 2): BKT
// knowledge estimate, accuracy counts, FSRS retrieval strength and next review,
// material completion, and the composite mastery score — emitted as one
// snapshot per learner × topic per closed UTC day that had activity on it.
//
// A day's attempts are buffered and applied in event-time order (ties by event
// id) when the day closes, at watermark > day end + allowed lateness; so the
// order-sensitive models (BKT, FSRS) see the same sequence whatever the arrival
// order. An event for a day already closed is too late and goes to the late output.
import type { ContentInteractionBody, LearningEvent, QuestionAttemptBody } from '../../ingest/event.js';
import type { MasterySnapshotResult, MasteryTrend } from '../results.js';
import type { EngineSettings } from '../settings.js';
import { SortedRuns } from '../state/sorted-runs.js';
import { DAY_MS, utcDayLabel, utcDayStart } from '../windows/calendar.js';
import { type BktParameters, bktUpdate } from './bkt.js';
import { MemoryModel, ratingFor, type StoredCard } from './memory-model.js';
import {
  compareStrings,
  type Emission,
  type LearnerChanges,
  lateEvent,
  learnerKey,
  noLearnerChanges,
  type Operator,
  type StateEntry,
} from './operator.js';

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

interface TopicMastery {
  tenantId: string;
  learnerId: string;
  topicId: string;
  pKnown: number;
  attempts: number;
  correct: number;
  firstAttempts: number;
  firstAttemptCorrect: number;
  card: StoredCard | null;
  /** Highest progress per content id seen for the topic (a Map: content ids are untrusted keys); null before any. */
  contents: Map<string, number> | null;
  lastScore: number | null;
}

type PendingItem =
  | { t: number; id: string; kind: 'attempt'; attempt: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> }
  | { t: number; id: string; kind: 'content'; contentId: string; progress: number };

/** One open UTC day: its buffered items per topic key, and the keys in a form that sorts without one big sort. */
interface PendingDay {
  items: Map<string, PendingItem[]>;
  keys: SortedRuns;
}

/** A topic as checkpointed: content progress as [content id, progress] pairs. */
type StoredTopicMastery = Omit<TopicMastery, 'contents'> & { contents: [string, number][] };

/** Version-1 checkpoint state (one JSON object); contents were an object before they were pairs. */
interface LegacyMasteryState {
  topics: [string, Omit<TopicMastery, 'contents'> & { contents: [string, number][] | Record<string, number> }][];
  pending: [number, [string, PendingItem[]][]][];
}

type MasterySettings = Pick<
  EngineSettings,
  'allowedLatenessMs' | 'bktPrior' | 'bktLearn' | 'bktSlip' | 'bktGuess' | 'bktTopics' | 'fsrsRequestRetention'
>;

const TOPICS = 'mastery.topics';
const PENDING = 'mastery.pending';

export class MasteryOperator implements Operator {
  private readonly topics = new Map<string, TopicMastery>();
  /** Erasure index: learner key → the learner's topic keys. */
  private readonly byLearner = new Map<string, string[]>();
  private readonly pending = new Map<number, PendingDay>();
  private readonly memory: MemoryModel;

  constructor(
    private readonly settings: MasterySettings,
    private readonly changes: LearnerChanges = noLearnerChanges,
  ) {
    this.memory = new MemoryModel(settings.fsrsRequestRetention);
  }

  /** O(the learner's topics × open days): the index names the learner's keys. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    const lk = learnerKey(tenantId, learnerId);
    const held = this.byLearner.has(lk);
    this.dropLearner(lk);
    return held;
  }

  dropLearner(lk: string): void {
    const keys = this.byLearner.get(lk);
    if (!keys) return;
    this.byLearner.delete(lk);
    for (const key of keys) {
      this.topics.delete(key);
      for (const [day, pending] of this.pending) {
        pending.items.delete(key); // its key stays in the runs and is skipped at the close
        if (pending.items.size === 0) this.pending.delete(day);
      }
    }
  }

  /** The learner's topics, then their buffered items per open day (days in insertion order). */
  *learnerEntries(lk: string): Generator<StateEntry> {
    const keys = this.byLearner.get(lk);
    if (!keys) return;
    for (const key of keys) {
      const topic = this.topics.get(key)!;
      yield [TOPICS, [key, storedTopic(topic)]];
    }
    for (const [day, pending] of this.pending) {
      for (const key of keys) {
        const items = pending.items.get(key);
        if (items) yield [PENDING, [day, key, items]];
      }
    }
  }

  globalEntries(): Iterable<StateEntry> {
    return [];
  }

  clearGlobals(): void {}

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const body = event.body;
    if (body.kind !== 'question_attempt' && body.kind !== 'content_interaction') return [];
    const day = utcDayStart(event.occurredAt);
    if (watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs) return [lateEvent(event, 'mastery', watermarkMs)];
    const item = toPendingItem(event.occurredAt, event.eventId, body);
    const pending = this.pendingDay(day);
    for (const topicId of new Set(body.topicIds)) {
      const key = topicKey(event.tenantId, event.learnerId, topicId);
      if (!this.topics.has(key)) this.addTopic(key, this.newTopic(event.tenantId, event.learnerId, topicId));
      const items = pending.items.get(key);
      if (!items) this.addPending(pending, key, [item]);
      else if (!items.some((i) => i.id === item.id)) items.push(item); // a redelivered event counts once
    }
    return [];
  }

  /** Closes every day the watermark passed, oldest first; per day one snapshot per topic key, in key order. */
  *onWatermark(watermarkMs: number): Generator<Emission> {
    for (;;) {
      let day: number | undefined;
      for (const d of this.pending.keys()) if (day === undefined || d < day) day = d;
      if (day === undefined || !(watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs)) return;
      const pending = this.pending.get(day)!;
      for (const key of pending.keys.sorted()) {
        const items = pending.items.get(key);
        if (!items) continue; // forgotten
        const topic = this.topics.get(key)!;
        this.changes.touch(learnerKey(topic.tenantId, topic.learnerId));
        items.sort((a, b) => a.t - b.t || compareStrings(a.id, b.id));
        for (const item of items) this.apply(topic, item);
        yield { output: 'mastery', result: this.snapshotOf(topic, day) };
      }
      this.pending.delete(day);
    }
  }

  *snapshotEntries(): Generator<StateEntry> {
    for (const [key, topic] of this.topics) yield [TOPICS, [key, storedTopic(topic)]];
    for (const [day, pending] of this.pending) {
      for (const [key, items] of pending.items) yield [PENDING, [day, key, items]];
    }
  }

  clear(): void {
    this.topics.clear();
    this.byLearner.clear();
    this.pending.clear();
  }

  restoreEntry(section: string, value: unknown): boolean {
    if (section === TOPICS) {
      const [key, stored] = value as [string, StoredTopicMastery];
      this.addTopic(key, { ...stored, contents: stored.contents.length > 0 ? new Map(stored.contents) : null });
    } else if (section === PENDING) {
      const [day, key, items] = value as [number, string, PendingItem[]];
      this.addPending(this.pendingDay(day), key, items);
    } else return false;
    return true;
  }

  restoreLegacy(state: unknown): void {
    const s = state as LegacyMasteryState;
    this.clear();
    for (const [key, topic] of s.topics) this.addTopic(key, { ...topic, contents: storedContents(topic.contents) });
    for (const [day, byTopic] of s.pending) {
      const pending = this.pendingDay(day);
      for (const [key, items] of byTopic) this.addPending(pending, key, items);
    }
  }

  bktParameters(topicId: string): BktParameters {
    const s = this.settings;
    const own = Object.hasOwn(s.bktTopics, topicId) ? s.bktTopics[topicId] : undefined;
    return { prior: s.bktPrior, learn: s.bktLearn, slip: s.bktSlip, guess: s.bktGuess, ...own };
  }

  private addTopic(key: string, topic: TopicMastery): void {
    this.topics.set(key, topic);
    const lk = learnerKey(topic.tenantId, topic.learnerId);
    const keys = this.byLearner.get(lk);
    if (keys) keys.push(key);
    else this.byLearner.set(lk, [key]);
  }

  private pendingDay(day: number): PendingDay {
    let pending = this.pending.get(day);
    if (!pending) {
      pending = { items: new Map(), keys: new SortedRuns() };
      this.pending.set(day, pending);
    }
    return pending;
  }

  private addPending(pending: PendingDay, key: string, items: PendingItem[]): void {
    pending.items.set(key, items);
    pending.keys.add(key);
  }

  private newTopic(tenantId: string, learnerId: string, topicId: string): TopicMastery {
    return {
      tenantId,
      learnerId,
      topicId,
      pKnown: this.bktParameters(topicId).prior,
      attempts: 0,
      correct: 0,
      firstAttempts: 0,
      firstAttemptCorrect: 0,
      card: null,
      contents: null,
      lastScore: null,
    };
  }

  private apply(topic: TopicMastery, item: PendingItem): void {
    if (item.kind === 'content') {
      topic.contents ??= new Map();
      topic.contents.set(item.contentId, Math.max(topic.contents.get(item.contentId) ?? 0, item.progress));
      return;
    }
    const { correct, attemptNumber } = item.attempt;
    topic.pKnown = bktUpdate(topic.pKnown, correct, this.bktParameters(topic.topicId));
    topic.attempts += 1;
    if (correct) topic.correct += 1;
    if (attemptNumber === 1) {
      topic.firstAttempts += 1;
      if (correct) topic.firstAttemptCorrect += 1;
    }
    topic.card = this.memory.review(topic.card, item.t, ratingFor(item.attempt));
  }

  private snapshotOf(topic: TopicMastery, day: number): MasterySnapshotResult {
    const firstAttemptAccuracy = topic.firstAttempts > 0 ? topic.firstAttemptCorrect / topic.firstAttempts : 0;
    const accuracy = topic.attempts > 0 ? topic.correct / topic.attempts : 0;
    const retrievalStrength = this.memory.retrievability(topic.card, day + DAY_MS);
    let progressSum = 0;
    const contents = topic.contents?.size ?? 0;
    for (const progress of topic.contents?.values() ?? []) progressSum += progress;
    const materialCompletion = contents > 0 ? progressSum / contents : 0;
    const masteryScore =
      MASTERY_WEIGHTS.firstAttemptAccuracy * firstAttemptAccuracy +
      MASTERY_WEIGHTS.accuracy * accuracy +
      MASTERY_WEIGHTS.retrievalStrength * retrievalStrength +
      MASTERY_WEIGHTS.materialCompletion * materialCompletion;
    const { trend, change } = masteryTrend(topic.lastScore, masteryScore);
    topic.lastScore = masteryScore;
    return {
      tenantId: topic.tenantId,
      learnerId: topic.learnerId,
      topicId: topic.topicId,
      day: utcDayLabel(day),
      pKnown: topic.pKnown,
      attempts: topic.attempts,
      correct: topic.correct,
      firstAttempts: topic.firstAttempts,
      firstAttemptCorrect: topic.firstAttemptCorrect,
      firstAttemptAccuracy,
      accuracy,
      retrievalStrength,
      nextReviewMs: topic.card ? topic.card.dueMs : 0,
      materialCompletion,
      masteryScore,
      trend,
      change,
    };
  }
}

function storedTopic(topic: TopicMastery): StoredTopicMastery {
  return { ...topic, contents: topic.contents ? Array.from(topic.contents) : [] };
}

function topicKey(tenantId: string, learnerId: string, topicId: string): string {
  return `${learnerKey(tenantId, learnerId)}\u0000${topicId}`;
}

function toPendingItem(t: number, id: string, body: QuestionAttemptBody | ContentInteractionBody): PendingItem {
  if (body.kind === 'content_interaction') {
    return { t, id, kind: 'content', contentId: body.contentId, progress: Math.min(1, Math.max(0, body.progress)) };
  }
  const { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence } = body;
  return { t, id, kind: 'attempt', attempt: { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence } };
}

/** Content progress from a version-1 checkpoint: pairs, or an object read by own keys only. */
function storedContents(stored: [string, number][] | Record<string, number>): Map<string, number> | null {
  if (Array.isArray(stored)) return stored.length > 0 ? new Map(stored) : null;
  const contents = new Map<string, number>();
  for (const key of Object.keys(stored)) contents.set(key, stored[key]!);
  return contents.size > 0 ? contents : null;
}

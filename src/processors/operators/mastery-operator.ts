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
import { DAY_MS, utcDayLabel, utcDayStart } from '../windows/calendar.js';
import { type BktParameters, bktUpdate } from './bkt.js';
import { MemoryModel, ratingFor, type StoredCard } from './memory-model.js';
import { compareStrings, type Emission, lateEvent, type Operator } from './operator.js';

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
  /** Highest progress per content id seen for the topic (a Map: content ids are untrusted keys). */
  contents: Map<string, number>;
  lastScore: number | null;
}

type PendingItem =
  | { t: number; id: string; kind: 'attempt'; attempt: Omit<QuestionAttemptBody, 'kind' | 'topicIds' | 'itemId'> }
  | { t: number; id: string; kind: 'content'; contentId: string; progress: number };

/** A topic as checkpointed: content progress as [content id, progress] pairs. */
type StoredTopicMastery = Omit<TopicMastery, 'contents'> & { contents: [string, number][] };

export interface MasteryOperatorState {
  topics: [string, StoredTopicMastery][];
  /** [day start, [topic key, items][]][] */
  pending: [number, [string, PendingItem[]][]][];
}

type MasterySettings = Pick<
  EngineSettings,
  'allowedLatenessMs' | 'bktPrior' | 'bktLearn' | 'bktSlip' | 'bktGuess' | 'bktTopics' | 'fsrsRequestRetention'
>;

export class MasteryOperator implements Operator {
  private readonly topics = new Map<string, TopicMastery>();
  private readonly pending = new Map<number, Map<string, PendingItem[]>>();
  private readonly memory: MemoryModel;

  constructor(private readonly settings: MasterySettings) {
    this.memory = new MemoryModel(settings.fsrsRequestRetention);
  }

  forgetLearner(tenantId: string, learnerId: string): boolean {
    const prefix = `${tenantId}\u0000${learnerId}\u0000`;
    let found = false;
    for (const key of [...this.topics.keys()]) {
      if (key.startsWith(prefix)) found = this.topics.delete(key) || found;
    }
    for (const [day, byTopic] of this.pending) {
      for (const key of [...byTopic.keys()]) {
        if (key.startsWith(prefix)) found = byTopic.delete(key) || found;
      }
      if (byTopic.size === 0) this.pending.delete(day);
    }
    return found;
  }

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const body = event.body;
    if (body.kind !== 'question_attempt' && body.kind !== 'content_interaction') return [];
    const day = utcDayStart(event.occurredAt);
    if (watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs) return [lateEvent(event, 'mastery', watermarkMs)];
    const item = toPendingItem(event.occurredAt, event.eventId, body);
    let byTopic = this.pending.get(day);
    if (!byTopic) {
      byTopic = new Map();
      this.pending.set(day, byTopic);
    }
    for (const topicId of new Set(body.topicIds)) {
      const key = `${event.tenantId}\u0000${event.learnerId}\u0000${topicId}`;
      if (!this.topics.has(key)) this.topics.set(key, this.newTopic(event.tenantId, event.learnerId, topicId));
      const items = byTopic.get(key) ?? [];
      if (!items.some((i) => i.id === item.id)) items.push(item); // a redelivered event counts once
      byTopic.set(key, items);
    }
    return [];
  }

  onWatermark(watermarkMs: number): Emission[] {
    const out: Emission[] = [];
    const days = [...this.pending.keys()].sort((a, b) => a - b);
    for (const day of days) {
      if (!(watermarkMs > day + DAY_MS + this.settings.allowedLatenessMs)) break;
      const byTopic = this.pending.get(day)!;
      for (const key of [...byTopic.keys()].sort(compareStrings)) {
        const topic = this.topics.get(key)!;
        const items = byTopic.get(key)!.sort((a, b) => a.t - b.t || compareStrings(a.id, b.id));
        for (const item of items) this.apply(topic, item);
        out.push({ output: 'mastery', result: this.snapshotOf(topic, day) });
      }
      this.pending.delete(day);
    }
    return out;
  }

  snapshot(): MasteryOperatorState {
    return {
      topics: [...this.topics.entries()]
        .sort((a, b) => compareStrings(a[0], b[0]))
        .map(([key, topic]) => [key, { ...topic, contents: [...topic.contents.entries()] }]),
      pending: [...this.pending.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([day, byTopic]) => [day, [...byTopic.entries()].sort((a, b) => compareStrings(a[0], b[0]))]),
    };
  }

  restore(state: unknown): void {
    const s = state as MasteryOperatorState;
    this.topics.clear();
    this.pending.clear();
    for (const [key, topic] of s.topics) this.topics.set(key, { ...topic, contents: storedContents(topic.contents) });
    for (const [day, byTopic] of s.pending) this.pending.set(day, new Map(byTopic));
  }

  bktParameters(topicId: string): BktParameters {
    const s = this.settings;
    const own = Object.hasOwn(s.bktTopics, topicId) ? s.bktTopics[topicId] : undefined;
    return { prior: s.bktPrior, learn: s.bktLearn, slip: s.bktSlip, guess: s.bktGuess, ...own };
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
      contents: new Map(),
      lastScore: null,
    };
  }

  private apply(topic: TopicMastery, item: PendingItem): void {
    if (item.kind === 'content') {
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
    for (const progress of topic.contents.values()) progressSum += progress;
    const materialCompletion = topic.contents.size > 0 ? progressSum / topic.contents.size : 0;
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

function toPendingItem(t: number, id: string, body: QuestionAttemptBody | ContentInteractionBody): PendingItem {
  if (body.kind === 'content_interaction') {
    return { t, id, kind: 'content', contentId: body.contentId, progress: Math.min(1, Math.max(0, body.progress)) };
  }
  const { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence } = body;
  return { t, id, kind: 'attempt', attempt: { correct, score, attemptNumber, responseTimeMs, hintsUsed, confidence } };
}

/** Content progress from a checkpoint: pairs, or (state version 1) an object read by own keys only. */
function storedContents(stored: [string, number][] | Record<string, number>): Map<string, number> {
  if (Array.isArray(stored)) return new Map(stored);
  const contents = new Map<string, number>();
  for (const key of Object.keys(stored)) contents.set(key, stored[key]!);
  return contents;
}

// The results the operators emit, one type per output table. Each closed
// window is emitted once, when final. The pipeline stamps every result with
// its source partition and a per-partition, per-output sequence number, which
// the sink stores so a replay after a crash skips what ClickHouse already has.
import type { LearningEvent } from '../ingest/event.js';

export interface SessionWindowResult {
  tenantId: string;
  learnerId: string;
  /** Deterministic: `${learnerId}:${startMs}` */
  sessionId: string;
  startMs: number;
  /** Time of the last event in the session (not start + gap). */
  endMs: number;
  durationMs: number;
  /** Sum of gaps between consecutive events that are shorter than the idle threshold, in seconds. */
  activeSeconds: number;
  eventCount: number;
  activityCount: number;
  questionAttempts: number;
  questionsCorrect: number;
  contentInteractions: number;
  iepUpdates: number;
  /** Sorted, distinct topic ids touched (question attempts and content interactions). */
  topics: string[];
}

export type MasteryTrend = 'new' | 'improving' | 'stable' | 'declining';

export interface MasterySnapshotResult {
  tenantId: string;
  learnerId: string;
  topicId: string;
  /** UTC day the snapshot closes, YYYY-MM-DD */
  day: string;
  /** BKT posterior P(known) after the day's attempts */
  pKnown: number;
  attempts: number;
  correct: number;
  firstAttempts: number;
  firstAttemptCorrect: number;
  firstAttemptAccuracy: number;
  accuracy: number;
  /** Retrievability 0..1 at the end of the day (FSRS) */
  retrievalStrength: number;
  /** Epoch ms of the next review the spaced-repetition model schedules */
  nextReviewMs: number;
  /** 0..1, mean completion of the topic's materials seen */
  materialCompletion: number;
  /** Question attempts among the last 10 on the topic (fewer early on). */
  recentAttempts: number;
  /** Failed ones among them. */
  recentFailures: number;
  /** 0.30·first_attempt_accuracy + 0.20·accuracy + 0.30·retrieval_strength + 0.20·material_completion */
  masteryScore: number;
  trend: MasteryTrend;
  /** masteryScore minus the previous snapshot's (0 when new) */
  change: number;
}

export interface WeeklyActivePartialResult {
  tenantId: string;
  /** ISO week's Monday, YYYY-MM-DD (UTC) */
  weekStart: string;
  /** ISO week label, e.g. 2026-W47 */
  isoWeek: string;
  active: number;
  new: number;
  returning: number;
  reactivated: number;
  churned: number;
  sessions: number;
  learningMinutes: number;
}

export interface LateEventResult {
  event: LearningEvent;
  /** Operator that found it too late */
  operator: 'sessions' | 'mastery' | 'weekly_active';
  /** The partition watermark when it arrived: the one that found it too late (windows close on it). */
  watermarkMs: number;
}

export interface ResultsByOutput {
  sessions: SessionWindowResult;
  mastery: MasterySnapshotResult;
  weekly_active: WeeklyActivePartialResult;
  late_events: LateEventResult;
}

export type OutputName = keyof ResultsByOutput;

/** A result as it travels from the pipeline to the sink and the live feed. */
export interface StampedResult<O extends OutputName = OutputName> {
  output: O;
  /** Source partition whose state produced it */
  partition: number;
  /** Increases by one per (partition, output); starts at 1 */
  seq: number;
  result: ResultsByOutput[O];
}

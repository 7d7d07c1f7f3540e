// Maps pipeline results (camelCase contracts) to the snake_case rows of the
// ClickHouse tables, as JSONEachRow objects. Times go in twice: a DateTime('UTC')
// column for humans and Grafana, and an integer `_ms` column with full precision.
import type { LearningEvent } from '../ingest/event.js';
import type {
  LateEventResult,
  MasterySnapshotResult,
  OutputName,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from '../processors/results.js';
import { formatDateTime, formatDay } from './sql.js';

export type Row = Record<string, unknown>;

const dateTime = (ms: number) => formatDateTime(new Date(ms));
const nonNegative = (ms: number) => Math.max(0, Math.round(ms));

export function sessionRow(r: SessionWindowResult, partition: number, seq: number): Row {
  return {
    tenant_id: r.tenantId,
    learner_id: r.learnerId,
    session_id: r.sessionId,
    start: dateTime(r.startMs),
    start_ms: r.startMs,
    end_ms: r.endMs,
    duration_ms: nonNegative(r.durationMs),
    active_seconds: r.activeSeconds,
    event_count: r.eventCount,
    activity_count: r.activityCount,
    question_attempts: r.questionAttempts,
    questions_correct: r.questionsCorrect,
    content_interactions: r.contentInteractions,
    iep_updates: r.iepUpdates,
    topics: r.topics,
    day: formatDay(r.startMs),
    source_partition: partition,
    seq,
  };
}

export function masteryRow(r: MasterySnapshotResult, partition: number, seq: number): Row {
  return {
    tenant_id: r.tenantId,
    learner_id: r.learnerId,
    topic_id: r.topicId,
    day: r.day,
    p_known: r.pKnown,
    attempts: r.attempts,
    correct: r.correct,
    first_attempts: r.firstAttempts,
    first_attempt_correct: r.firstAttemptCorrect,
    first_attempt_accuracy: r.firstAttemptAccuracy,
    accuracy: r.accuracy,
    retrieval_strength: r.retrievalStrength,
    next_review: dateTime(r.nextReviewMs),
    next_review_ms: nonNegative(r.nextReviewMs),
    material_completion: r.materialCompletion,
    recent_attempts: r.recentAttempts,
    recent_failures: r.recentFailures,
    mastery_score: r.masteryScore,
    trend: r.trend,
    score_change: r.change,
    source_partition: partition,
    seq,
  };
}

export function weeklyActiveRow(r: WeeklyActivePartialResult, partition: number, seq: number): Row {
  return {
    tenant_id: r.tenantId,
    week_start: r.weekStart,
    iso_week: r.isoWeek,
    active: r.active,
    new: r.new,
    returning: r.returning,
    reactivated: r.reactivated,
    churned: r.churned,
    sessions: r.sessions,
    learning_minutes: r.learningMinutes,
    source_partition: partition,
    seq,
  };
}

function eventColumns(e: LearningEvent): Row {
  const { kind, ...body } = e.body;
  return {
    tenant_id: e.tenantId,
    learner_id: e.learnerId,
    event_id: e.eventId,
    kind,
    occurred_at: dateTime(e.occurredAt),
    occurred_at_ms: nonNegative(e.occurredAt),
    received_at_ms: nonNegative(e.receivedAt),
    event_source: e.source,
    schema_version: e.schemaVersion,
    body: JSON.stringify(body),
    day: formatDay(e.occurredAt),
  };
}

export function lateEventRow(r: LateEventResult, partition: number, seq: number): Row {
  return {
    ...eventColumns(r.event),
    operator: r.operator,
    watermark_ms: nonNegative(r.watermarkMs),
    lateness_ms: Math.round(r.watermarkMs - r.event.occurredAt),
    source_partition: partition,
    seq,
  };
}

/** Result identity and the writer's claim, stamped on every fenced row (docs/delivery.md). */
export interface RowStamp {
  deployment: string;
  topic: string;
  epoch: number;
  owner: string;
}

export const unfencedStamp: RowStamp = { deployment: '', topic: '', epoch: 0, owner: '' };

function stampColumns(s: RowStamp): Row {
  return { deployment: s.deployment, source_topic: s.topic, owner_epoch: s.epoch, owner: s.owner };
}

/** Row of `raw_events`: one consumed event, kept for drill-down until retention removes it. */
export function rawEventRow(
  e: LearningEvent,
  partition: number,
  offset: string | number,
  stamp: RowStamp = unfencedStamp,
): Row {
  return {
    ...eventColumns(e),
    client_session_id: e.clientSessionId ?? '',
    source_partition: partition,
    source_offset: Number(offset),
    ...stampColumns(stamp),
  };
}

/** A record the ingest layer could not accept, in readable form. */
export interface DeadLetterRecord {
  atMs: number;
  reason: string;
  topic: string;
  partition: number;
  offset: string | number;
  tenantId?: string;
  /** Pseudonym when the record decoded far enough to know it. */
  learnerId?: string;
  rawBase64: string;
  preview?: string;
}

export function deadLetterRow(d: DeadLetterRecord, stamp: RowStamp = unfencedStamp): Row {
  return {
    at: dateTime(d.atMs),
    at_ms: nonNegative(d.atMs),
    day: formatDay(d.atMs),
    reason: d.reason,
    topic: d.topic,
    source_partition: d.partition,
    source_offset: Number(d.offset),
    tenant_id: d.tenantId ?? '',
    learner_id: d.learnerId ?? '',
    raw_base64: d.rawBase64,
    preview: d.preview ?? '',
    ...stampColumns(stamp),
  };
}

/** The table row of any stamped result. */
export function resultRow(s: StampedResult): Row {
  const out: OutputName = s.output;
  switch (out) {
    case 'sessions':
      return sessionRow(s.result as SessionWindowResult, s.partition, s.seq);
    case 'mastery':
      return masteryRow(s.result as MasterySnapshotResult, s.partition, s.seq);
    case 'weekly_active':
      return weeklyActiveRow(s.result as WeeklyActivePartialResult, s.partition, s.seq);
    case 'late_events':
      return lateEventRow(s.result as LateEventResult, s.partition, s.seq);
  }
}

// Builders of pipeline results for the views tests: only the fields a test
// cares about are given, the rest get neutral values.
import type { LearningEvent } from '../../../src/ingest/event.js';
import type {
  MasterySnapshotResult,
  OutputName,
  ResultsByOutput,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from '../../../src/processors/results.js';

export const MIN = 60_000;

export function session(
  p: Pick<SessionWindowResult, 'tenantId' | 'learnerId'> & {
    start: string;
    durationMs: number;
    activeSeconds?: number;
    topics?: string[];
  },
): SessionWindowResult {
  const startMs = Date.parse(p.start);
  return {
    tenantId: p.tenantId,
    learnerId: p.learnerId,
    sessionId: `${p.learnerId}:${startMs}`,
    startMs,
    endMs: startMs + p.durationMs,
    durationMs: p.durationMs,
    activeSeconds: p.activeSeconds ?? 0,
    eventCount: 3,
    activityCount: 1,
    questionAttempts: 1,
    questionsCorrect: 1,
    contentInteractions: 1,
    iepUpdates: 0,
    topics: p.topics ?? [],
  };
}

export function mastery(
  p: Pick<MasterySnapshotResult, 'tenantId' | 'learnerId' | 'topicId' | 'day' | 'masteryScore' | 'pKnown'>,
): MasterySnapshotResult {
  return {
    ...p,
    attempts: 4,
    correct: 3,
    firstAttempts: 2,
    firstAttemptCorrect: 1,
    firstAttemptAccuracy: 0.5,
    accuracy: 0.75,
    retrievalStrength: 0.9,
    nextReviewMs: Date.parse(`${p.day}T00:00:00Z`) + 3 * 86_400_000,
    materialCompletion: 0.4,
    recentAttempts: 4,
    recentFailures: 1,
    trend: 'new',
    change: 0,
  };
}

export function weekly(
  p: Partial<WeeklyActivePartialResult> & Pick<WeeklyActivePartialResult, 'tenantId' | 'weekStart'>,
): WeeklyActivePartialResult {
  return {
    isoWeek: '2026-W45',
    active: 0,
    new: 0,
    returning: 0,
    reactivated: 0,
    churned: 0,
    sessions: 0,
    learningMinutes: 0,
    ...p,
  };
}

export function event(p: { tenantId: string; learnerId: string; occurredAt: number; eventId: string }): LearningEvent {
  return {
    eventId: p.eventId,
    tenantId: p.tenantId,
    learnerId: p.learnerId,
    occurredAt: p.occurredAt,
    receivedAt: p.occurredAt + 1000,
    source: 'test',
    schemaVersion: 2,
    clientSessionId: `${p.learnerId}-client-session`,
    body: { kind: 'activity', category: 'page_view', action: 'opened', objectId: 'page-1', durationMs: null },
  };
}

/** Stamps results of one output on one partition with consecutive seqs starting at `firstSeq`. */
export function stamp<O extends OutputName>(
  output: O,
  partition: number,
  results: ResultsByOutput[O][],
  firstSeq = 1,
): StampedResult<O>[] {
  return results.map((result, i) => ({ output, partition, seq: firstSeq + i, result }));
}

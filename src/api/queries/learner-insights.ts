// Reads behind the learner insights (streaks and patterns, mastery history and
// time to mastery, due reviews, the learner summary): the learner's closed
// sessions and daily mastery snapshots as the engine wrote them. Learner-level:
// callers audit every read.

import { day as dayLit, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import type { SessionFacts } from '../insights/patterns.js';
import type { Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

/** Sessions read for one learner's patterns at most (newest first beyond it; a period holds far fewer). */
export const MAX_PATTERN_SESSIONS = 20_000;

/** The learner's sessions that start in the period, oldest first. */
export async function learnerSessions(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<SessionFacts[]> {
  const rows = await store.query(
    sql`SELECT start_ms, duration_ms, active_seconds, event_count, question_attempts, questions_correct,
        content_interactions
      FROM (SELECT * FROM sessions
            WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId}
              AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}
            ORDER BY start_ms DESC LIMIT ${MAX_PATTERN_SESSIONS})
      ORDER BY start_ms`.text,
  );
  return rows.map((r) => ({
    startMs: n(r.start_ms),
    durationMs: n(r.duration_ms),
    activeSeconds: n(r.active_seconds),
    eventCount: n(r.event_count),
    questionAttempts: n(r.question_attempts),
    questionsCorrect: n(r.questions_correct),
    contentInteractions: n(r.content_interactions),
  }));
}

/** Every UTC day with a session of the learner up to (not including) `beforeDay`, and their first session. */
export async function learnerActiveDays(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  beforeDay: string,
): Promise<{ days: string[]; firstStartMs: number | null }> {
  const [r] = await store.query(
    sql`SELECT arraySort(groupUniqArray(toString(day))) AS days, min(start_ms) AS first, count() AS c
      FROM sessions
      WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId} AND day < ${dayLit(beforeDay)}`.text,
  );
  const days = Array.isArray(r?.days) ? r.days.map(String) : [];
  return { days, firstStartMs: n(r?.c) > 0 ? n(r?.first) : null };
}

export interface MasterySeriesPoint {
  topicId: string;
  day: string;
  masteryScore: number;
  pKnown: number;
  accuracy: number;
  retrievalStrength: number;
  attempts: number;
  trend: string;
}

/** The learner's daily snapshots whose day lies in the period (one topic, or all), by topic and day. */
export async function learnerMasterySeries(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
  topicId: string | undefined,
): Promise<MasterySeriesPoint[]> {
  const topic = topicId === undefined ? sql`1` : sql`topic_id = ${topicId}`;
  const rows = await store.query(
    sql`SELECT topic_id, toString(day) AS d, mastery_score, p_known, accuracy, retrieval_strength, attempts, trend
      FROM mastery_snapshots
      WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId} AND ${topic}
        AND day >= ${dayLit(p.fromDay)} AND day < ${dayLit(p.toDay)}
      ORDER BY topic_id, day`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic_id),
    day: String(r.d),
    masteryScore: n(r.mastery_score),
    pKnown: n(r.p_known),
    accuracy: n(r.accuracy),
    retrievalStrength: n(r.retrieval_strength),
    attempts: n(r.attempts),
    trend: String(r.trend),
  }));
}

export interface TopicLatest {
  topicId: string;
  day: string;
  masteryScore: number;
  retrievalStrength: number;
  nextReviewMs: number;
  accuracy: number;
  recentAttempts: number;
  recentFailures: number;
}

/** The newest snapshot of every topic the learner has (all time). */
export async function learnerLatestMastery(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
): Promise<TopicLatest[]> {
  const rows = await store.query(
    sql`SELECT topic_id, toString(max(day)) AS d, argMax(mastery_score, day) AS score,
        argMax(retrieval_strength, day) AS rs, argMax(next_review_ms, day) AS nr, argMax(accuracy, day) AS acc,
        argMax(recent_attempts, day) AS ra, argMax(recent_failures, day) AS rf
      FROM mastery_snapshots
      WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId}
      GROUP BY topic_id ORDER BY topic_id`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic_id),
    day: String(r.d),
    masteryScore: n(r.score),
    retrievalStrength: n(r.rs),
    nextReviewMs: n(r.nr),
    accuracy: n(r.acc),
    recentAttempts: n(r.ra),
    recentFailures: n(r.rf),
  }));
}

export interface RecentSession {
  startMs: number;
  durationMs: number;
  activeSeconds: number;
  questionAttempts: number;
  questionsCorrect: number;
  topics: string[];
}

/** The learner's newest sessions. */
export async function learnerRecentSessions(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  limit: number,
): Promise<RecentSession[]> {
  const rows = await store.query(
    sql`SELECT start_ms, duration_ms, active_seconds, question_attempts, questions_correct, topics
      FROM sessions
      WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId}
      ORDER BY start_ms DESC LIMIT ${limit}`.text,
  );
  return rows.map((r) => ({
    startMs: n(r.start_ms),
    durationMs: n(r.duration_ms),
    activeSeconds: n(r.active_seconds),
    questionAttempts: n(r.question_attempts),
    questionsCorrect: n(r.questions_correct),
    topics: Array.isArray(r.topics) ? r.topics.map(String) : [],
  }));
}

/** The learner's time in sessions (all time): total and active, in seconds. */
export async function learnerTimeTotals(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
): Promise<{ sessions: number; sessionSeconds: number; activeSeconds: number }> {
  const [r] = await store.query(
    sql`SELECT count() AS c, sum(duration_ms) AS dur, sum(active_seconds) AS act
      FROM sessions WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId}`.text,
  );
  return { sessions: n(r?.c), sessionSeconds: n(r?.dur) / 1000, activeSeconds: n(r?.act) };
}

// Reads one learner's own figures: sessions in a period (and the previous one
// for the trend), the latest mastery snapshot per topic, IEP activity and how
// complete the learner's data is. Learner-level: callers audit every read.
import { day as dayLit, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import type { Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

/** Middle value of a sorted list; the mean of the two middle ones for an even count. */
function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface LearnerSessionTotals {
  sessions: number;
  durationMs: number;
  activeSeconds: number;
  medianDurationMs: number | null;
  daysWithData: number;
  lastSessionEndMs: number | null;
  iepUpdates: number;
  sessionsWithIep: number;
  questionAttempts: number;
  questionsCorrect: number;
}

export interface LearnerTopicMastery {
  topicId: string;
  day: string;
  masteryScore: number;
  pKnown: number;
  accuracy: number;
  firstAttemptAccuracy: number;
  retrievalStrength: number;
  materialCompletion: number;
  attempts: number;
  nextReviewMs: number;
  trend: string;
  change: number;
}

export async function learnerSessionTotals(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<LearnerSessionTotals> {
  const [r] = await store.query(
    sql`SELECT count() AS c, sum(duration_ms) AS dur, sum(active_seconds) AS act,
      arraySort(groupArray(duration_ms)) AS durations, uniqExact(day) AS days, max(end_ms) AS last_end,
      sum(iep_updates) AS iep, countIf(iep_updates > 0) AS iep_sessions,
      sum(question_attempts) AS qa, sum(questions_correct) AS qc
    FROM sessions
    WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId} AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}`
      .text,
  );
  const count = n(r?.c);
  return {
    sessions: count,
    durationMs: n(r?.dur),
    activeSeconds: n(r?.act),
    medianDurationMs: median(Array.isArray(r?.durations) ? r.durations.map(n) : []),
    daysWithData: n(r?.days),
    lastSessionEndMs: count > 0 ? n(r?.last_end) : null,
    iepUpdates: n(r?.iep),
    sessionsWithIep: n(r?.iep_sessions),
    questionAttempts: n(r?.qa),
    questionsCorrect: n(r?.qc),
  };
}

/** The newest snapshot per topic among those whose day lies in the period. */
export async function learnerMastery(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<LearnerTopicMastery[]> {
  const rows = await store.query(
    sql`SELECT topic_id, toString(max(day)) AS d, argMax(mastery_score, day) AS score, argMax(p_known, day) AS pk,
      argMax(accuracy, day) AS acc, argMax(first_attempt_accuracy, day) AS faa,
      argMax(retrieval_strength, day) AS rs, argMax(material_completion, day) AS mc, argMax(attempts, day) AS att,
      argMax(next_review_ms, day) AS nr, argMax(trend, day) AS tr, argMax(score_change, day) AS ch
    FROM mastery_snapshots
    WHERE tenant_id = ${tenantId} AND learner_id = ${learnerId}
      AND day >= ${dayLit(p.fromDay)} AND day < ${dayLit(p.toDay)}
    GROUP BY topic_id ORDER BY topic_id`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic_id),
    day: String(r.d),
    masteryScore: n(r.score),
    pKnown: n(r.pk),
    accuracy: n(r.acc),
    firstAttemptAccuracy: n(r.faa),
    retrievalStrength: n(r.rs),
    materialCompletion: n(r.mc),
    attempts: n(r.att),
    nextReviewMs: n(r.nr),
    trend: String(r.tr),
    change: n(r.ch),
  }));
}

// Cohort figures of a tenant for comparisons: where one learner's values lie
// among the tenant's learners (counts below and equal, compared on the server
// on the stored values), and per topic the learners, those struggling, and
// their accuracy and mastery sums (percent points, so the DP layer can noise
// them as integers with a known sensitivity).
import { day as dayLit, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import { STRUGGLING_BELOW } from '../insights/percentiles.js';
import type { Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

export interface Rank {
  /** The learner's own value (exact: their own data). */
  mine: number;
  cohort: number;
  below: number;
  ties: number;
}

/** Per topic the learner has a snapshot of in the period: their newest score among the cohort's newest. */
export async function topicMasteryRanks(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<(Rank & { topicId: string })[]> {
  const inPeriod = sql`tenant_id = ${tenantId} AND day >= ${dayLit(p.fromDay)} AND day < ${dayLit(p.toDay)}`;
  const rows = await store.query(
    sql`SELECT topic_id, count() AS cohort, anyIf(s, learner_id = ${learnerId}) AS mine,
        arrayCount(x -> x < mine, groupArray(s)) AS below, arrayCount(x -> x = mine, groupArray(s)) AS ties
      FROM (SELECT learner_id, topic_id, argMax(mastery_score, day) AS s FROM mastery_snapshots
            WHERE ${inPeriod} AND learner_id != ''
              AND topic_id IN (SELECT topic_id FROM mastery_snapshots WHERE ${inPeriod} AND learner_id = ${learnerId})
            GROUP BY learner_id, topic_id)
      GROUP BY topic_id ORDER BY topic_id`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic_id),
    mine: n(r.mine),
    cohort: n(r.cohort),
    below: n(r.below),
    ties: n(r.ties),
  }));
}

/**
 * The learner's active seconds and accuracy in the period among the learners
 * with sessions in it (accuracy: among those with question attempts);
 * undefined where the learner has none.
 */
export async function sessionRanks(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<{ studyTime: Rank | undefined; accuracy: Rank | undefined }> {
  const per = sql`SELECT learner_id, sum(active_seconds) AS act, sum(question_attempts) AS qa,
      sum(questions_correct) AS qc
    FROM sessions
    WHERE tenant_id = ${tenantId} AND learner_id != '' AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}
    GROUP BY learner_id`;
  const [r] = await store.query(
    sql`SELECT count() AS cohort, countIf(learner_id = ${learnerId}) AS present,
        anyIf(act, learner_id = ${learnerId}) AS mine_act,
        arrayCount(x -> x < mine_act, groupArray(act)) AS below_act,
        arrayCount(x -> x = mine_act, groupArray(act)) AS ties_act,
        countIf(qa > 0) AS cohort_acc, countIf(learner_id = ${learnerId} AND qa > 0) AS present_acc,
        anyIf(qc / qa, learner_id = ${learnerId} AND qa > 0) AS mine_acc,
        arrayCount(x -> x < mine_acc, groupArrayIf(qc / qa, qa > 0)) AS below_acc,
        arrayCount(x -> x = mine_acc, groupArrayIf(qc / qa, qa > 0)) AS ties_acc
      FROM (${per})`.text,
  );
  const studyTime =
    n(r?.present) > 0
      ? { mine: n(r?.mine_act), cohort: n(r?.cohort), below: n(r?.below_act), ties: n(r?.ties_act) }
      : undefined;
  const accuracy =
    n(r?.present_acc) > 0
      ? { mine: n(r?.mine_acc), cohort: n(r?.cohort_acc), below: n(r?.below_acc), ties: n(r?.ties_acc) }
      : undefined;
  return { studyTime, accuracy };
}

export interface TopicDifficultyRow {
  topicId: string;
  learners: number;
  /** Learners whose newest score in the period is below STRUGGLING_BELOW. */
  struggling: number;
  accuracySumPct: number;
  scoreSumPct: number;
}

/** Per topic with snapshots in the period: the learners' newest accuracy and mastery, and who struggles. */
export async function topicDifficulty(
  store: ClickHouseStore,
  tenantId: string,
  p: Period,
): Promise<TopicDifficultyRow[]> {
  const rows = await store.query(
    sql`SELECT topic_id, count() AS learners, countIf(s < ${STRUGGLING_BELOW}) AS struggling,
        sum(acc) * 100 AS acc_sum, sum(s) * 100 AS score_sum
      FROM (SELECT learner_id, topic_id, argMax(mastery_score, day) AS s, argMax(accuracy, day) AS acc
            FROM mastery_snapshots
            WHERE tenant_id = ${tenantId} AND day >= ${dayLit(p.fromDay)} AND day < ${dayLit(p.toDay)}
            GROUP BY learner_id, topic_id)
      GROUP BY topic_id ORDER BY topic_id`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic_id),
    learners: n(r.learners),
    struggling: n(r.struggling),
    accuracySumPct: Math.round(n(r.acc_sum)),
    scoreSumPct: Math.round(n(r.score_sum)),
  }));
}

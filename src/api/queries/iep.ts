// IEP goal progress from the raw `iep_goal_progress` events kept in
// `raw_events`: per goal the latest measurement, progress = (current −
// baseline) / (target − baseline), and "on track" when progress is positive
// and not below the goal's first measurement in the period.
import { type Sql, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import type { Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

/** Latest state per (learner, goal) over the period's measurements. */
const perGoal = (where: Sql) => sql`
  SELECT learner_id, goal, any(category) AS cat, argMax(cur, t) AS c, argMax(base, t) AS b, argMax(tgt, t) AS tg,
    argMin(cur, t) AS c0, min(t) AS first_t, max(t) AS last_t, count() AS measurements,
    if(tg = b, 0, (c - b) / (tg - b)) AS progress, if(tg = b, 0, (c0 - b) / (tg - b)) AS first_progress
  FROM (
    SELECT learner_id, visitParamExtractString(body, 'goalId') AS goal, visitParamExtractString(body, 'category') AS category,
      visitParamExtractFloat(body, 'baseline') AS base, visitParamExtractFloat(body, 'current') AS cur,
      visitParamExtractFloat(body, 'target') AS tgt, occurred_at_ms AS t
    FROM raw_events
    WHERE kind = 'iep_goal_progress' AND ${where}
  )
  GROUP BY learner_id, goal`;

export interface IepGoalProgress {
  goalId: string;
  category: string;
  baseline: number;
  current: number;
  target: number;
  progress: number;
  onTrack: boolean;
  measuredAtMs: number;
  /** The goal's first measurement in the period. */
  firstMeasuredAtMs: number;
  measurements: number;
}

export async function learnerIepGoals(
  store: ClickHouseStore,
  tenantId: string,
  learnerId: string,
  p: Period,
): Promise<IepGoalProgress[]> {
  const rows = await store.query(
    sql`SELECT * FROM (${perGoal(
      sql`tenant_id = ${tenantId} AND learner_id = ${learnerId} AND occurred_at_ms >= ${p.fromMs} AND occurred_at_ms < ${p.toMs}`,
    )}) ORDER BY goal LIMIT 200`.text,
  );
  return rows.map((r) => ({
    goalId: String(r.goal),
    category: String(r.cat),
    baseline: n(r.b),
    current: n(r.c),
    target: n(r.tg),
    progress: n(r.progress),
    onTrack: n(r.progress) > 0 && n(r.progress) >= n(r.first_progress),
    measuredAtMs: n(r.last_t),
    firstMeasuredAtMs: n(r.first_t),
    measurements: n(r.measurements),
  }));
}

export interface TenantIepTotals {
  learners: number;
  goals: number;
  avgProgress: number | null;
  onTrack: number;
}

export async function tenantIepTotals(store: ClickHouseStore, tenantId: string, p: Period): Promise<TenantIepTotals> {
  const [r] = await store.query(
    sql`SELECT uniqExact(learner_id) AS learners, count() AS goals, avg(progress) AS avg_progress,
      countIf(progress > 0 AND progress >= first_progress) AS on_track
    FROM (${perGoal(sql`tenant_id = ${tenantId} AND occurred_at_ms >= ${p.fromMs} AND occurred_at_ms < ${p.toMs}`)})`
      .text,
  );
  const goals = n(r?.goals);
  return {
    learners: n(r?.learners),
    goals,
    avgProgress: goals > 0 ? n(r?.avg_progress) : null,
    onTrack: n(r?.on_track),
  };
}

// Reads the exact figures behind a tenant's metrics for a period: weekly
// activity from the `tenant_weekly_active` rollup, session figures from the
// `sessions` results, where per-learner subtotals let the privacy layer cap
// each learner's contribution under DP (a rollup cannot).
import { readWeeklyActive, type WeeklyActiveRow } from '../../views/read.js';
import { sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import { contributionCaps } from '../privacy/levels.js';
import { mondayOf, type Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

export interface PeriodTotals {
  learners: number;
  sessions: number;
  sessionsCapped: number;
  durationMinutes: number;
  durationMinutesCapped: number;
  activeMinutes: number;
  activeMinutesCapped: number;
  medianDurationMs: number | null;
  iepLearners: number;
  iepUpdates: number;
}

export interface DailyPoint {
  day: string;
  learners: number;
  sessions: number;
  sessionsCapped: number;
  activeMinutes: number;
  activeMinutesCapped: number;
}

/** A tenant's week: the rollup row without its bookkeeping. */
export type WeekRow = Omit<WeeklyActiveRow, 'tenantId' | 'partials'>;

export interface TopicRow {
  topicId: string;
  learners: number;
  sessions: number;
  sessionsCapped: number;
}

export async function periodTotals(store: ClickHouseStore, tenantId: string, p: Period): Promise<PeriodTotals> {
  const cap = contributionCaps;
  const [row] = await store.query(
    sql`SELECT count() AS learners, sum(n) AS sessions, sum(least(n, ${cap.sessionsPerPeriod})) AS sessions_capped,
      sum(dur_min) AS duration_minutes, sum(least(dur_min, ${cap.minutesPerPeriod})) AS duration_minutes_capped,
      sum(act_min) AS active_minutes, sum(least(act_min, ${cap.minutesPerPeriod})) AS active_minutes_capped,
      countIf(iep > 0) AS iep_learners, sum(iep) AS iep_updates
    FROM (
      SELECT learner_id, count() AS n, sum(duration_ms) / 60000 AS dur_min, sum(active_seconds) / 60 AS act_min,
        sum(iep_updates) AS iep
      FROM sessions
      WHERE tenant_id = ${tenantId} AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}
      GROUP BY learner_id
    )`.text,
  );
  const [med] = await store.query(
    sql`SELECT count() AS c, quantileExact(0.5)(duration_ms) AS median FROM sessions
      WHERE tenant_id = ${tenantId} AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}`.text,
  );
  return {
    learners: n(row?.learners),
    sessions: n(row?.sessions),
    sessionsCapped: n(row?.sessions_capped),
    durationMinutes: n(row?.duration_minutes),
    durationMinutesCapped: n(row?.duration_minutes_capped),
    activeMinutes: n(row?.active_minutes),
    activeMinutesCapped: n(row?.active_minutes_capped),
    medianDurationMs: n(med?.c) > 0 ? n(med?.median) : null,
    iepLearners: n(row?.iep_learners),
    iepUpdates: n(row?.iep_updates),
  };
}

/** Distinct learners seen in any session that started before the period's end. */
export async function knownLearners(store: ClickHouseStore, tenantId: string, p: Period): Promise<number> {
  const [row] = await store.query(
    sql`SELECT uniqExact(learner_id) AS c FROM sessions WHERE tenant_id = ${tenantId} AND start_ms < ${p.toMs}`.text,
  );
  return n(row?.c);
}

export async function dailyPoints(store: ClickHouseStore, tenantId: string, p: Period): Promise<DailyPoint[]> {
  const cap = contributionCaps;
  const rows = await store.query(
    sql`SELECT d, count() AS learners, sum(c) AS sessions, sum(least(c, ${cap.sessionsPerDay})) AS sessions_capped,
      sum(m) AS active_minutes, sum(least(m, ${cap.minutesPerDay})) AS active_minutes_capped
    FROM (
      SELECT toString(day) AS d, learner_id, count() AS c, sum(active_seconds) / 60 AS m
      FROM sessions
      WHERE tenant_id = ${tenantId} AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}
      GROUP BY d, learner_id
    )
    GROUP BY d ORDER BY d`.text,
  );
  return rows.map((r) => ({
    day: String(r.d),
    learners: n(r.learners),
    sessions: n(r.sessions),
    sessionsCapped: n(r.sessions_capped),
    activeMinutes: n(r.active_minutes),
    activeMinutesCapped: n(r.active_minutes_capped),
  }));
}

/** Weeks whose Monday lies in [fromWeek, toWeek], from the `tenant_weekly_active` rollup (partials summed). */
export async function weeklyRows(
  store: ClickHouseStore,
  tenantId: string,
  fromWeek: string,
  toWeek: string,
): Promise<WeekRow[]> {
  const rows = await readWeeklyActive(store, tenantId, fromWeek, toWeek);
  return rows.map(({ tenantId: _tenant, partials: _partials, ...week }) => week);
}

export function weeksOfPeriod(p: Period): { fromWeek: string; toWeek: string } {
  return { fromWeek: mondayOf(p.fromMs), toWeek: mondayOf(p.toMs - 1) };
}

export async function topicRows(
  store: ClickHouseStore,
  tenantId: string,
  p: Period,
  limit: number,
): Promise<TopicRow[]> {
  const rows = await store.query(
    sql`SELECT topic, count() AS learners, sum(c) AS sessions, sum(least(c, ${contributionCaps.sessionsPerPeriod})) AS sessions_capped
    FROM (
      SELECT topic, learner_id, count() AS c
      FROM sessions ARRAY JOIN topics AS topic
      WHERE tenant_id = ${tenantId} AND start_ms >= ${p.fromMs} AND start_ms < ${p.toMs}
      GROUP BY topic, learner_id
    )
    GROUP BY topic ORDER BY learners DESC, topic LIMIT ${limit}`.text,
  );
  return rows.map((r) => ({
    topicId: String(r.topic),
    learners: n(r.learners),
    sessions: n(r.sessions),
    sessionsCapped: n(r.sessions_capped),
  }));
}

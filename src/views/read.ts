// Typed reads of the rollup tables for the API (and tests). Each merges the
// aggregate states with the matching -Merge combinator, so callers get plain
// numbers; ranges are inclusive days `YYYY-MM-DD` (UTC).
import { day, ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';

export interface DailySessionsRow {
  tenantId: string;
  day: string;
  sessions: number;
  /** Distinct learners with a session that started that day. */
  learners: number;
  durationP50Ms: number;
  durationP90Ms: number;
  durationP99Ms: number;
  durationMsSum: number;
  /** Sum of session durations in hours. */
  learningHours: number;
  activeSecondsSum: number;
}

export async function readDailySessions(
  store: ClickHouseStore,
  tenantId: string,
  fromDay: string,
  toDay: string,
): Promise<DailySessionsRow[]> {
  const rows = await store.query<{
    tenant_id: string;
    day_text: string;
    n_sessions: number;
    n_learners: number;
    q: number[];
    ms_sum: number;
    hours: number;
    active_sum: number;
  }>(
    sql`SELECT tenant_id, toString(day) AS day_text, countMerge(sessions) AS n_sessions, uniqExactMerge(learners) AS n_learners,
          quantilesMerge(0.5, 0.9, 0.99)(duration_quantiles) AS q, sumMerge(duration_ms_sum) AS ms_sum,
          sumMerge(learning_hours) AS hours, sumMerge(active_seconds_sum) AS active_sum
        FROM ${ident('tenant_daily_sessions')}
        WHERE tenant_id = ${tenantId} AND day >= ${day(fromDay)} AND day <= ${day(toDay)}
        GROUP BY tenant_id, day ORDER BY day`.text,
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    day: r.day_text,
    sessions: Number(r.n_sessions),
    learners: Number(r.n_learners),
    durationP50Ms: Number(r.q[0]),
    durationP90Ms: Number(r.q[1]),
    durationP99Ms: Number(r.q[2]),
    durationMsSum: Number(r.ms_sum),
    learningHours: Number(r.hours),
    activeSecondsSum: Number(r.active_sum),
  }));
}

export interface WeeklyActiveRow {
  tenantId: string;
  weekStart: string;
  isoWeek: string;
  active: number;
  new: number;
  returning: number;
  reactivated: number;
  churned: number;
  sessions: number;
  learningMinutes: number;
  /** How many per-partition partials were summed. */
  partials: number;
}

/** Weekly active figures per tenant × ISO week (weeks whose Monday is in range). */
export async function readWeeklyActive(
  store: ClickHouseStore,
  tenantId: string,
  fromWeekStart: string,
  toWeekStart: string,
): Promise<WeeklyActiveRow[]> {
  const rows = await store.query<Record<string, number | string>>(
    sql`SELECT tenant_id, toString(week_start) AS week_text, iso_week, sum(active) AS n_active, sum(new) AS n_new,
          sum(returning) AS n_returning, sum(reactivated) AS n_reactivated, sum(churned) AS n_churned,
          sum(sessions) AS n_sessions, sum(learning_minutes) AS minutes, sum(partials) AS n_partials
        FROM ${ident('tenant_weekly_active')}
        WHERE tenant_id = ${tenantId} AND week_start >= ${day(fromWeekStart)} AND week_start <= ${day(toWeekStart)}
        GROUP BY tenant_id, week_start, iso_week ORDER BY week_start`.text,
  );
  return rows.map((r) => ({
    tenantId: String(r.tenant_id),
    weekStart: String(r.week_text),
    isoWeek: String(r.iso_week),
    active: Number(r.n_active),
    new: Number(r.n_new),
    returning: Number(r.n_returning),
    reactivated: Number(r.n_reactivated),
    churned: Number(r.n_churned),
    sessions: Number(r.n_sessions),
    learningMinutes: Number(r.minutes),
    partials: Number(r.n_partials),
  }));
}

export interface TopicMasteryRow {
  tenantId: string;
  topicId: string;
  day: string;
  snapshots: number;
  learners: number;
  avgMastery: number;
  avgPKnown: number;
  /** Snapshot counts by mastery score: [0,0.2), [0.2,0.4), [0.4,0.6), [0.6,0.8), [0.8,1]. */
  buckets: [number, number, number, number, number];
}

export async function readTopicMastery(
  store: ClickHouseStore,
  tenantId: string,
  fromDay: string,
  toDay: string,
  topicId?: string,
): Promise<TopicMasteryRow[]> {
  const topicFilter = topicId === undefined ? sql`` : sql`AND topic_id = ${topicId}`;
  const rows = await store.query<Record<string, number | string>>(
    sql`SELECT tenant_id, topic_id, toString(day) AS day_text, countMerge(snapshots) AS n_snapshots,
          uniqExactMerge(learners) AS n_learners, avgMerge(avg_mastery) AS mastery, avgMerge(avg_p_known) AS p_known,
          sumMerge(bucket_00_20) AS b0, sumMerge(bucket_20_40) AS b1, sumMerge(bucket_40_60) AS b2,
          sumMerge(bucket_60_80) AS b3, sumMerge(bucket_80_100) AS b4
        FROM ${ident('tenant_topic_mastery_daily')}
        WHERE tenant_id = ${tenantId} AND day >= ${day(fromDay)} AND day <= ${day(toDay)} ${topicFilter}
        GROUP BY tenant_id, topic_id, day ORDER BY day, topic_id`.text,
  );
  return rows.map((r) => ({
    tenantId: String(r.tenant_id),
    topicId: String(r.topic_id),
    day: String(r.day_text),
    snapshots: Number(r.n_snapshots),
    learners: Number(r.n_learners),
    avgMastery: Number(r.mastery),
    avgPKnown: Number(r.p_known),
    buckets: [Number(r.b0), Number(r.b1), Number(r.b2), Number(r.b3), Number(r.b4)],
  }));
}

export interface TopicPopularityRow {
  tenantId: string;
  topicId: string;
  day: string;
  /** Sessions that touched the topic. */
  sessions: number;
  learners: number;
}

export async function readTopicPopularity(
  store: ClickHouseStore,
  tenantId: string,
  fromDay: string,
  toDay: string,
): Promise<TopicPopularityRow[]> {
  const rows = await store.query<Record<string, number | string>>(
    sql`SELECT tenant_id, topic_id, toString(day) AS day_text, countMerge(sessions) AS n_sessions,
          uniqExactMerge(learners) AS n_learners
        FROM ${ident('topic_popularity_daily')}
        WHERE tenant_id = ${tenantId} AND day >= ${day(fromDay)} AND day <= ${day(toDay)}
        GROUP BY tenant_id, topic_id, day ORDER BY day, n_sessions DESC, topic_id`.text,
  );
  return rows.map((r) => ({
    tenantId: String(r.tenant_id),
    topicId: String(r.topic_id),
    day: String(r.day_text),
    sessions: Number(r.n_sessions),
    learners: Number(r.n_learners),
  }));
}

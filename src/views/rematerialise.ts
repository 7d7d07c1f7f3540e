// Rebuilds one tenant's rollups from the result tables (the "ETL trigger" of
// the drop-in API): the tenant's rollup rows of a day range are deleted, then
// inserted again, aggregated from `sessions`, `mastery_snapshots` and
// `weekly_active_partials` with the very expressions and grouping of the
// rollups' views (006_rollup_inputs.sql), so each rollup row gets back the
// value the streaming path gave it, identity and `max_seq` included (the
// sink's high-water marks stay right). Each job is recorded in `etl_jobs`.
import { randomUUID } from 'node:crypto';
import { LearnstreamError } from '../core/errors.js';
import { StoreQueryFailed } from './errors.js';
import { waitForMutations } from './retention.js';
import { day, empty, formatDateTime, ident, join, type Sql, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';

/** Days (and week starts) `fromDay` ≤ d < `toDay`; `fromDay` null: from the tenant's first day. */
export interface RematerialiseRange {
  fromDay: string | null;
  toDay: string;
}

export interface RematerialiseReport {
  /** Result rows read (sessions, mastery snapshots, weekly partials). */
  recordsProcessed: number;
  /** Rollup rows written. */
  recordsCreated: number;
  /** Days left alone: an erased learner's rows there can no longer be counted apart. */
  daysSkipped: string[];
  /** Rounds run: a round whose check finds rows that landed meanwhile is run again. */
  attempts: number;
  /** True when the rebuilt rollups hold exactly what the result tables hold. */
  verified: boolean;
}

const n = (v: unknown): number => Number(v ?? 0);

/** A result row passes a view's fence by its identity; the rollup keeps that identity in its key. */
const identity = sql`deployment, source_topic, source_partition`;

function rangeOf(column: 'day' | 'week_start', r: RematerialiseRange, skip: readonly string[]): Sql {
  const col = ident(column);
  const from = r.fromDay === null ? empty : sql`AND ${col} >= ${day(r.fromDay)}`;
  const skipped = skip.length ? sql`AND ${col} NOT IN (${join(skip.map((d) => day(d)))})` : empty;
  return sql`${from} AND ${col} < ${day(r.toDay)} ${skipped}`;
}

/** Days of the range holding rows whose learner id was blanked by an erasure. */
async function erasedDays(store: ClickHouseStore, tenantId: string, r: RematerialiseRange): Promise<string[]> {
  const where = sql`tenant_id = ${tenantId} AND learner_id = '' ${rangeOf('day', r, [])}`;
  const rows = await store.query<{ d: string }>(
    sql`SELECT DISTINCT toString(day) AS d FROM (
          SELECT day FROM sessions WHERE ${where}
          UNION ALL
          SELECT day FROM mastery_snapshots WHERE ${where}
        ) ORDER BY d`.text,
  );
  return rows.map((row) => String(row.d));
}

interface Counts {
  sessions: number;
  sessionTopics: number;
  snapshots: number;
  partials: number;
}

/** What the result tables hold for the range, and what the rollups say they hold. */
async function counts(
  store: ClickHouseStore,
  tenantId: string,
  r: RematerialiseRange,
  skip: readonly string[],
): Promise<{ base: Counts; rollup: Counts; groups: number }> {
  const t = sql`tenant_id = ${tenantId}`;
  const days = rangeOf('day', r, skip);
  const weeks = rangeOf('week_start', r, []);
  const [row] = await store.query(
    sql`SELECT
      (SELECT count() FROM sessions WHERE ${t} ${days}) AS b_sessions,
      (SELECT count() FROM sessions ARRAY JOIN topics AS topic WHERE ${t} ${days}) AS b_topics,
      (SELECT count() FROM mastery_snapshots WHERE ${t} ${days}) AS b_snapshots,
      (SELECT count() FROM weekly_active_partials WHERE ${t} ${weeks}) AS b_partials,
      (SELECT countMerge(sessions) FROM tenant_daily_sessions WHERE ${t} ${days}) AS r_sessions,
      (SELECT countMerge(sessions) FROM topic_popularity_daily WHERE ${t} ${days}) AS r_topics,
      (SELECT countMerge(snapshots) FROM tenant_topic_mastery_daily WHERE ${t} ${days}) AS r_snapshots,
      (SELECT sum(partials) FROM tenant_weekly_active WHERE ${t} ${weeks}) AS r_partials,
      (SELECT count() FROM tenant_daily_sessions WHERE ${t} ${days})
        + (SELECT count() FROM topic_popularity_daily WHERE ${t} ${days})
        + (SELECT count() FROM tenant_topic_mastery_daily WHERE ${t} ${days})
        + (SELECT count() FROM tenant_weekly_active WHERE ${t} ${weeks}) AS r_rows`.text,
  );
  return {
    base: {
      sessions: n(row?.b_sessions),
      sessionTopics: n(row?.b_topics),
      snapshots: n(row?.b_snapshots),
      partials: n(row?.b_partials),
    },
    rollup: {
      sessions: n(row?.r_sessions),
      sessionTopics: n(row?.r_topics),
      snapshots: n(row?.r_snapshots),
      partials: n(row?.r_partials),
    },
    groups: n(row?.r_rows),
  };
}

async function rebuildOnce(
  store: ClickHouseStore,
  tenantId: string,
  r: RematerialiseRange,
  skip: readonly string[],
): Promise<void> {
  const t = sql`tenant_id = ${tenantId}`;
  const days = rangeOf('day', r, skip);
  const weeks = rangeOf('week_start', r, []);
  for (const table of ['tenant_daily_sessions', 'topic_popularity_daily', 'tenant_topic_mastery_daily'] as const) {
    await store.command(sql`ALTER TABLE ${ident(table)} DELETE WHERE ${t} ${days}`.text);
  }
  await store.command(sql`ALTER TABLE tenant_weekly_active DELETE WHERE ${t} ${weeks}`.text);
  await waitForMutations(store);
  // The SELECTs below are those of the *_fence_mv views, over the base tables.
  await store.command(
    sql`INSERT INTO tenant_daily_sessions (tenant_id, day, deployment, source_topic, source_partition, sessions,
          learners, duration_quantiles, duration_ms_sum, learning_hours, active_seconds_sum, max_seq)
        SELECT tenant_id, day, ${identity}, countState(), uniqExactState(learner_id),
          quantilesState(0.5, 0.9, 0.99)(duration_ms), sumState(duration_ms), sumState(duration_ms / 3600000),
          sumState(active_seconds), maxState(seq)
        FROM sessions WHERE ${t} ${days}
        GROUP BY tenant_id, day, ${identity}`.text,
  );
  await store.command(
    sql`INSERT INTO topic_popularity_daily (tenant_id, topic_id, day, deployment, source_topic, source_partition,
          sessions, learners, max_seq)
        SELECT tenant_id, topic AS topic_id, day, ${identity}, countState(), uniqExactState(learner_id), maxState(seq)
        FROM sessions ARRAY JOIN topics AS topic WHERE ${t} ${days}
        GROUP BY tenant_id, topic_id, day, ${identity}`.text,
  );
  await store.command(
    sql`INSERT INTO tenant_topic_mastery_daily (tenant_id, topic_id, day, deployment, source_topic, source_partition,
          snapshots, learners, avg_mastery, avg_p_known, bucket_00_20, bucket_20_40, bucket_40_60, bucket_60_80,
          bucket_80_100, max_seq)
        SELECT tenant_id, topic_id, day, ${identity}, countState(), uniqExactState(learner_id),
          avgState(mastery_score), avgState(p_known),
          sumState(toUInt64(mastery_score < 0.2)),
          sumState(toUInt64(mastery_score >= 0.2 AND mastery_score < 0.4)),
          sumState(toUInt64(mastery_score >= 0.4 AND mastery_score < 0.6)),
          sumState(toUInt64(mastery_score >= 0.6 AND mastery_score < 0.8)),
          sumState(toUInt64(mastery_score >= 0.8)), maxState(seq)
        FROM mastery_snapshots WHERE ${t} ${days}
        GROUP BY tenant_id, topic_id, day, ${identity}`.text,
  );
  await store.command(
    sql`INSERT INTO tenant_weekly_active (tenant_id, week_start, iso_week, deployment, source_topic, source_partition,
          active, new, returning, reactivated, churned, sessions, learning_minutes, partials, max_seq)
        SELECT tenant_id, week_start, iso_week, ${identity}, sum(toUInt64(active)), sum(toUInt64(new)),
          sum(toUInt64(returning)), sum(toUInt64(reactivated)), sum(toUInt64(churned)), sum(toUInt64(sessions)),
          sum(learning_minutes), count(), maxState(seq)
        FROM weekly_active_partials WHERE ${t} ${weeks}
        GROUP BY tenant_id, week_start, iso_week, ${identity}`.text,
  );
}

const same = (a: Counts, b: Counts) =>
  a.sessions === b.sessions &&
  a.sessionTopics === b.sessionTopics &&
  a.snapshots === b.snapshots &&
  a.partials === b.partials;

/**
 * Deletes the tenant's rollup rows of the range and inserts them again from
 * the result tables, then checks that each rollup counts exactly the result
 * rows of the range. Results landing while a round runs (a window of the range
 * closing just then) can be counted twice; the check sees that and the round
 * runs again, up to `maxAttempts`. Days where an erasure blanked learner ids
 * keep their streamed rollup rows: distinct learners cannot be recounted there.
 */
export async function rematerialiseTenantRollups(
  store: ClickHouseStore,
  tenantId: string,
  range: RematerialiseRange,
  opts: { maxAttempts?: number } = {},
): Promise<RematerialiseReport> {
  if (!tenantId) throw new LearnstreamError(StoreQueryFailed, 'rematerialiseTenantRollups needs a tenant id');
  const maxAttempts = opts.maxAttempts ?? 3;
  const skip = await erasedDays(store, tenantId, range);
  let attempts = 0;
  let result: Awaited<ReturnType<typeof counts>>;
  do {
    attempts += 1;
    await rebuildOnce(store, tenantId, range, skip);
    result = await counts(store, tenantId, range, skip);
  } while (!same(result.base, result.rollup) && attempts < maxAttempts);
  const b = result.base;
  return {
    recordsProcessed: b.sessions + b.snapshots + b.partials,
    recordsCreated: result.groups,
    daysSkipped: skip,
    attempts,
    verified: same(result.base, result.rollup),
  };
}

export type EtlJobStatus = 'running' | 'completed' | 'failed';
export const etlJobStatuses: readonly EtlJobStatus[] = ['running', 'completed', 'failed'];

export interface EtlJob {
  jobId: string;
  jobName: string;
  tenantId: string;
  status: EtlJobStatus;
  startedAtMs: number;
  /** Null while running. */
  completedAtMs: number | null;
  rangeFrom: string;
  rangeTo: string;
  recordsProcessed: number;
  recordsCreated: number;
  daysSkipped: number;
  attempts: number;
  /** Null unless failed. */
  errorMessage: string | null;
  actor: string;
}

export const rematerialiseJobName = 'rematerialise_rollups';

async function writeJob(store: ClickHouseStore, job: EtlJob, version: number): Promise<void> {
  await store.insert('etl_jobs', [
    {
      job_id: job.jobId,
      job_name: job.jobName,
      tenant_id: job.tenantId,
      status: job.status,
      version,
      started_at: formatDateTime(new Date(job.startedAtMs)),
      started_at_ms: job.startedAtMs,
      completed_at_ms: job.completedAtMs ?? 0,
      range_from: job.rangeFrom,
      range_to: job.rangeTo,
      records_processed: job.recordsProcessed,
      records_created: job.recordsCreated,
      days_skipped: job.daysSkipped,
      attempts: job.attempts,
      error_message: job.errorMessage ?? '',
      actor: job.actor,
    },
  ]);
}

/**
 * Runs `rematerialiseTenantRollups` as a recorded job: a `running` row first,
 * then `completed` (rebuilt and verified) or `failed` with the reason. A
 * failure is recorded, not thrown: the job's row is the answer.
 */
export async function runRematerialiseJob(
  store: ClickHouseStore,
  opts: { tenantId: string; range: RematerialiseRange; actor: string; now?: () => number },
): Promise<EtlJob> {
  const now = opts.now ?? Date.now;
  const job: EtlJob = {
    jobId: randomUUID(),
    jobName: rematerialiseJobName,
    tenantId: opts.tenantId,
    status: 'running',
    startedAtMs: now(),
    completedAtMs: null,
    // No lower bound: the Date type's first day.
    rangeFrom: opts.range.fromDay ?? '1970-01-01',
    rangeTo: opts.range.toDay,
    recordsProcessed: 0,
    recordsCreated: 0,
    daysSkipped: 0,
    attempts: 0,
    errorMessage: null,
    actor: opts.actor,
  };
  await writeJob(store, job, 1);
  let done: EtlJob;
  try {
    const report = await rematerialiseTenantRollups(store, opts.tenantId, opts.range);
    done = {
      ...job,
      status: report.verified ? 'completed' : 'failed',
      completedAtMs: now(),
      recordsProcessed: report.recordsProcessed,
      recordsCreated: report.recordsCreated,
      daysSkipped: report.daysSkipped.length,
      attempts: report.attempts,
      errorMessage: report.verified
        ? null
        : `rollups still differ from the result tables after ${report.attempts} rounds (results kept landing in the range); trigger again`,
    };
  } catch (err) {
    done = { ...job, status: 'failed', completedAtMs: now(), errorMessage: (err as Error).message.slice(0, 500) };
  }
  await writeJob(store, done, 2);
  return done;
}

/** Job history, newest first; each job as its newest row says. */
export async function listEtlJobs(
  store: ClickHouseStore,
  opts: { limit: number; status?: EtlJobStatus | undefined; tenantId?: string | undefined },
): Promise<EtlJob[]> {
  const filters: Sql[] = [];
  if (opts.status) filters.push(sql`j_status = ${opts.status}`);
  if (opts.tenantId) filters.push(sql`j_tenant = ${opts.tenantId}`);
  const having = filters.length ? sql`HAVING ${join(filters, sql` AND `)}` : empty;
  const rows = await store.query(
    sql`SELECT job_id AS j_id, argMax(job_name, version) AS j_name, argMax(tenant_id, version) AS j_tenant,
          argMax(status, version) AS j_status, argMax(started_at_ms, version) AS j_started,
          argMax(completed_at_ms, version) AS j_completed, toString(argMax(range_from, version)) AS j_from,
          toString(argMax(range_to, version)) AS j_to, argMax(records_processed, version) AS j_processed,
          argMax(records_created, version) AS j_created, argMax(days_skipped, version) AS j_skipped,
          argMax(attempts, version) AS j_attempts, argMax(error_message, version) AS j_error,
          argMax(actor, version) AS j_actor
        FROM etl_jobs GROUP BY job_id ${having}
        ORDER BY j_started DESC, j_id LIMIT ${opts.limit}`.text,
  );
  return rows.map((r) => ({
    jobId: String(r.j_id),
    jobName: String(r.j_name),
    tenantId: String(r.j_tenant),
    status: String(r.j_status) as EtlJobStatus,
    startedAtMs: n(r.j_started),
    completedAtMs: n(r.j_completed) || null,
    rangeFrom: String(r.j_from),
    rangeTo: String(r.j_to),
    recordsProcessed: n(r.j_processed),
    recordsCreated: n(r.j_created),
    daysSkipped: n(r.j_skipped),
    attempts: n(r.j_attempts),
    errorMessage: String(r.j_error) || null,
    actor: String(r.j_actor),
  }));
}

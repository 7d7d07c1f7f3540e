// Retention and privacy jobs over the ClickHouse tables: blank identifiers
// of raw data older than the identifier horizon, delete data past its
// retention, and erase one learner everywhere on request. All of it runs as
// ALTER ... UPDATE / DELETE / DROP PARTITION; materialized views never see
// mutations, so the per-tenant rollups stay exactly as they were.
import { LearnstreamError } from '../core/errors.js';
import { componentLogger, type Logger } from '../core/logger.js';
import { counter } from '../core/metrics.js';
import { MutationTimeout, SqlUnsafeValue } from './errors.js';
import { day, formatDay, ident, join, type Sql, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import type { TableName } from './tables.js';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** Raw data keeps learner identifiers this many days, then they are blanked. */
  identifierHorizonDays: number;
  /** Raw events are deleted after this many days. */
  rawEventsDays: number;
  /** Results (sessions, snapshots, partials, late events, dead letters) and rollups are deleted after this many days. */
  aggregatesDays: number;
}

export const defaultRetentionPolicy: RetentionPolicy = {
  identifierHorizonDays: 90,
  rawEventsDays: 730,
  aggregatesDays: 365,
};

export interface MutationReport {
  table: TableName;
  action: 'anonymise' | 'delete' | 'drop_partition' | 'erase';
  /** Rows matched when the mutation was issued (for DROP PARTITION: rows in the partition). */
  rows: number;
}

const runs = counter<'job' | 'outcome'>({
  name: 'learnstream_retention_runs_total',
  help: 'Retention and privacy job runs.',
  labelNames: ['job', 'outcome'],
});
const mutatedRows = counter<'action'>({
  name: 'learnstream_retention_rows_total',
  help: 'Rows matched by retention and privacy mutations.',
  labelNames: ['action'],
});

async function countWhere(store: ClickHouseStore, table: TableName, where: Sql): Promise<number> {
  const rows = await store.query<{ n: number | string }>(
    sql`SELECT count() AS n FROM ${ident(table)} WHERE ${where}`.text,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Waits until no mutation of this database is pending (18.16 runs them asynchronously). */
export async function waitForMutations(store: ClickHouseStore, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await store.query<{ n: number | string }>(
      'SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND is_done = 0',
    );
    if (Number(rows[0]?.n ?? 0) === 0) return;
    if (Date.now() > deadline) {
      throw new LearnstreamError(MutationTimeout, `still pending after ${timeoutMs} ms; see system.mutations`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Issues `ALTER TABLE t UPDATE ... WHERE ...` only when some row matches, so idle runs leave no mutation behind. */
async function updateWhere(
  store: ClickHouseStore,
  table: TableName,
  assignments: Sql,
  where: Sql,
  action: MutationReport['action'],
  out: MutationReport[],
): Promise<void> {
  const n = await countWhere(store, table, where);
  if (n === 0) return;
  await store.command(sql`ALTER TABLE ${ident(table)} UPDATE ${assignments} WHERE ${where}`.text);
  mutatedRows.inc({ action }, n);
  out.push({ table, action, rows: n });
}

async function deleteWhere(store: ClickHouseStore, table: TableName, where: Sql, out: MutationReport[]): Promise<void> {
  const n = await countWhere(store, table, where);
  if (n === 0) return;
  await store.command(sql`ALTER TABLE ${ident(table)} DELETE WHERE ${where}`.text);
  mutatedRows.inc({ action: 'delete' }, n);
  out.push({ table, action: 'delete', rows: n });
}

const cutoffDay = (nowMs: number, days: number) => day(formatDay(nowMs - days * DAY_MS));

/**
 * Blanks learner identifiers of raw data (raw events, late events, dead
 * letters) whose day is older than the identifier horizon.
 */
export async function anonymiseExpiredIdentifiers(
  store: ClickHouseStore,
  opts: { nowMs: number; identifierHorizonDays: number; wait?: boolean },
): Promise<MutationReport[]> {
  const before = cutoffDay(opts.nowMs, opts.identifierHorizonDays);
  const out: MutationReport[] = [];
  await updateWhere(
    store,
    'raw_events',
    sql`learner_id = '', client_session_id = ''`,
    sql`day < ${before} AND (learner_id != '' OR client_session_id != '')`,
    'anonymise',
    out,
  );
  await updateWhere(
    store,
    'late_events',
    sql`learner_id = ''`,
    sql`day < ${before} AND learner_id != ''`,
    'anonymise',
    out,
  );
  // A dead letter's raw bytes hold the platform's own learner id, so they go too.
  await updateWhere(
    store,
    'dead_letters',
    sql`learner_id = '', raw_base64 = '', preview = ''`,
    sql`day < ${before} AND (learner_id != '' OR raw_base64 != '' OR preview != '')`,
    'anonymise',
    out,
  );
  if (opts.wait !== false) await waitForMutations(store);
  return out;
}

const expiringResults: { table: TableName; column: 'day' | 'week_start' }[] = [
  { table: 'sessions', column: 'day' },
  { table: 'mastery_snapshots', column: 'day' },
  { table: 'weekly_active_partials', column: 'week_start' },
  { table: 'late_events', column: 'day' },
  { table: 'dead_letters', column: 'day' },
  { table: 'tenant_daily_sessions', column: 'day' },
  { table: 'tenant_weekly_active', column: 'week_start' },
  { table: 'tenant_topic_mastery_daily', column: 'day' },
  { table: 'topic_popularity_daily', column: 'day' },
];

/**
 * Deletes data past retention: whole monthly partitions of raw_events with
 * DROP PARTITION (cheap), the rest with ALTER ... DELETE.
 */
export async function deleteExpired(
  store: ClickHouseStore,
  opts: { nowMs: number; rawEventsDays: number; aggregatesDays: number; wait?: boolean },
): Promise<MutationReport[]> {
  const out: MutationReport[] = [];
  const rawBefore = cutoffDay(opts.nowMs, opts.rawEventsDays);
  const parts = await store.query<{ partition: string; rows: number | string }>(
    sql`SELECT partition, sum(rows) AS rows FROM system.parts
        WHERE database = currentDatabase() AND table = ${'raw_events'} AND active
        GROUP BY partition HAVING max(max_date) < ${rawBefore}`.text,
  );
  for (const p of parts) {
    const id = p.partition.replace(/^'|'$/g, '');
    if (!/^\d{6}$/.test(id))
      throw new LearnstreamError(SqlUnsafeValue, `unexpected raw_events partition ${p.partition}`);
    await store.command(sql`ALTER TABLE ${ident('raw_events')} DROP PARTITION ${Number(id)}`.text);
    mutatedRows.inc({ action: 'drop_partition' }, Number(p.rows));
    out.push({ table: 'raw_events', action: 'drop_partition', rows: Number(p.rows) });
  }
  await deleteWhere(store, 'raw_events', sql`day < ${rawBefore}`, out);
  const before = cutoffDay(opts.nowMs, opts.aggregatesDays);
  for (const { table, column } of expiringResults) {
    await deleteWhere(store, table, sql`${ident(column)} < ${before}`, out);
  }
  if (opts.wait !== false) await waitForMutations(store);
  return out;
}

/**
 * Erases one learner (by pseudonym) from every table that holds learner ids.
 * Rows are blanked rather than deleted so per-partition sequence numbers
 * (the sink's idempotence) stay intact; the rollups never held the id.
 */
export async function eraseLearner(
  store: ClickHouseStore,
  tenantId: string,
  learnerPseudonym: string,
  opts: { wait?: boolean } = {},
): Promise<MutationReport[]> {
  if (!tenantId || !learnerPseudonym) {
    throw new LearnstreamError(SqlUnsafeValue, 'eraseLearner needs a tenant id and a learner pseudonym');
  }
  const out: MutationReport[] = [];
  const learner = sql`tenant_id = ${tenantId} AND learner_id = ${learnerPseudonym}`;
  await updateWhere(store, 'sessions', sql`learner_id = '', session_id = ''`, learner, 'erase', out);
  await updateWhere(store, 'mastery_snapshots', sql`learner_id = ''`, learner, 'erase', out);
  await updateWhere(store, 'late_events', sql`learner_id = ''`, learner, 'erase', out);
  await updateWhere(store, 'raw_events', sql`learner_id = '', client_session_id = ''`, learner, 'erase', out);
  await updateWhere(
    store,
    'dead_letters',
    sql`learner_id = '', raw_base64 = '', preview = ''`,
    sql`tenant_id IN (${join([tenantId, ''])}) AND learner_id = ${learnerPseudonym}`,
    'erase',
    out,
  );
  await updateWhere(
    store,
    'audit_log',
    sql`learner_id = if(learner_id = ${learnerPseudonym}, '', learner_id), actor = if(actor = ${learnerPseudonym}, '', actor)`,
    sql`tenant_id = ${tenantId} AND (learner_id = ${learnerPseudonym} OR actor = ${learnerPseudonym})`,
    'erase',
    out,
  );
  await updateWhere(
    store,
    'privacy_budget_ledger',
    sql`actor = ''`,
    sql`tenant_id = ${tenantId} AND actor = ${learnerPseudonym}`,
    'erase',
    out,
  );
  // Checkpointed operator state is JSON text with the pseudonym inside strings;
  // removing it keeps the JSON valid. The engine must also drop it from live state.
  for (const table of ['engine_checkpoint_versions', 'engine_checkpoint_chain', 'engine_checkpoint_parts'] as const) {
    await updateWhere(
      store,
      table,
      sql`data = replaceAll(data, ${learnerPseudonym}, '')`,
      sql`position(data, ${learnerPseudonym}) > 0`,
      'erase',
      out,
    );
  }
  // A learner in the cold tier (tiered state) is a row of their own: it goes whole.
  await deleteWhere(store, 'learner_cold_evictions', sql`learner_key = ${`${tenantId}\u0000${learnerPseudonym}`}`, out);
  if (opts.wait !== false) await waitForMutations(store);
  return out;
}

export interface RetentionScheduler {
  /** Runs both jobs once now (skipped if a run is in progress). */
  runNow(): Promise<MutationReport[]>;
  stop(): Promise<void>;
}

/** Runs deletion and anonymisation every `intervalMs` (first run at once); errors are logged, not thrown. */
export function scheduleRetention(
  store: ClickHouseStore,
  policy: RetentionPolicy,
  opts: { intervalMs: number; logger?: Logger; now?: () => number },
): RetentionScheduler {
  const log = opts.logger ?? componentLogger('retention');
  const now = opts.now ?? Date.now;
  let running: Promise<MutationReport[]> | undefined;
  let stopped = false;
  const runOnce = async (): Promise<MutationReport[]> => {
    const nowMs = now();
    try {
      // Delete first so rows about to go are not rewritten by anonymisation.
      const d = await deleteExpired(store, {
        nowMs,
        rawEventsDays: policy.rawEventsDays,
        aggregatesDays: policy.aggregatesDays,
      });
      const a = await anonymiseExpiredIdentifiers(store, {
        nowMs,
        identifierHorizonDays: policy.identifierHorizonDays,
      });
      runs.inc({ job: 'retention', outcome: 'ok' });
      if (a.length + d.length > 0) log.info({ mutations: [...d, ...a] }, 'retention applied');
      return [...d, ...a];
    } catch (err) {
      runs.inc({ job: 'retention', outcome: 'error' });
      log.error({ err }, 'retention run failed; will retry at the next interval');
      return [];
    }
  };
  const runNow = () => {
    running ??= runOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, opts.intervalMs).unref();
  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

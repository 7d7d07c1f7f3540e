// Compares everything the engine wrote to ClickHouse in a fault run with the
// clean reference run: every base table row by its natural key (lost, doubled,
// extra, changed), every rollup read the way docs/tables.md says (-Merge /
// sum with GROUP BY), and the result identity (source_partition, seq) for
// duplicates. A failure names the table and the first keys that differ.
import type { ClickHouseStore } from '../../src/views/index.js';

export interface TableSpec {
  table: string;
  /** Columns naming one row; a key seen twice where the reference has it once is a doubled row. */
  key: string[];
  /** SELECT producing the rows (the rollups read with their -Merge combinators). */
  select: string;
  /** Table whose (source_partition, seq) — or (source_partition, source_offset) — must be unique. */
  identity?: string[];
}

const rollup = (table: string, columns: string, groupBy: string): string =>
  `SELECT ${groupBy}, ${columns} FROM ${table} GROUP BY ${groupBy}`;

/** Every table the engine writes results to, and every rollup the materialized views feed. */
export const comparedTables: TableSpec[] = [
  {
    table: 'sessions',
    key: ['tenant_id', 'learner_id', 'start_ms'],
    select: 'SELECT * FROM sessions',
    identity: ['source_partition', 'seq'],
  },
  {
    table: 'mastery_snapshots',
    key: ['tenant_id', 'learner_id', 'topic_id', 'day'],
    select: 'SELECT * FROM mastery_snapshots',
    identity: ['source_partition', 'seq'],
  },
  {
    table: 'weekly_active_partials',
    key: ['tenant_id', 'week_start', 'source_partition'],
    select: 'SELECT * FROM weekly_active_partials',
    identity: ['source_partition', 'seq'],
  },
  {
    table: 'late_events',
    key: ['event_id', 'operator'],
    select: 'SELECT * FROM late_events',
    identity: ['source_partition', 'seq'],
  },
  {
    table: 'raw_events',
    key: ['event_id'],
    select: 'SELECT * FROM raw_events',
    identity: ['source_partition', 'source_offset'],
  },
  {
    table: 'dead_letters',
    key: ['source_partition', 'source_offset', 'reason'],
    select: 'SELECT source_partition, source_offset, reason, tenant_id FROM dead_letters',
  },
  {
    table: 'tenant_daily_sessions',
    key: ['tenant_id', 'day'],
    select: rollup(
      'tenant_daily_sessions',
      `countMerge(sessions) AS sessions, uniqExactMerge(learners) AS learners,
       quantilesMerge(0.5, 0.9, 0.99)(duration_quantiles) AS duration_quantiles,
       sumMerge(duration_ms_sum) AS duration_ms_sum, sumMerge(learning_hours) AS learning_hours,
       sumMerge(active_seconds_sum) AS active_seconds_sum`,
      'tenant_id, day',
    ),
  },
  {
    table: 'tenant_weekly_active',
    key: ['tenant_id', 'week_start'],
    select: rollup(
      'tenant_weekly_active',
      `sum(active) AS active, sum(new) AS new, sum(returning) AS returning, sum(reactivated) AS reactivated,
       sum(churned) AS churned, sum(sessions) AS sessions, sum(learning_minutes) AS learning_minutes,
       sum(partials) AS partials`,
      'tenant_id, week_start, iso_week',
    ),
  },
  {
    table: 'tenant_topic_mastery_daily',
    key: ['tenant_id', 'topic_id', 'day'],
    select: rollup(
      'tenant_topic_mastery_daily',
      `countMerge(snapshots) AS snapshots, uniqExactMerge(learners) AS learners,
       avgMerge(avg_mastery) AS avg_mastery, avgMerge(avg_p_known) AS avg_p_known,
       sumMerge(bucket_00_20) AS bucket_00_20, sumMerge(bucket_20_40) AS bucket_20_40,
       sumMerge(bucket_40_60) AS bucket_40_60, sumMerge(bucket_60_80) AS bucket_60_80,
       sumMerge(bucket_80_100) AS bucket_80_100`,
      'tenant_id, topic_id, day',
    ),
  },
  {
    table: 'topic_popularity_daily',
    key: ['tenant_id', 'topic_id', 'day'],
    select: rollup(
      'topic_popularity_daily',
      'countMerge(sessions) AS sessions, uniqExactMerge(learners) AS learners',
      'tenant_id, topic_id, day',
    ),
  },
];

type Row = Record<string, unknown>;

export interface Snapshot {
  tables: Record<string, Row[]>;
  /** Per table with an identity: identities seen more than once, as "partition/seq ×n". */
  duplicateIdentities: Record<string, string[]>;
}

export interface SnapshotOptions {
  /** Rows of these tenants are left out (hostile input kept apart from the valid events). */
  excludeTenants?: string[];
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Reads every compared table of one database. */
export async function takeSnapshot(store: ClickHouseStore, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const tables: Record<string, Row[]> = {};
  const duplicateIdentities: Record<string, string[]> = {};
  const where = opts.excludeTenants?.length
    ? ` WHERE tenant_id NOT IN (${opts.excludeTenants.map(quote).join(', ')})`
    : '';
  for (const spec of comparedTables) {
    tables[spec.table] = await store.query<Row>(`SELECT * FROM (${spec.select})${where}`);
    if (spec.identity) {
      const [a, b] = spec.identity as [string, string];
      const dups = await store.query<{ a: number; b: number; n: number }>(
        `SELECT ${a} AS a, ${b} AS b, count() AS n FROM ${spec.table} GROUP BY a, b HAVING n > 1 ORDER BY a, b LIMIT 10`,
      );
      duplicateIdentities[spec.table] = dups.map((d) => `${d.a}/${d.b} ×${d.n}`);
    }
  }
  return { tables, duplicateIdentities };
}

export interface CompareOptions {
  /** Columns left out of the row comparison (e.g. seq and offsets when extra records shift them). */
  ignoreColumns?: string[];
  /** Tables not compared at all. */
  skipTables?: string[];
}

export interface TableDiff {
  table: string;
  referenceRows: number;
  actualRows: number;
  /** Keys with fewer rows than the reference (lost). */
  missing: string[];
  /** Keys with more rows than the reference has (doubled, or new). */
  doubled: string[];
  extra: string[];
  /** Same key, different values. */
  changed: { key: string; fields: string[]; reference: Row; actual: Row }[];
  duplicateIdentities: string[];
}

/** Numbers compared to 9 significant digits: rollup float sums depend on the merge order. */
function normal(v: unknown): unknown {
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(9));
  if (Array.isArray(v)) return v.map(normal);
  return v;
}

function rowValue(row: Row, ignore: Set<string>): string {
  const out: Row = {};
  for (const k of Object.keys(row).sort()) if (!ignore.has(k)) out[k] = normal(row[k]);
  return JSON.stringify(out);
}

function group(rows: Row[], key: string[]): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const k = key.map((c) => String(r[c])).join('|');
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

/**
 * Columns naming the run that wrote a row (deployment, topic, owner), and the
 * raw event's offset, which moves when the engine appends a tick (bounded by
 * event time) during a quiet spell: they differ between runs by design. Each
 * event is still checked once per table by its id and (partition, offset).
 */
export const runIdentityColumns = ['deployment', 'source_topic', 'owner_epoch', 'owner', 'source_offset'];

export function compareSnapshots(reference: Snapshot, actual: Snapshot, opts: CompareOptions = {}): TableDiff[] {
  const ignore = new Set([...runIdentityColumns, ...(opts.ignoreColumns ?? [])]);
  const diffs: TableDiff[] = [];
  for (const spec of comparedTables) {
    if (opts.skipTables?.includes(spec.table)) continue;
    const ref = group(reference.tables[spec.table] ?? [], spec.key);
    const got = group(actual.tables[spec.table] ?? [], spec.key);
    const diff: TableDiff = {
      table: spec.table,
      referenceRows: reference.tables[spec.table]?.length ?? 0,
      actualRows: actual.tables[spec.table]?.length ?? 0,
      missing: [],
      doubled: [],
      extra: [],
      changed: [],
      duplicateIdentities: actual.duplicateIdentities[spec.table] ?? [],
    };
    for (const [k, refRows] of ref) {
      const gotRows = got.get(k) ?? [];
      if (gotRows.length < refRows.length) diff.missing.push(k);
      else if (gotRows.length > refRows.length) diff.doubled.push(`${k} ×${gotRows.length}`);
      else {
        const a = refRows.map((r) => rowValue(r, ignore)).sort();
        const b = gotRows.map((r) => rowValue(r, ignore)).sort();
        if (a.some((v, i) => v !== b[i])) {
          const r = refRows[0] as Row;
          const g = gotRows[0] as Row;
          const fields = Object.keys(r).filter(
            (f) => !ignore.has(f) && JSON.stringify(normal(r[f])) !== JSON.stringify(normal(g[f])),
          );
          diff.changed.push({ key: k, fields, reference: r, actual: g });
        }
      }
    }
    for (const k of got.keys()) if (!ref.has(k)) diff.extra.push(k);
    diffs.push(diff);
  }
  return diffs;
}

export const tableOk = (d: TableDiff) =>
  d.missing.length + d.doubled.length + d.extra.length + d.changed.length + d.duplicateIdentities.length === 0;

/** One line per table with counts; for each table that differs, its first 10 keys per kind. */
export function describeDiffs(diffs: TableDiff[]): string {
  const lines: string[] = [];
  for (const d of diffs) {
    lines.push(
      `  ${d.table.padEnd(27)} reference ${String(d.referenceRows).padStart(6)} rows, run ${String(d.actualRows).padStart(6)}: ` +
        (tableOk(d)
          ? 'equal'
          : `${d.missing.length} lost, ${d.doubled.length} doubled, ${d.extra.length} extra, ${d.changed.length} changed, ${d.duplicateIdentities.length} duplicate identities`),
    );
    if (tableOk(d)) continue;
    const first = (what: string, keys: string[]) => {
      if (keys.length > 0) lines.push(`      ${what} (first 10): ${keys.slice(0, 10).join('; ')}`);
    };
    first('lost', d.missing);
    first('doubled', d.doubled);
    first('extra', d.extra);
    first('duplicate (partition/seq)', d.duplicateIdentities);
    for (const c of d.changed.slice(0, 10)) {
      lines.push(
        `      changed ${c.key}: ${c.fields.map((f) => `${f} ${JSON.stringify(c.reference[f])} → ${JSON.stringify(c.actual[f])}`).join(', ') || 'row order'}`,
      );
    }
  }
  return lines.join('\n');
}

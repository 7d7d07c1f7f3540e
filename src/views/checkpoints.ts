// The processors' CheckpointStore port, kept in ClickHouse (table
// engine_checkpoint_versions, migration 008): one checkpoint is one insert (one
// block, hence atomic) of one row per bounded part, written through the fence
// so a stale owner's checkpoint never lands. A partition's checkpoints form a
// chain: a full checkpoint or a rewrite (PartitionProcessor's RewriteStep),
// then deltas; each row names the chain's restore point (`base_version`), and
// loading reads every version from the newest version's restore point on, in
// version order, and hands back their parts as one sequence. A version's rows
// sit in slot `version mod CHAIN_SLOTS` of the ReplacingMergeTree: a merge
// drops a version once one CHAIN_SLOTS newer is written, and no chain is that
// long (CHAIN_SPAN_MAX). Checkpoints written before this table (chains in
// engine_checkpoint_chain, migration 005; parts in engine_checkpoint_parts,
// 004; engine_checkpoints) still load.
import type { OutputName } from '../processors/results.js';
import {
  CHAIN_SPAN_MAX,
  type CheckpointStore,
  emptySeqs,
  type PartitionCheckpoint,
} from '../processors/state/checkpoint-store.js';
import { type OwnerClaim, unfencedClaim } from './ownership.js';
import { formatDateTime, ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import { fencedInput } from './tables.js';

/** Slots a partition's versions cycle through: twice the longest chain, so a chain's versions never share one. */
export const CHAIN_SLOTS = 2 * CHAIN_SPAN_MAX;

/** One version of a chain, without its data (short aliases: an alias may not shadow a column in WHERE). */
interface VersionRow {
  v: number | string;
  b: number | string;
  /** The slot its rows sit in. */
  s: number | string;
  k: string;
  o: string;
  q: string;
  /** Parts the version has. */
  n: number | string;
  /** Parts present (distinct part numbers). */
  present: number | string;
  t: number | string;
  e: number | string;
  w: string;
}

interface PartRow {
  source_offset: string;
  seqs: string;
  part_no: number | string;
  parts: number | string;
  data: string;
  version: number | string;
  created_at_ms: number | string;
  owner_epoch: number | string;
  owner: string;
}

/** Parts read per query when loading (a part is at most ~256 kB: a page stays a few MB). */
const PAGE_PARTS = 32;

export class ClickHouseCheckpointStore implements CheckpointStore {
  constructor(
    private readonly store: ClickHouseStore,
    private readonly pageParts = PAGE_PARTS,
  ) {}

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    return (
      (await this.loadChain('engine_checkpoint_versions', group, topic, partition)) ??
      (await this.loadChain('engine_checkpoint_chain', group, topic, partition)) ??
      this.loadParts(group, topic, partition)
    );
  }

  /**
   * The partition's chain in `tableName`: engine_checkpoint_versions (migration 008), or
   * engine_checkpoint_chain (005, granules of 8,192 rows: its checkpoints load, the next one is full).
   */
  private async loadChain(
    tableName: 'engine_checkpoint_versions' | 'engine_checkpoint_chain',
    group: string,
    topic: string,
    partition: number,
  ): Promise<PartitionCheckpoint | undefined> {
    const key = sql`${ident('deployment')} = ${group} AND ${ident('source_topic')} = ${topic} AND ${ident('source_partition')} = ${partition}`;
    const table = ident(tableName);
    // First the versions without their data (the newest names the restore point; rows of versions
    // before it may linger until a merge replaces them), then the data in pages: neither the server nor
    // this process ever holds one answer as large as the state.
    const versions = await this.store.query<VersionRow>(
      sql`SELECT version AS v, any(kind) AS k, any(source_offset) AS o, any(seqs) AS q, any(parts) AS n,
                 uniqExact(part_no) AS present, max(created_at_ms) AS t, any(owner_epoch) AS e, any(owner) AS w,
                 any(base_version) AS b, any(slot) AS s
          FROM ${table}
          WHERE ${key} AND ${ident('version')} >= (SELECT max(${ident('base_version')}) FROM ${table} WHERE ${key})
          GROUP BY v ORDER BY v`.text,
    );
    if (versions.length === 0) return undefined;
    const chain = chainVersions(group, topic, partition, versions);
    const parts: string[] = [];
    for (const v of chain) {
      const count = Number(v.n);
      // The slot names the rows in the table's sort key (deployment, topic, partition, slot, part_no):
      // without it a page read every slot's rows of the partition, and a restore read the state once
      // per page (1M learners: 1,520 s of loading; bench/reports/2026-12-03-state.md).
      const slot = Number(v.s);
      for (let from = 0; from < count; from += this.pageParts) {
        const page = await this.store.query<{ p: number | string; d: string }>(
          sql`SELECT part_no AS p, any(data) AS d FROM ${table}
              WHERE ${key} AND ${ident('slot')} = ${slot} AND ${ident('version')} = ${Number(v.v)}
                AND ${ident('part_no')} >= ${from} AND ${ident('part_no')} < ${from + this.pageParts}
              GROUP BY p ORDER BY p`.text,
        );
        if (page.length !== Math.min(this.pageParts, count - from)) {
          throw new Error(`checkpoint ${group}/${topic}/${partition} v${v.v}: parts ${from}… changed while loading`);
        }
        for (const row of page) parts.push(row.d);
      }
    }
    const last = chain[chain.length - 1]!;
    const base = Number(chain[0]!.v);
    // Rows of the older table, or slotted by an older layout (version − full version), may share a slot
    // with the next versions: the chain continues with a full checkpoint, in this table and layout.
    const slotted =
      tableName === 'engine_checkpoint_versions' && chain.every((v) => Number(v.s) === Number(v.v) % CHAIN_SLOTS);
    return {
      group,
      topic,
      partition,
      offset: last.o,
      seqs: { ...emptySeqs(), ...(JSON.parse(last.q) as Partial<Record<OutputName, number>>) },
      parts,
      version: Number(last.v),
      kind: last.k === 'full' ? 'full' : 'delta',
      ...(slotted ? { base } : {}),
      createdAtMs: Number(last.t),
      ...(Number(last.e) > 0 ? { claim: { epoch: Number(last.e), owner: last.w } } : {}),
    };
  }

  /** A checkpoint written before chains (migration 004): the newest version's parts, a full state. */
  private async loadParts(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const key = sql`${ident('deployment')} = ${group} AND ${ident('source_topic')} = ${topic} AND ${ident('source_partition')} = ${partition}`;
    // Not FINAL: older versions may linger until a merge; the newest version's rows are the checkpoint.
    const rows = await this.store.query<PartRow>(
      sql`SELECT source_offset, seqs, part_no, parts, data, version, created_at_ms, owner_epoch, owner
          FROM ${ident('engine_checkpoint_parts')}
          WHERE ${key} AND ${ident('version')} = (SELECT max(${ident('version')}) FROM ${ident('engine_checkpoint_parts')} WHERE ${key})
          ORDER BY ${ident('part_no')}`.text,
    );
    const first = rows[0];
    if (!first) return this.loadLegacy(group, topic, partition);
    // A checkpoint of an empty state is one row with `parts` = 0.
    const parts = Number(first.parts) === 0 ? [] : rows.map((r) => r.data);
    if (Number(first.parts) !== 0 && parts.length !== Number(first.parts)) {
      throw new Error(
        `checkpoint ${group}/${topic}/${partition} v${first.version} has ${parts.length} of ${first.parts} parts`,
      );
    }
    return {
      group,
      topic,
      partition,
      offset: first.source_offset,
      seqs: { ...emptySeqs(), ...(JSON.parse(first.seqs) as Partial<Record<OutputName, number>>) },
      parts,
      version: Number(first.version),
      createdAtMs: Number(first.created_at_ms),
      ...(Number(first.owner_epoch) > 0 ? { claim: { epoch: Number(first.owner_epoch), owner: first.owner } } : {}),
    };
  }

  /** A checkpoint written before migration 004 (table engine_checkpoints): one JSON state, or a JSON array of parts. */
  private async loadLegacy(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const rows = await this.store.query<{
      source_offset: string;
      seqs: string;
      state: string;
      version: number | string;
      created_at_ms: number | string;
    }>(
      sql`SELECT source_offset, seqs, state, version, created_at_ms FROM ${ident('engine_checkpoints')} FINAL
          WHERE ${ident('group_id')} = ${group} AND ${ident('topic')} = ${topic} AND ${ident('source_partition')} = ${partition}
          ORDER BY ${ident('version')} DESC LIMIT 1`.text,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      group,
      topic,
      partition,
      offset: row.source_offset,
      seqs: { ...emptySeqs(), ...(JSON.parse(row.seqs) as Partial<Record<OutputName, number>>) },
      parts: partsOf(row.state),
      version: Number(row.version),
      createdAtMs: Number(row.created_at_ms),
    };
  }

  async save(cp: PartitionCheckpoint): Promise<void> {
    const claim = cp.claim ?? unfencedClaim;
    const delta = cp.kind === 'delta';
    const base = delta ? cp.base : cp.version;
    if (base === undefined || base > cp.version || cp.version - base >= CHAIN_SPAN_MAX) {
      throw new Error(`checkpoint v${cp.version} (${cp.kind ?? 'full'}) with restore point ${base}: not a chain`);
    }
    const common = {
      deployment: cp.group,
      source_topic: cp.topic,
      source_partition: cp.partition,
      version: cp.version,
      source_offset: cp.offset,
      seqs: JSON.stringify(cp.seqs),
      parts: cp.parts.length,
      owner_epoch: claim.epoch,
      owner: claim.owner,
      created_at: formatDateTime(new Date(cp.createdAtMs)),
      created_at_ms: cp.createdAtMs,
      kind: delta ? 'delta' : 'full',
      base_version: base,
      slot: cp.version % CHAIN_SLOTS,
    };
    // An empty state is still one row (with `parts` = 0), so a checkpoint always exists.
    const rows =
      cp.parts.length > 0
        ? cp.parts.map((data, part_no) => ({ ...common, part_no, data }))
        : [{ ...common, part_no: 0, data: '' }];
    await this.store.insert(fencedInput.engine_checkpoint_versions, rows);
  }

  /**
   * Whether the fence let version `version` through under `claim` (its first
   * part is in the table with that owner). A later version in the same slot
   * replaces it on a merge: then this says false, which only ever makes a
   * caller wait for a newer checkpoint.
   */
  async landed(group: string, topic: string, partition: number, version: number, claim?: OwnerClaim): Promise<boolean> {
    const c = claim ?? unfencedClaim;
    const rows = await this.store.query<{ n: number | string }>(
      sql`SELECT count() AS n FROM ${ident('engine_checkpoint_versions')}
          WHERE ${ident('deployment')} = ${group} AND ${ident('source_topic')} = ${topic}
            AND ${ident('source_partition')} = ${partition} AND ${ident('slot')} = ${version % CHAIN_SLOTS}
            AND ${ident('part_no')} = 0 AND ${ident('version')} = ${version}
            AND ${ident('owner_epoch')} = ${c.epoch} AND ${ident('owner')} = ${c.owner}`.text,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }
}

/**
 * The versions that restore, by version: the restore point the newest version
 * names, and every complete version after it without a gap (the writer never
 * leaves one: a save that fails ends its run, and the next owner continues
 * from what landed). A version lands in one insert: missing parts mean a
 * broken table, not a torn write.
 */
function chainVersions(group: string, topic: string, partition: number, versions: VersionRow[]): VersionRow[] {
  const base = Number(versions[versions.length - 1]!.b);
  const name = `checkpoint ${group}/${topic}/${partition}`;
  const out: VersionRow[] = [];
  for (const v of versions) {
    if (Number(v.v) < base) continue;
    if (Number(v.v) !== base + out.length) break;
    if (out.length > 0 && v.k !== 'delta') break;
    if (Number(v.present) !== Math.max(1, Number(v.n))) {
      throw new Error(`${name} v${v.v} has ${v.present} of ${v.n} parts`);
    }
    out.push(v);
  }
  if (out.length === 0) throw new Error(`${name}: the chain's restore point v${base} is missing`);
  return out;
}

/**
 * The parts of a stored state: a JSON array of part texts, or (written before
 * parts existed) one JSON object, which is a single part.
 */
function partsOf(state: string): string[] {
  return state.trimStart().startsWith('[') ? (JSON.parse(state) as string[]) : [state];
}

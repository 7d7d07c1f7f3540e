// The cold tier of tiered state (schemas/clickhouse/011): learners idle past
// the horizon leave the engine's memory and land here, one row per learner and
// eviction, fenced like every engine write. Read back, the newest row per
// learner wins (the checkpoint version of the eviction, then the wall clock),
// rows of void versions left out. Every eviction stays a row of its own until
// `compact` deletes the ones no restore can need: a row of a version past the
// partition's last landed checkpoint may turn void, and the older row it would
// supersede must then still be there.

import type { StateEntry } from '../processors/operators/operator.js';
import type { ColdLearner } from '../processors/partition-processor.js';
import { type OwnerClaim, unfencedClaim } from './ownership.js';
import { formatDateTime, ident, join, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import { fencedInput } from './tables.js';

/** Version ranges whose rows are void: written for checkpoints that never landed (PartitionProcessor.voidColdVersions). */
type VoidRanges = readonly (readonly [number, number])[];

/** Keys asked per query: the IN list stays a bounded statement. */
const READ_CHUNK = 1_000;

export class ClickHouseColdState {
  constructor(
    private readonly store: ClickHouseStore,
    private readonly identity: { deployment: string; topic: string },
  ) {}

  /** Durable when the promise resolves; rows of a stale claim are dropped by the fence. */
  async write(partition: number, learners: readonly ColdLearner[], version: number, claim?: OwnerClaim): Promise<void> {
    if (learners.length === 0) return;
    const c = claim ?? unfencedClaim;
    const now = Date.now();
    await this.store.insert(
      fencedInput.learner_cold_evictions,
      learners.map((l) => ({
        deployment: this.identity.deployment,
        source_topic: this.identity.topic,
        source_partition: partition,
        learner_key: l.key,
        version,
        last_active_ms: l.lastActiveMs,
        data: JSON.stringify(l.entries),
        owner_epoch: c.epoch,
        owner: c.owner,
        created_at: formatDateTime(new Date(now)),
        created_at_ms: now,
      })),
    );
  }

  /** The newest cold state of each of these learners that has one; rows of `voided` versions do not count. */
  async read(partition: number, keys: readonly string[], voided: VoidRanges = []): Promise<ColdLearner[]> {
    const out: ColdLearner[] = [];
    for (let i = 0; i < keys.length; i += READ_CHUNK) {
      const chunk = keys.slice(i, i + READ_CHUNK);
      const rows = await this.store.query<{ k: string; t: number | string; d: string }>(
        sql`SELECT ${ident('learner_key')} AS k,
                   argMax(${ident('last_active_ms')}, (${ident('version')}, ${ident('created_at_ms')})) AS t,
                   argMax(${ident('data')}, (${ident('version')}, ${ident('created_at_ms')})) AS d
            FROM ${ident('learner_cold_evictions')}
            WHERE ${this.where(partition, voided)} AND ${ident('learner_key')} IN (${join(chunk)})
            GROUP BY k ORDER BY k`.text,
      );
      for (const r of rows) out.push({ key: r.k, lastActiveMs: Number(r.t), entries: JSON.parse(r.d) as StateEntry[] });
    }
    return out;
  }

  /** Whether any learner of the partition was ever evicted (if not, nothing needs asking). */
  async any(partition: number, voided: VoidRanges = []): Promise<boolean> {
    const rows = await this.store.query<{ n: number | string }>(
      sql`SELECT count() AS n FROM ${ident('learner_cold_evictions')} WHERE ${this.where(partition, voided)}`.text,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /** The highest version of the partition's rows, void ones included (0 if none). */
  async newestVersion(partition: number): Promise<number> {
    const rows = await this.store.query<{ v: number | string }>(
      sql`SELECT max(${ident('version')}) AS v FROM ${ident('learner_cold_evictions')} WHERE ${this.where(partition)}`
        .text,
    );
    return Number(rows[0]?.v ?? 0);
  }

  /**
   * Deletes the partition's rows no restore can need once the checkpoint of
   * version `landed` is durable: every row up to `landed` but each learner's
   * newest one outside `voided` (restores start from `landed` or a later
   * checkpoint, and void ranges only ever grow past the checkpoint restored
   * from). Rows past `landed` stay. A mutation, run by the server in the
   * background; skipped when no learner has more than one such row. Returns
   * the rows it found to delete.
   */
  async compact(partition: number, landed: number, voided: VoidRanges = []): Promise<number> {
    const upTo = sql`${this.where(partition)} AND ${ident('version')} <= ${landed}`;
    // Rows as (learner, version): repeats of one insert are one row to the merge.
    const rows = await this.store.query<{ n: number | string }>(
      sql`SELECT uniqExact(${ident('learner_key')}, ${ident('version')}) AS n
          FROM ${ident('learner_cold_evictions')} WHERE ${upTo}`.text,
    );
    const kept = await this.store.query<{ n: number | string }>(
      sql`SELECT uniqExact(${ident('learner_key')}) AS n
          FROM ${ident('learner_cold_evictions')} WHERE ${this.where(partition, voided)} AND ${ident('version')} <= ${landed}`
        .text,
    );
    const garbage = Number(rows[0]?.n ?? 0) - Number(kept[0]?.n ?? 0);
    if (garbage <= 0) return 0;
    await this.store.command(
      sql`ALTER TABLE ${ident('learner_cold_evictions')} DELETE WHERE ${upTo}
          AND (${ident('learner_key')}, ${ident('version')}) NOT IN (
            SELECT ${ident('learner_key')}, max(${ident('version')}) FROM ${ident('learner_cold_evictions')}
            WHERE ${this.where(partition, voided)} AND ${ident('version')} <= ${landed}
            GROUP BY ${ident('learner_key')})`.text,
    );
    return garbage;
  }

  private where(partition: number, voided: VoidRanges = []) {
    let where = sql`${ident('deployment')} = ${this.identity.deployment} AND ${ident('source_topic')} = ${this.identity.topic}
      AND ${ident('source_partition')} = ${partition}`;
    for (const [from, to] of voided) {
      where = sql`${where} AND NOT (${ident('version')} >= ${from} AND ${ident('version')} <= ${to})`;
    }
    return where;
  }
}

// The processors' CheckpointStore port, kept in ClickHouse (table
// engine_checkpoint_parts, migration 004): one checkpoint is one insert (one
// block, hence atomic) of one row per bounded part, written through the fence
// so a stale owner's checkpoint never lands. The newest version wins; its
// parts come back in order.
import type { OutputName } from '../processors/results.js';
import { type CheckpointStore, emptySeqs, type PartitionCheckpoint } from '../processors/state/checkpoint-store.js';
import { unfencedClaim } from './ownership.js';
import { formatDateTime, ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import { fencedInput } from './tables.js';

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

export class ClickHouseCheckpointStore implements CheckpointStore {
  constructor(private readonly store: ClickHouseStore) {}

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
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
    };
    // An empty state is still one row (with `parts` = 0), so a checkpoint always exists.
    const rows =
      cp.parts.length > 0
        ? cp.parts.map((data, part_no) => ({ ...common, part_no, data }))
        : [{ ...common, part_no: 0, data: '' }];
    await this.store.insert(fencedInput.engine_checkpoint_parts, rows);
  }
}

/**
 * The parts of a stored state: a JSON array of part texts, or (written before
 * parts existed) one JSON object, which is a single part.
 */
function partsOf(state: string): string[] {
  return state.trimStart().startsWith('[') ? (JSON.parse(state) as string[]) : [state];
}

// The processors' CheckpointStore port, kept in ClickHouse: table
// engine_checkpoints is a ReplacingMergeTree(version), so each save is an
// append and the newest version per (group, topic, partition) wins on read.
import type { OutputName } from '../processors/results.js';
import { type CheckpointStore, emptySeqs, type PartitionCheckpoint } from '../processors/state/checkpoint-store.js';
import { formatDateTime, ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';

interface CheckpointRow {
  group_id: string;
  topic: string;
  source_partition: number;
  source_offset: string;
  seqs: string;
  state: string;
  version: number | string;
  created_at_ms: number | string;
}

export class ClickHouseCheckpointStore implements CheckpointStore {
  constructor(private readonly store: ClickHouseStore) {}

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    // FINAL collapses versions already merged or not; ORDER BY + LIMIT guards against a merge in progress.
    const rows = await this.store.query<CheckpointRow>(
      sql`SELECT group_id, topic, source_partition, source_offset, seqs, state, version, created_at_ms
          FROM ${ident('engine_checkpoints')} FINAL
          WHERE ${ident('group_id')} = ${group} AND ${ident('topic')} = ${topic} AND ${ident('source_partition')} = ${partition}
          ORDER BY ${ident('version')} DESC LIMIT 1`.text,
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      group: row.group_id,
      topic: row.topic,
      partition: Number(row.source_partition),
      offset: row.source_offset,
      seqs: { ...emptySeqs(), ...(JSON.parse(row.seqs) as Partial<Record<OutputName, number>>) },
      parts: partsOf(row.state),
      version: Number(row.version),
      createdAtMs: Number(row.created_at_ms),
    };
  }

  async save(cp: PartitionCheckpoint): Promise<void> {
    await this.store.insert('engine_checkpoints', [
      {
        group_id: cp.group,
        topic: cp.topic,
        source_partition: cp.partition,
        source_offset: cp.offset,
        seqs: JSON.stringify(cp.seqs),
        // Temporary layout: the parts as one JSON array in the `state` column.
        state: JSON.stringify(cp.parts),
        version: cp.version,
        created_at: formatDateTime(new Date(cp.createdAtMs)),
        created_at_ms: cp.createdAtMs,
      },
    ]);
  }
}

/**
 * The parts of a stored state: a JSON array of part texts, or (written before
 * parts existed) one JSON object, which is a single part.
 */
function partsOf(state: string): string[] {
  return state.trimStart().startsWith('[') ? (JSON.parse(state) as string[]) : [state];
}

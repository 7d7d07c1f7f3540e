// The port through which the processors persist per-partition checkpoints.
// Implemented in src/views (ClickHouse table engine_checkpoint_parts) and in memory
// for tests; the processors never know where checkpoints live.
import type { OutputName } from '../results.js';

export interface PartitionCheckpoint {
  /** Consumer group (or engine id in embedded mode) the checkpoint belongs to. */
  group: string;
  topic: string;
  partition: number;
  /** Next source offset to process: records below it are already in `parts`. */
  offset: string;
  /** Last result sequence number written per output. */
  seqs: Record<OutputName, number>;
  /**
   * Serialized operator state: JSON texts, each bounded (see
   * PartitionProcessor.snapshotParts), restored in order. A version-1 state
   * (one JSON object) is a single part.
   */
  parts: string[];
  /** Monotonic per partition; the newest version wins. */
  version: number;
  /** Wall clock of the write, epoch ms (for the checkpoint-age metric only). */
  createdAtMs: number;
  /** The writer's ownership claim on the partition: a checkpoint of a stale claim never lands. */
  claim?: { epoch: number; owner: string };
}

export interface CheckpointStore {
  load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined>;
  /** Durable when the promise resolves. */
  save(checkpoint: PartitionCheckpoint): Promise<void>;
}

export function emptySeqs(): Record<OutputName, number> {
  return { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };
}

/** In-memory implementation for the operator test driver and unit tests. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly items = new Map<string, PartitionCheckpoint>();

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const cp = this.items.get(`${group}/${topic}/${partition}`);
    return cp ? structuredClone(cp) : undefined;
  }

  async save(checkpoint: PartitionCheckpoint): Promise<void> {
    this.items.set(`${checkpoint.group}/${checkpoint.topic}/${checkpoint.partition}`, structuredClone(checkpoint));
  }
}

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
   * (one JSON object) is a single part. Loaded, they are the parts of the
   * whole chain: the full checkpoint's, then every delta's, in version order.
   */
  parts: string[];
  /** Monotonic per partition; the newest version wins. Loaded: the newest version of the chain. */
  version: number;
  /**
   * 'full' (default): the parts are the whole state and start a new chain.
   * 'delta': the changes since the chain's previous version (PartitionProcessor.checkpointParts).
   */
  kind?: 'full' | 'delta';
  /**
   * Version of the chain's full checkpoint (for a delta to save; on load).
   * Absent on load: the checkpoint predates chains, and the next one must be full.
   */
  base?: number;
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

/** In-memory implementation for the operator test driver and unit tests: one chain per partition. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly chains = new Map<string, PartitionCheckpoint[]>();

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const chain = this.chains.get(`${group}/${topic}/${partition}`);
    const last = chain?.[chain.length - 1];
    if (!chain || !last) return undefined;
    return structuredClone({ ...last, parts: chain.flatMap((c) => c.parts), base: chain[0]!.version });
  }

  async save(checkpoint: PartitionCheckpoint): Promise<void> {
    const key = `${checkpoint.group}/${checkpoint.topic}/${checkpoint.partition}`;
    const chain = this.chains.get(key);
    if (checkpoint.kind === 'delta') {
      if (!chain || chain[0]!.version !== checkpoint.base) {
        throw new Error(
          `delta v${checkpoint.version} on base ${checkpoint.base}, which is not the chain's full checkpoint`,
        );
      }
      chain.push(structuredClone(checkpoint));
    } else this.chains.set(key, [structuredClone({ ...checkpoint, kind: 'full' as const })]);
  }
}

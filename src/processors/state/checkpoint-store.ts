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
   * The chain's restore point, the version its restore reads from: its full
   * checkpoint, or the first delta of the chain's last complete rewrite
   * (PartitionProcessor's `RewriteStep`). For a delta to save, and on load.
   * Absent on load: the checkpoint predates chains (or the store's layout
   * changed), and the next one must be full.
   */
  base?: number;
  /** Wall clock of the write, epoch ms (for the checkpoint-age metric only). */
  createdAtMs: number;
  /** The writer's ownership claim on the partition: a checkpoint of a stale claim never lands. */
  claim?: { epoch: number; owner: string };
}

export interface CheckpointStore {
  load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined>;
  /** Durable when the promise resolves — unless the claim was stale: a fenced write is dropped without an error. */
  save(checkpoint: PartitionCheckpoint): Promise<void>;
  /**
   * Whether version `version` of the partition is stored as written under
   * `claim`: a save whose claim went stale returns like any other, so what
   * acts on a checkpoint having landed (deleting what only older states
   * need) asks first. Absent: every save lands (no fence).
   */
  landed?(
    group: string,
    topic: string,
    partition: number,
    version: number,
    claim?: { epoch: number; owner: string },
  ): Promise<boolean>;
}

/**
 * Versions from a restore point to the newest checkpoint a store keeps at
 * most; the writer starts a new chain (a full checkpoint) before a chain
 * grows this long. Stores may reuse the rows of versions this far apart.
 */
export const CHAIN_SPAN_MAX = 256;

export function emptySeqs(): Record<OutputName, number> {
  return { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };
}

/**
 * In-memory implementation for the operator test driver and unit tests: the
 * versions of each partition's chain, read as the ClickHouse store reads them
 * (the newest version names its restore point; every version from there on).
 */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly chains = new Map<string, Map<number, PartitionCheckpoint>>();

  async load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const chain = this.chains.get(`${group}/${topic}/${partition}`);
    if (!chain || chain.size === 0) return undefined;
    let newest = Number.NEGATIVE_INFINITY;
    for (const v of chain.keys()) if (v > newest) newest = v;
    const last = chain.get(newest)!;
    const base = last.base ?? last.version;
    const parts: string[] = [];
    for (let v = base; v <= last.version; v++) {
      const cp = chain.get(v);
      if (!cp)
        throw new Error(`checkpoint ${group}/${topic}/${partition}: v${v} of the chain from v${base} is missing`);
      for (const part of cp.parts) parts.push(part);
    }
    return structuredClone({ ...last, parts, base });
  }

  async save(checkpoint: PartitionCheckpoint): Promise<void> {
    const key = `${checkpoint.group}/${checkpoint.topic}/${checkpoint.partition}`;
    let chain = this.chains.get(key);
    const delta = checkpoint.kind === 'delta';
    const base = delta ? checkpoint.base : checkpoint.version;
    if (base === undefined || base > checkpoint.version || (delta && base < checkpoint.version && !chain?.has(base))) {
      throw new Error(`delta v${checkpoint.version} on restore point ${base}, which is not stored`);
    }
    if (!chain) {
      chain = new Map();
      this.chains.set(key, chain);
    }
    chain.set(checkpoint.version, structuredClone({ ...checkpoint, kind: delta ? 'delta' : 'full', base }));
    for (const v of chain.keys()) if (v < base) chain.delete(v); // no restore reads them any more
  }

  async landed(
    group: string,
    topic: string,
    partition: number,
    version: number,
    claim?: { epoch: number; owner: string },
  ): Promise<boolean> {
    const cp = this.chains.get(`${group}/${topic}/${partition}`)?.get(version);
    if (!cp) return false;
    return (cp.claim?.epoch ?? 0) === (claim?.epoch ?? 0) && (cp.claim?.owner ?? '') === (claim?.owner ?? '');
  }
}

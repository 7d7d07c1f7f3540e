// The only place the state bench touches the processor and checkpoint API:
// one instance's partition processors, a checkpoint's capture (the parts,
// drained with event-loop yields as the pipeline does), its save to and load
// from ClickHouse, and a restore part by part. Checkpoints are chains as the
// pipeline writes them (the pipeline's own CheckpointChain): a full
// checkpoint, then deltas (the learners changed since the last capture), with
// rewrites of the state spread over deltas once `checkpointMaxDeltas` deltas
// follow the restore point or the deltas outgrow the state; loaded as the chain.
import { CheckpointChain } from '../../src/engine/checkpoint-chain.js';
import type { SourceRecord } from '../../src/ingest/event.js';
import {
  defaultEngineSettings,
  type PartitionCheckpoint,
  PartitionProcessor,
  type RewriteStep,
  type StampedResult,
} from '../../src/processors/index.js';
import type { ClickHouseCheckpointStore } from '../../src/views/index.js';

/** The deployment and topic the bench's checkpoints are keyed by (in the bench's own database). */
export const BENCH_DEPLOYMENT = 'bench-state';
export const BENCH_TOPIC = 'bench-state-events';

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What one partition's capture produced, ready to save. */
export interface CapturedPartition {
  checkpoint: PartitionCheckpoint;
  kind: 'full' | 'delta';
  rewrite: RewriteStep | undefined;
  parts: number;
  chars: number;
}

export class InstanceState {
  private readonly processors: PartitionProcessor[];
  private readonly chains: CheckpointChain[];

  constructor(readonly partitions: number) {
    const settings = defaultEngineSettings();
    this.processors = Array.from({ length: partitions }, (_, p) => new PartitionProcessor(p, settings));
    const rules = { maxDeltas: settings.checkpointMaxDeltas, rewriteSlice: settings.checkpointRewriteSlice };
    this.chains = this.processors.map(() => new CheckpointChain(rules, 0, undefined));
  }

  /** One record into its partition's processor; the results must be drained before the next call. */
  process(record: SourceRecord): Iterator<StampedResult> {
    return (this.processors[record.partition] as PartitionProcessor).process(record)[Symbol.iterator]();
  }

  /**
   * Captures every partition's checkpoint at a barrier (no record in between),
   * yielding to the event loop whenever `sliceMs` of capture work has run.
   */
  async capture(sliceMs: number): Promise<CapturedPartition[]> {
    const out: CapturedPartition[] = [];
    for (const processor of this.processors) {
      const chain = this.chains[processor.partition] as CheckpointChain;
      const capture = processor.checkpointParts(chain.options());
      const parts: string[] = [];
      let chars = 0;
      let sliceStart = performance.now();
      for (const part of capture.parts) {
        parts.push(part);
        chars += part.length;
        if (performance.now() - sliceStart >= sliceMs) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      const { version, base } = chain.next({ kind: capture.kind, rewrite: capture.rewrite, chars });
      out.push({
        checkpoint: {
          group: BENCH_DEPLOYMENT,
          topic: BENCH_TOPIC,
          partition: processor.partition,
          offset: processor.nextOffset ?? '0',
          seqs: processor.lastSeqs,
          parts,
          version,
          kind: capture.kind,
          ...(capture.kind === 'delta' ? { base } : {}),
          createdAtMs: Date.now(),
        },
        kind: capture.kind,
        rewrite: capture.rewrite,
        parts: parts.length,
        chars,
      });
    }
    return out;
  }

  /** Saves the captured partitions one after another, as the pipeline does, and moves their chains on. */
  async save(store: ClickHouseCheckpointStore, captured: readonly CapturedPartition[]): Promise<void> {
    for (const c of captured) {
      await store.save(c.checkpoint);
      (this.chains[c.checkpoint.partition] as CheckpointChain).landed(c);
    }
  }

  /** Next offset per partition (what a restore must come back to). */
  offsets(): (string | null)[] {
    return this.processors.map((p) => p.nextOffset);
  }
}

/** Timings of one partition's restore from ClickHouse. */
export interface PartitionRestoreFigures {
  partition: number;
  loadMs: number;
  applyMs: number;
  parts: number;
  chars: number;
  offset: string | null;
}

/**
 * Restores one partition as the pipeline does after a (re)assignment: the
 * newest checkpoint loaded, then applied part by part with event-loop yields.
 */
export async function restorePartition(
  store: ClickHouseCheckpointStore,
  partition: number,
  sliceMs: number,
): Promise<{ processor: PartitionProcessor; figures: PartitionRestoreFigures }> {
  const processor = new PartitionProcessor(partition, defaultEngineSettings());
  let t = performance.now();
  const cp = await store.load(BENCH_DEPLOYMENT, BENCH_TOPIC, partition);
  const loadMs = performance.now() - t;
  t = performance.now();
  let chars = 0;
  if (cp) {
    const restore = processor.beginRestore({ offset: cp.offset, seqs: cp.seqs });
    let sliceStart = performance.now();
    for (const part of cp.parts) {
      restore.add(part);
      chars += part.length;
      if (performance.now() - sliceStart >= sliceMs) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    restore.finish();
  }
  return {
    processor,
    figures: {
      partition,
      loadMs,
      applyMs: performance.now() - t,
      parts: cp?.parts.length ?? 0,
      chars,
      offset: processor.nextOffset,
    },
  };
}

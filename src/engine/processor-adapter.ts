// Adapts the processors' PartitionProcessor to the pipeline's port: restores
// it from a checkpoint and tracks the next offset past records the source
// dead-lettered (they never reach the processor but must not be re-read).

import type { SourceRecord } from '../ingest/event.js';
import {
  type EngineSettings,
  learnerKey,
  type OutputName,
  type PartitionCheckpoint,
  PartitionProcessor,
  type StampedResult,
} from '../processors/index.js';
import type { PartitionProcessorPort } from './pipeline.js';

export function createPartitionProcessor(
  partition: number,
  checkpoint: PartitionCheckpoint | undefined,
  settings: EngineSettings,
): PartitionProcessorPort {
  const processor = new PartitionProcessor(partition, settings);
  if (checkpoint) {
    processor.restore({ offset: checkpoint.offset, seqs: checkpoint.seqs, parts: checkpoint.parts });
    if (checkpoint.base === undefined) processor.checkpointLost(); // stored before chains: the next one starts a chain
  }
  return portOf(processor, checkpoint);
}

/**
 * Like createPartitionProcessor, but restores part by part and yields to the
 * event loop whenever `sliceMs` of restore work has run, so heartbeats and
 * other partitions keep going while a large state comes back.
 */
export async function restorePartitionProcessor(
  partition: number,
  checkpoint: PartitionCheckpoint | undefined,
  settings: EngineSettings,
  sliceMs = 20,
): Promise<PartitionProcessorPort> {
  const processor = new PartitionProcessor(partition, settings);
  if (checkpoint) {
    const restore = processor.beginRestore({ offset: checkpoint.offset, seqs: checkpoint.seqs });
    let sliceStart = performance.now();
    for (const part of checkpoint.parts) {
      restore.add(part);
      if (performance.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    restore.finish();
    if (checkpoint.base === undefined) processor.checkpointLost(); // stored before chains: the next one starts a chain
  }
  return portOf(processor, checkpoint);
}

function portOf(processor: PartitionProcessor, checkpoint: PartitionCheckpoint | undefined): PartitionProcessorPort {
  // The processor keeps its own offset as a bigint; here only the last offset
  // seen is kept (a string, no parsing per record) plus any skip past dead letters.
  let lastProcessed: string | undefined;
  let advanced: bigint | undefined = checkpoint ? BigInt(checkpoint.offset) : undefined;
  const next = (): bigint | undefined => {
    const fromRecords = lastProcessed === undefined ? undefined : BigInt(lastProcessed) + 1n;
    if (fromRecords === undefined) return advanced;
    if (advanced === undefined) return fromRecords;
    return fromRecords > advanced ? fromRecords : advanced;
  };
  return {
    process(record: SourceRecord): Iterable<StampedResult> {
      const results = processor.process(record);
      lastProcessed = record.offset;
      return results;
    },
    advanceTo(offset: string) {
      const o = BigInt(offset);
      const current = next();
      if (current === undefined || o > current) advanced = o;
    },
    nextOffset: () => next()?.toString(),
    watermark: () => processor.watermarkMs,
    seqs: (): Record<OutputName, number> => processor.lastSeqs,
    checkpointParts: (options) => processor.checkpointParts(options),
    checkpointLost: () => processor.checkpointLost(),
    holds: (tenantId, learnerId) => processor.holds(learnerKey(tenantId, learnerId)),
    evictIdle: (horizonMs, max) => processor.evictIdle(horizonMs, max),
    thaw: (learners) => processor.thaw(learners),
    coldVoid: () => processor.coldVoid,
    voidColdVersions: (from, to) => processor.voidColdVersions(from, to),
    forgetLearner: (tenantId, learnerId) => processor.forgetLearner(tenantId, learnerId),
  };
}

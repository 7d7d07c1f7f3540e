// Adapts the processors' PartitionProcessor to the pipeline's port: restores
// it from a checkpoint and tracks the next offset past records the source
// dead-lettered (they never reach the processor but must not be re-read).

import type { SourceRecord } from '../ingest/event.js';
import {
  type EngineSettings,
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
  if (checkpoint) processor.restore({ offset: checkpoint.offset, seqs: checkpoint.seqs, state: checkpoint.state });
  let next: bigint | undefined = checkpoint ? BigInt(checkpoint.offset) : undefined;
  return {
    process(record: SourceRecord): StampedResult[] {
      const results = processor.process(record);
      const after = processor.nextOffset;
      if (after !== null && (next === undefined || BigInt(after) > next)) next = BigInt(after);
      return results;
    },
    advanceTo(offset: string) {
      const o = BigInt(offset);
      if (next === undefined || o > next) next = o;
    },
    nextOffset: () => next?.toString(),
    watermark: () => processor.watermarkMs,
    seqs: (): Record<OutputName, number> => processor.lastSeqs,
    snapshotState: () => processor.snapshot().state,
    forgetLearner: (tenantId, learnerId) => processor.forgetLearner(tenantId, learnerId),
  };
}

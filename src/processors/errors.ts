// Error codes of the processors: a checkpoint whose state cannot be restored,
// and records that break the partition's offset order. Both are fatal: the
// supervisor must stop loudly rather than compute results from a bad state.
import { defineErrorCode } from '../core/errors.js';

export const CheckpointStateInvalid = defineErrorCode(
  'LS_PROCESSOR_CHECKPOINT_INVALID',
  'Checkpoint state cannot be restored',
  500,
  false,
);
export const RecordFromOtherPartition = defineErrorCode(
  'LS_PROCESSOR_WRONG_PARTITION',
  'Record handed to the processor of another partition',
  500,
  false,
);

// Error codes of the processors: a checkpoint whose state cannot be restored,
// records that break the partition's offset order, and a caller that breaks
// the drain contract (results or snapshot parts not drained, a restore not
// finished). All are fatal: the supervisor must stop loudly rather than
// compute results from a bad state.
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
export const ResultsNotDrained = defineErrorCode(
  'LS_PROCESSOR_RESULTS_NOT_DRAINED',
  'The results of the previous record were not fully drained before the processor was used again',
  500,
  false,
);
export const StateChangedDuringSnapshot = defineErrorCode(
  'LS_PROCESSOR_STATE_CHANGED',
  'Partition state changed while its checkpoint parts were being taken',
  500,
  false,
);
export const ProcessorBusy = defineErrorCode(
  'LS_PROCESSOR_RESTORING',
  'The partition processor is being restored',
  500,
  false,
);

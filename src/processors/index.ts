// Public surface of the processors: the result contract, the per-partition
// processor and its checkpoint port, event time (watermarks, timers, ticks),
// the operators, and the operator test driver.
export { CheckpointStateInvalid, RecordFromOtherPartition } from './errors.js';
export { engineWatermarkSeconds, idlePartitions, recordsSkippedTotal } from './metrics.js';
export type { Emission, Operator } from './operators/index.js';
export {
  type BktParameters,
  bktUpdate,
  DEFAULT_BKT,
  MASTERY_WEIGHTS,
  MasteryOperator,
  MemoryModel,
  masteryTrend,
  ratingFor,
  SessionWindowOperator,
  SM2_INITIAL,
  type Sm2State,
  sm2Review,
  TREND_THRESHOLD,
  WeeklyActiveOperator,
} from './operators/index.js';
export { learnerKey } from './operators/operator.js';
export {
  type CheckpointCapture,
  type CheckpointKind,
  type CheckpointOptions,
  type ColdLearner,
  PartitionProcessor,
  type ProcessorCheckpoint,
  type RewriteStep,
} from './partition-processor.js';
export type {
  LateEventResult,
  MasterySnapshotResult,
  MasteryTrend,
  OutputName,
  ResultsByOutput,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from './results.js';
export { defaultEngineSettings, type EngineSettings } from './settings.js';
export {
  CHAIN_SPAN_MAX,
  type CheckpointStore,
  emptySeqs,
  InMemoryCheckpointStore,
  type PartitionCheckpoint,
} from './state/checkpoint-store.js';
export {
  activityEvent,
  contentInteractionEvent,
  type EventBasics,
  iepGoalProgressEvent,
  OperatorTestDriver,
  type OperatorTestDriverOptions,
  questionAttemptEvent,
} from './testing/index.js';
export {
  EngineWatermark,
  EventTimeTimers,
  NO_WATERMARK,
  PartitionWatermark,
  QuietPartitionTicker,
  type TickRequest,
} from './time/index.js';
export {
  DAY_MS,
  isoWeekLabel,
  isoWeekStart,
  utcDayLabel,
  utcDayStart,
  WEEK_MS,
} from './windows/index.js';

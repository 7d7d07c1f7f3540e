// Public surface of the processors: result types (more exports as the layer grows).
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

// What the engine tells the API about its live state (lag, watermarks, last
// closed windows). The engine implements `() => PipelineStatus`; the route
// adds what ClickHouse holds (dead letters, late events, checkpoint ages).
import type { OutputName } from '../processors/results.js';

export interface PartitionStatus {
  partition: number;
  /** Records between the committed offset and the log end, if known. */
  lag: number | null;
  watermarkMs: number | null;
  /** Excluded from the engine watermark after the idle timeout. */
  idle: boolean;
  /** Age of this partition's newest checkpoint, if the engine tracks it (else read from ClickHouse). */
  checkpointAgeSeconds?: number | null;
}

export interface ClosedWindowMark {
  output: OutputName;
  partition: number;
  seq: number;
  /** Event-time end of the window, where the output has one. */
  windowEndMs: number | null;
}

export interface PipelineStatus {
  engineWatermarkMs: number | null;
  partitions: PartitionStatus[];
  /** Newest closed window per (output, partition); the live feed's own record is used when empty. */
  lastClosedWindows?: ClosedWindowMark[];
}

export const emptyPipelineStatus = (): PipelineStatus => ({ engineWatermarkMs: null, partitions: [] });

// The engine watermark: the minimum over the partitions this process owns,
// leaving out partitions that have been quiet (wall clock) for longer than the
// idle timeout. Reported for status and metrics only: windows close on their
// own partition's watermark so results never depend on partition interleaving.
import { engineWatermarkSeconds, idlePartitions } from '../metrics.js';
import { NO_WATERMARK } from './watermark.js';

interface PartitionTime {
  watermarkMs: number;
  lastSeenWallMs: number;
}

export class EngineWatermark {
  private readonly partitions = new Map<number, PartitionTime>();

  constructor(private readonly idleTimeoutMs: number) {}

  /** A record of `partition` was processed at wall time `nowWallMs`. */
  observe(partition: number, watermarkMs: number, nowWallMs: number): void {
    this.partitions.set(partition, { watermarkMs, lastSeenWallMs: nowWallMs });
  }

  /** The partition was revoked: it no longer counts. */
  remove(partition: number): void {
    this.partitions.delete(partition);
  }

  idlePartitions(nowWallMs: number): number[] {
    return Array.from(this.partitions.entries())
      .filter(([, p]) => nowWallMs - p.lastSeenWallMs > this.idleTimeoutMs)
      .map(([partition]) => partition)
      .sort((a, b) => a - b);
  }

  /** Minimum watermark over active partitions; NO_WATERMARK when none is active. */
  current(nowWallMs: number): number {
    let min = Number.POSITIVE_INFINITY;
    for (const p of this.partitions.values()) {
      if (nowWallMs - p.lastSeenWallMs > this.idleTimeoutMs) continue;
      if (p.watermarkMs < min) min = p.watermarkMs;
    }
    return min === Number.POSITIVE_INFINITY ? NO_WATERMARK : min;
  }

  /** Sets the engine-watermark and idle-partition gauges. */
  publish(nowWallMs: number): void {
    const wm = this.current(nowWallMs);
    if (wm !== NO_WATERMARK) engineWatermarkSeconds.set(wm / 1000);
    idlePartitions.set(this.idlePartitions(nowWallMs).length);
  }
}

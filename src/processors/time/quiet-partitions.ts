// Decides, by wall clock, when a partition has been quiet long enough that the
// engine must append a watermark tick to it (so windows close in quiet
// periods). Only WHEN a tick is appended is wall-clock; the tick itself is a
// record in the log, so a replay reads the same ticks and results stay exact.

export interface TickRequest {
  partition: number;
  /** Event time the tick carries; the processor treats it like an event's time. */
  eventTime: number;
}

export class QuietPartitionTicker {
  private readonly lastRecordWallMs = new Map<number, number>();

  constructor(private readonly tickIntervalMs: number) {}

  /** A record (event or tick) of `partition` was seen at `nowWallMs`. */
  recordSeen(partition: number, nowWallMs: number): void {
    this.lastRecordWallMs.set(partition, nowWallMs);
  }

  remove(partition: number): void {
    this.lastRecordWallMs.delete(partition);
  }

  /**
   * Partitions quiet for at least the tick interval, each with a tick at
   * `eventTimeNow` (the source's event-time clock: wall clock in production,
   * the simulated clock in embedded mode). Marks them seen so the next tick
   * follows one interval later.
   */
  ticksDue(nowWallMs: number, eventTimeNow: number): TickRequest[] {
    const due: TickRequest[] = [];
    for (const [partition, last] of Array.from(this.lastRecordWallMs.entries()).sort((a, b) => a[0] - b[0])) {
      if (nowWallMs - last >= this.tickIntervalMs) {
        due.push({ partition, eventTime: eventTimeNow });
        this.lastRecordWallMs.set(partition, nowWallMs);
      }
    }
    return due;
  }
}

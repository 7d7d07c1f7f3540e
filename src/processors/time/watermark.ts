// Per-partition event-time watermark: the highest event time seen (from events
// and ticks alike) minus the bounded out-of-orderness. It only moves forward;
// every window of the partition closes against it.

/** No watermark yet: nothing has been seen on the partition. */
export const NO_WATERMARK = Number.NEGATIVE_INFINITY;

export class PartitionWatermark {
  private maxEventTime = NO_WATERMARK;

  constructor(private readonly outOfOrdernessMs: number) {}

  /** Records an event or tick time; returns the watermark after it. */
  observe(eventTimeMs: number): number {
    if (eventTimeMs > this.maxEventTime) this.maxEventTime = eventTimeMs;
    return this.current();
  }

  current(): number {
    return this.maxEventTime === NO_WATERMARK ? NO_WATERMARK : this.maxEventTime - this.outOfOrdernessMs;
  }

  get maxEventTimeMs(): number {
    return this.maxEventTime;
  }

  snapshot(): { maxEventTime: number | null } {
    return { maxEventTime: this.maxEventTime === NO_WATERMARK ? null : this.maxEventTime };
  }

  restore(state: { maxEventTime: number | null }): void {
    this.maxEventTime = state.maxEventTime ?? NO_WATERMARK;
  }
}

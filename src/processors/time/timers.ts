// Event-time timers: one pending time per key, fired when the watermark passes
// it (watermark > time). Keys fire in (time, key) order so results come out in
// the same order on every run. A min-heap with lazy deletion keeps rescheduling
// cheap; the key → time map is the truth and is what gets checkpointed.

type Entry = readonly [time: number, key: string];

function before(a: Entry, b: Entry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

export class EventTimeTimers {
  private readonly due = new Map<string, number>();
  private heap: Entry[] = [];

  /** Sets (or moves) the key's timer. */
  schedule(key: string, time: number): void {
    if (this.due.get(key) === time) return;
    this.due.set(key, time);
    this.push([time, key]);
  }

  /** The key's pending time, if any. */
  dueOf(key: string): number | undefined {
    return this.due.get(key);
  }

  cancel(key: string): void {
    this.due.delete(key);
  }

  get size(): number {
    return this.due.size;
  }

  /** Removes and returns the keys whose time the watermark has passed, in (time, key) order. */
  fire(watermarkMs: number): string[] {
    return Array.from(this.firing(watermarkMs));
  }

  /**
   * Lazily removes and yields the keys whose time the watermark has passed, in
   * (time, key) order, one per step. A key scheduled while iterating fires in
   * the same pass only if its new time is before the watermark too.
   */
  *firing(watermarkMs: number): Generator<string> {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (!(top[0] < watermarkMs)) return;
      this.pop();
      if (this.due.get(top[1]) !== top[0]) continue; // stale: moved or cancelled
      this.due.delete(top[1]);
      yield top[1];
    }
  }

  /** [key, time] pairs in scheduling order (deterministic for a given history). */
  entries(): IterableIterator<[string, number]> {
    return this.due.entries();
  }

  /** [key, time] pairs in scheduling order. */
  snapshot(): [string, number][] {
    return Array.from(this.due.entries());
  }

  clear(): void {
    this.due.clear();
    this.heap = [];
  }

  restore(entries: Iterable<[string, number]>): void {
    this.clear();
    for (const [key, time] of entries) this.schedule(key, time);
  }

  private push(entry: Entry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

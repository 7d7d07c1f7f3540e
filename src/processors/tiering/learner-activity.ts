// When each learner held in memory was last active (the latest event time
// seen), indexed by UTC day, so the learners idle past a horizon are found
// without a pass over every learner: the days before the horizon name them.
import { DAY_MS } from '../windows/calendar.js';

const dayOf = (t: number) => Math.floor(t / DAY_MS);

export class LearnerActivity {
  private readonly lastActive = new Map<string, number>();
  private readonly byDay = new Map<number, Set<string>>();

  get size(): number {
    return this.lastActive.size;
  }

  has(key: string): boolean {
    return this.lastActive.has(key);
  }

  get(key: string): number | undefined {
    return this.lastActive.get(key);
  }

  /** Activity at event time `t`; the latest time wins (a late event does not make a learner look idle). */
  touch(key: string, t: number): void {
    if (!Number.isFinite(t)) return;
    const previous = this.lastActive.get(key);
    if (previous !== undefined) {
      if (previous >= t) return;
      this.unindex(key, previous);
    }
    this.lastActive.set(key, t);
    const day = dayOf(t);
    let keys = this.byDay.get(day);
    if (!keys) {
      keys = new Set();
      this.byDay.set(day, keys);
    }
    keys.add(key);
  }

  forget(key: string): void {
    const previous = this.lastActive.get(key);
    if (previous === undefined) return;
    this.unindex(key, previous);
    this.lastActive.delete(key);
  }

  /**
   * Learners whose last activity is on a UTC day that ended by `beforeMs`,
   * oldest day first, lazily. The caller may forget the learners it is given.
   */
  *idle(beforeMs: number): Generator<string> {
    const days: number[] = [];
    for (const day of this.byDay.keys()) if ((day + 1) * DAY_MS <= beforeMs) days.push(day);
    days.sort((a, b) => a - b);
    for (const day of days) {
      // A Set may lose entries while iterated (the caller forgets learners): deleted ones are skipped.
      const keys = this.byDay.get(day);
      if (keys) yield* keys;
    }
  }

  /** Learner keys, in insertion order. */
  keys(): IterableIterator<string> {
    return this.lastActive.keys();
  }

  /** [learner key, last active] pairs, in insertion order. */
  entries(): IterableIterator<[string, number]> {
    return this.lastActive.entries();
  }

  clear(): void {
    this.lastActive.clear();
    this.byDay.clear();
  }

  private unindex(key: string, t: number): void {
    const day = dayOf(t);
    const keys = this.byDay.get(day);
    keys?.delete(key);
    if (keys?.size === 0) this.byDay.delete(day);
  }
}

// Timers bounded by keys: one heap entry per key however often it is moved,
// and the same (time, key) firing order as a plain model (a key → time map
// whose due keys are sorted at each firing), over random schedule, cancel and
// fire sequences.
import { describe, expect, it } from 'vitest';
import { EventTimeTimers } from '../../../src/processors/index.js';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('EventTimeTimers (indexed heap)', () => {
  it('fires in the (time, key) order of a plain model through random moves, cancels and firings', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = random(seed);
      const timers = new EventTimeTimers();
      const model = new Map<string, number>();
      let watermark = 0;
      for (let step = 0; step < 3_000; step++) {
        const roll = rnd();
        const key = `k${Math.floor(rnd() * 60)}`;
        if (roll < 0.6) {
          const time = watermark + Math.floor(rnd() * 50);
          timers.schedule(key, time);
          model.set(key, time);
        } else if (roll < 0.7) {
          timers.cancel(key);
          model.delete(key);
        } else {
          watermark += Math.floor(rnd() * 20);
          const due = [...model]
            .filter(([, t]) => t < watermark)
            .sort(([ka, ta], [kb, tb]) => ta - tb || (ka < kb ? -1 : ka > kb ? 1 : 0))
            .map(([k]) => k);
          for (const k of due) model.delete(k);
          expect(timers.fire(watermark)).toEqual(due);
          expect(timers.size).toBe(model.size);
          for (const [k, t] of model) expect(timers.dueOf(k)).toBe(t);
        }
      }
    }
  });

  it('a key moved many times holds one entry, and keys rescheduled while firing fire in the same pass only if due', () => {
    const timers = new EventTimeTimers();
    for (let i = 0; i < 10_000; i++) timers.schedule('busy', 1_000 + (i % 7));
    timers.schedule('calm', 5);
    expect(timers.size).toBe(2);
    expect(timers.snapshot()).toEqual([
      ['busy', 1_000 + (9_999 % 7)],
      ['calm', 5],
    ]);
    const fired: string[] = [];
    for (const key of timers.firing(2_000)) {
      fired.push(key);
      // calm fires first (5), then moves to 1,500 (< 2,000: fires again in this pass, after busy at 1,003);
      // busy then moves to 3,000 (not due).
      if (key === 'calm' && fired.length === 1) timers.schedule('calm', 1_500);
      if (key === 'busy') timers.schedule('busy', 3_000);
    }
    expect(fired).toEqual(['calm', 'busy', 'calm']);
    expect(timers.snapshot()).toEqual([['busy', 3_000]]);
  });
});

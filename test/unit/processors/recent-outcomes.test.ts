// The last 10 attempts' outcomes of a learner × topic (the knowledge gaps'
// recent failure rate): the packing by hand, and the snapshots of a topic
// across days, attempts applied in event-time order whatever the arrival order.
import { describe, expect, it } from 'vitest';
import { OperatorTestDriver, questionAttemptEvent } from '../../../src/processors/index.js';
import {
  isRecentOutcomes,
  pushOutcome,
  recentAttempts,
  recentFailures,
} from '../../../src/processors/operators/recent-outcomes.js';

const at = (day: number, hh: number, mm = 0) => Date.UTC(2026, 10, 16 + day, hh, mm);
const closeDay = (day: number) => at(day + 1, 0, 15) + 1;
/** Oldest first: F C C F F C C C C C F C (F = failed). */
const outcomes = [false, true, true, false, false, true, true, true, true, true, false, true];

describe('recent outcomes', () => {
  it('keep the last 10 attempts: count and failures', () => {
    let packed = 0;
    const seen: [number, number][] = [];
    for (const correct of outcomes) {
      packed = pushOutcome(packed, !correct);
      seen.push([recentAttempts(packed), recentFailures(packed)]);
      expect(isRecentOutcomes(packed)).toBe(true);
    }
    // Up to 10 attempts every one counts (failures at the 1st, 4th, 5th); then the oldest leave the window:
    // the 11th drops the 1st (F) and adds a failure, the 12th drops the 2nd (C).
    expect(seen).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 3],
      [6, 3],
      [7, 3],
      [8, 3],
      [9, 3],
      [10, 3],
      [10, 3],
      [10, 3],
    ]);
    // The window after 12: attempts 3–12 = C F F C C C C C F C; bit 0 is the newest (12th, C), so the
    // failures (11th, 5th, 4th) are bits 1, 7 and 8: 0b0110000010.
    expect(packed).toBe((10 << 12) | 0b0110000010);
    expect(isRecentOutcomes((1 << 12) | 0b100)).toBe(false); // a failure beyond the count
    expect(isRecentOutcomes(11 << 12)).toBe(false);
    expect(isRecentOutcomes(1 << 16)).toBe(false);
    expect(isRecentOutcomes(-1)).toBe(false);
  });

  it('travel with the daily snapshot and continue across days', () => {
    const d = new OperatorTestDriver();
    const events = outcomes.map((correct, i) => questionAttemptEvent(at(0, 9, i), {}, { itemId: `q${i}`, correct }));
    d.pipe(...[...events].reverse()); // arrival order does not matter: the day applies them by event time
    d.advanceTo(closeDay(0));
    expect(d.output('mastery')).toMatchObject([
      { day: '2026-11-16', attempts: 12, recentAttempts: 10, recentFailures: 3 },
    ]);
    // Next day one failed attempt: the window drops attempt 3 (C) → C… becomes F F C C C C C F C F: 4 failures.
    d.pipe(questionAttemptEvent(at(1, 9), {}, { itemId: 'q12', correct: false }));
    d.advanceTo(closeDay(1));
    expect(d.output('mastery').slice(1)).toMatchObject([
      { day: '2026-11-17', attempts: 13, recentAttempts: 10, recentFailures: 4 },
    ]);
  });
});

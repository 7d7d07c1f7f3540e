// Weekly counts are kept up to date as events arrive; these cases move a
// learner's class after the fact and are counted by hand: an out-of-order
// event in an earlier week (the learner's first week moves back), an event that
// turns last week's churned learner into a returning one, an erasure, and a
// restore in between.
import { describe, expect, it } from 'vitest';
import { activityEvent, OperatorTestDriver, type WeeklyActivePartialResult } from '../../../src/processors/index.js';

const DAY = 86_400_000;
const MIN = 60_000;
/** Monday 2026-11-02 00:00 UTC, ISO week 2026-W45. */
const W45 = Date.UTC(2026, 10, 2);
const W46 = W45 + 7 * DAY;

const rows = (d: OperatorTestDriver) =>
  d
    .output('weekly_active')
    .map((r: WeeklyActivePartialResult) => [
      r.tenantId,
      r.isoWeek,
      r.active,
      r.new,
      r.returning,
      r.reactivated,
      r.churned,
    ]);

describe('weekly counts kept as events arrive', () => {
  for (const restartBetween of [false, true]) {
    it(`follow late changes of a learner's class${restartBetween ? ' across a restore' : ''}`, () => {
      const d = new OperatorTestDriver();
      const t = { tenantId: 't' };
      // L: first seen Monday W46 00:20, then (out of order, not too late) Sunday W45 23:50: first week is W45.
      d.pipe(activityEvent(W46 + 20 * MIN, { ...t, learnerId: 'L' }));
      d.pipe(activityEvent(W46 - 10 * MIN, { ...t, learnerId: 'L' }));
      // M: active W45 only (churned in W46), then erased; N: active W46 only.
      d.pipe(activityEvent(W46 - 5 * MIN, { ...t, learnerId: 'M' }));
      d.pipe(activityEvent(W46 + 30 * MIN, { ...t, learnerId: 'N' }));
      if (restartBetween) d.restart();
      // K: W45 (Sunday), and W46 arriving after the W45 event: returning in W46, not churned.
      d.pipe(activityEvent(W46 - 2 * MIN, { ...t, learnerId: 'K' }));
      d.pipe(activityEvent(W46 + 40 * MIN, { ...t, learnerId: 'K' }));
      d.pipe(activityEvent(W46 + 50 * MIN, { ...t, learnerId: 'M' }));
      d.forgetLearner('t', 'M');
      d.advanceTo(W46 + 21 * DAY);
      // W45: L and K new (M erased).            active 2, new 2
      // W46: L, K returning; N new.              active 3, new 1, returning 2
      // W47: L, K, N churned.                    churned 3
      expect(rows(d)).toEqual([
        ['t', '2026-W45', 2, 2, 0, 0, 0],
        ['t', '2026-W46', 3, 1, 2, 0, 0],
        ['t', '2026-W47', 0, 0, 0, 0, 3],
      ]);
    });
  }
});

// Weekly active over five ISO weeks for a handful of learners, counted by hand,
// and the same stream split over two partitions: the partials must sum to it.
import { describe, expect, it } from 'vitest';
import type { LearningEvent } from '../../../src/ingest/index.js';
import { activityEvent, OperatorTestDriver, type WeeklyActivePartialResult } from '../../../src/processors/index.js';

const DAY = 86_400_000;
/** Monday 2026-11-02 00:00 UTC, ISO week 2026-W45 (Jan 1 2026 is a Thursday: week 1 starts Dec 29 2025, +44 weeks). */
const W1 = Date.UTC(2026, 10, 2);
const week = (n: number) => W1 + (n - 1) * 7 * DAY;

/** One session per active week: Wednesday hh:00 and hh:02 (2 active minutes). */
function activeIn(learnerId: string, weeks: number[], hour: number, tenantId = 'tenant-a'): LearningEvent[] {
  return weeks.flatMap((n) => [
    activityEvent(week(n) + 2 * DAY + hour * 3_600_000, { learnerId, tenantId }),
    activityEvent(week(n) + 2 * DAY + hour * 3_600_000 + 120_000, { learnerId, tenantId }),
  ]);
}

const learners = {
  A: activeIn('A', [1, 2, 3, 5], 10),
  B: activeIn('B', [1, 3], 11),
  C: activeIn('C', [2, 3, 4], 12),
  D: activeIn('D', [4, 5], 13),
  E: activeIn('E', [1], 14, 'tenant-b'),
};

const byTime = (events: LearningEvent[]) => [...events].sort((a, b) => a.occurredAt - b.occurredAt);

function run(events: LearningEvent[], partition = 0): WeeklyActivePartialResult[] {
  const d = new OperatorTestDriver({ partition });
  d.pipe(...byTime(events));
  d.advanceTo(week(8));
  return d.output('weekly_active');
}

type Row = [string, string, number, number, number, number, number, number, number];
const row = (r: WeeklyActivePartialResult): Row => [
  r.tenantId,
  r.isoWeek,
  r.active,
  r.new,
  r.returning,
  r.reactivated,
  r.churned,
  r.sessions,
  r.learningMinutes,
];

// Activity: A weeks 1 2 3 5 · B 1 3 · C 2 3 4 · D 4 5 (tenant-a) · E 1 (tenant-b)
// tenant, week, active, new, returning, reactivated, churned, sessions, minutes (2 per session)
const expected: Row[] = [
  ['tenant-a', '2026-W45', 2, 2, 0, 0, 0, 2, 4], // A B new
  ['tenant-b', '2026-W45', 1, 1, 0, 0, 0, 1, 2], // E new
  ['tenant-a', '2026-W46', 2, 1, 1, 0, 1, 2, 4], // C new, A returning, B churned
  ['tenant-b', '2026-W46', 0, 0, 0, 0, 1, 0, 0], // E churned
  ['tenant-a', '2026-W47', 3, 0, 2, 1, 0, 3, 6], // A C returning, B reactivated
  ['tenant-a', '2026-W48', 2, 1, 1, 0, 2, 2, 4], // D new, C returning, A B churned
  ['tenant-a', '2026-W49', 2, 0, 1, 1, 1, 2, 4], // D returning, A reactivated, C churned
  ['tenant-a', '2026-W50', 0, 0, 0, 0, 2, 0, 0], // A D churned
];

describe('WeeklyActiveOperator', () => {
  it('counts active, new, returning, reactivated, churned, sessions and minutes over five weeks', () => {
    const results = run(Object.values(learners).flat());
    expect(results.map(row)).toEqual(expected);
    expect(results[0]).toMatchObject({ weekStart: '2026-11-02', isoWeek: '2026-W45' });
  });

  it('emits per-partition partials that sum exactly to the single-partition figures', () => {
    const p0 = run([...learners.A, ...learners.B, ...learners.E], 0);
    const p1 = run([...learners.C, ...learners.D], 1);
    const sums = new Map<string, Row>();
    for (const r of [...p0, ...p1]) {
      const key = `${r.tenantId}/${r.isoWeek}`;
      const current = sums.get(key) ?? [r.tenantId, r.isoWeek, 0, 0, 0, 0, 0, 0, 0];
      const add = row(r);
      for (let i = 2; i < 9; i++) (current[i] as number) += add[i] as number;
      sums.set(key, current);
    }
    expect([...sums.values()].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]))).toEqual(expected);
  });

  it('closes a week when W > week end + lateness + max session + gap, and sends later events to the late output', () => {
    const d = new OperatorTestDriver();
    d.pipe(...learners.E);
    // Week 1 ends Monday 2026-11-09 00:00; final when W > 00:00 + 10 min + 4 h + 30 min = 04:40.
    d.advanceTo(week(2) + 4 * 3_600_000 + 45 * 60_000); // W = 04:40
    expect(d.output('weekly_active')).toEqual([]);
    d.advanceTo(week(2) + 4 * 3_600_000 + 45 * 60_000 + 1);
    expect(d.output('weekly_active').map(row)).toEqual([['tenant-b', '2026-W45', 1, 1, 0, 0, 0, 1, 2]]);
    const late = activityEvent(week(1) + 5 * DAY, { learnerId: 'F', tenantId: 'tenant-b' });
    d.pipe(late);
    expect(d.output('late_events').filter((l) => l.operator === 'weekly_active')).toEqual([
      { event: late, operator: 'weekly_active', watermarkMs: week(2) + 4 * 3_600_000 + 40 * 60_000 + 1 },
    ]);
  });
});

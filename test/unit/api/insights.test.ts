// Learner insights computed from closed sessions and mastery snapshots:
// streaks, patterns and the time-to-mastery projection, each against figures
// worked out by hand next to the data.
import { describe, expect, it } from 'vitest';
import { gapOf, recentFailureRate, severityOf } from '../../../src/api/insights/gaps.js';
import { projectMastery } from '../../../src/api/insights/mastery-projection.js';
import { patternsOf, type SessionFacts, streaksOf } from '../../../src/api/insights/patterns.js';
import { percentileRank } from '../../../src/api/insights/percentiles.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

describe('streaks', () => {
  // Active 1, 2, 3, 5, 6 November (the 6th twice): the longest run is 1–3, the run ending on the 6th is 5–6.
  const days = ['2026-11-03', '2026-11-01', '2026-11-02', '2026-11-05', '2026-11-06', '2026-11-06'];

  it('counts the current streak up to the as-of day or the day before', () => {
    expect(streaksOf(days, '2026-11-07')).toEqual({
      current: 2,
      longest: 3,
      activeDays: 5,
      firstActiveDay: '2026-11-01',
      lastActiveDay: '2026-11-06',
      consistency: 5 / 7, // 1–7 November: 7 days
    });
    expect(streaksOf(days, '2026-11-06')).toMatchObject({ current: 2, consistency: 5 / 6 });
    // Two days later the day before (the 7th) had no session: the streak is broken.
    expect(streaksOf(days, '2026-11-08')).toMatchObject({ current: 0, longest: 3, consistency: 5 / 8 });
  });

  it('ignores days after the as-of day, and has nothing without activity', () => {
    expect(streaksOf([...days, '2026-11-09'], '2026-11-07')).toEqual(streaksOf(days, '2026-11-07'));
    expect(streaksOf([], '2026-11-07')).toEqual({
      current: 0,
      longest: 0,
      activeDays: 0,
      firstActiveDay: null,
      lastActiveDay: null,
      consistency: null,
    });
  });
});

describe('learning patterns', () => {
  const s = (
    start: string,
    minutes: number,
    activeSeconds: number,
    eventCount: number,
    questionAttempts: number,
    questionsCorrect: number,
    contentInteractions: number,
  ): SessionFacts => ({
    startMs: at(start),
    durationMs: minutes * MIN,
    activeSeconds,
    eventCount,
    questionAttempts,
    questionsCorrect,
    contentInteractions,
  });
  // 2026-11-02 is a Monday.
  const sessions = [
    s('2026-11-02T09:10:00Z', 10, 300, 10, 8, 6, 1),
    s('2026-11-02T09:40:00Z', 20, 900, 6, 4, 4, 2),
    s('2026-11-03T14:00:00Z', 20, 600, 6, 4, 2, 1),
    s('2026-11-04T14:30:00Z', 20, 600, 6, 4, 3, 1),
    s('2026-11-08T20:00:00Z', 50, 2400, 12, 10, 5, 2),
    s('2026-11-08T21:00:00Z', 5, 120, 4, 2, 2, 0),
  ];

  it('reports the matrix, the best session length with its sample, kinds and rates', () => {
    const p = patternsOf(sessions);
    expect(p.reported).toBe(true);
    const cells: [number, number, number][] = [];
    for (const [d, row] of p.activityMatrix!.entries()) {
      for (const [h, c] of row.entries()) if (c > 0) cells.push([d, h, c]);
    }
    expect(cells).toEqual([
      [0, 9, 2], // Monday 09h
      [1, 14, 1], // Tuesday 14h
      [2, 14, 1], // Wednesday 14h
      [6, 20, 1], // Sunday 20h
      [6, 21, 1], // Sunday 21h
    ]);
    // 0–15 min: 2 sessions (10 and 5 min), 8 of 10 correct — too few sessions to count.
    // 15–30 min: 3 sessions, 9 of 12 correct = 0.75 — the best counted group.
    // 45–60 min: 1 session, 5 of 10 = 0.5.
    expect(p.bestSessionLength).toEqual({
      fromMinutes: 15,
      toMinutes: 30,
      sessions: 3,
      questionAttempts: 12,
      accuracy: 0.75,
    });
    expect(p.sessionLengths!.map((g) => [g.sessions, g.questionAttempts, g.accuracy])).toEqual([
      [2, 10, 0.8],
      [3, 12, 0.75],
      [0, 0, null],
      [1, 10, 0.5],
      [0, 0, null],
      [0, 0, null],
    ]);
    // 44 events: 32 question attempts, 7 content interactions, 5 other.
    expect(p.kindPreference).toEqual({ questions: 32 / 44, content: 7 / 44, otherActivity: 5 / 44 });
    // 4,920 active seconds = 1.3667 h; 125 min of sessions = 7,500 s.
    expect(p.questionsPerHour).toBeCloseTo((32 * 3600) / 4920, 12);
    expect(p.materialsPerHour).toBeCloseTo((7 * 3600) / 4920, 12);
    expect(p.studyEfficiency).toBeCloseTo(0.656, 12);
  });

  it('reports no pattern below five sessions', () => {
    const p = patternsOf(sessions.slice(0, 4));
    expect(p).toMatchObject({ sessions: 4, reported: false, activityMatrix: null, bestSessionLength: null });
    expect(p.studyEfficiency).toBeNull();
  });
});

describe('time to mastery', () => {
  it('projects the day a rising line reaches 0.8, with its interval', () => {
    // x = 0, 2, 4 days; y = 0.5, 0.6, 0.7: slope 0.05/day through (2, 0.6), no residuals: 0.8 at x = 6.
    expect(
      projectMastery([
        { day: '2026-11-05', score: 0.7 },
        { day: '2026-11-01', score: 0.5 },
        { day: '2026-11-03', score: 0.6 },
      ]),
    ).toEqual({
      status: 'projected',
      day: '2026-11-07',
      earliest: '2026-11-07',
      latest: '2026-11-07',
      slopePerDay: expect.closeTo(0.05, 12),
      points: 3,
    });
    // y = 0.5, 0.62, 0.7: mean 0.60667, Sxy = 0.4, Sxx = 8, slope 0.05; residuals −1/150, 2/150, −1/150:
    // RSS = 6/22,500, se = sqrt(RSS / 1 / 8) = 0.0057735. At the slope: x = 2 + 0.19333/0.05 = 5.87 → day 6;
    // at 0.05 + 1.96 se = 0.061316: x = 5.15 → day 6; at 0.05 − 1.96 se = 0.038684: x = 7.00 − → day 7.
    expect(
      projectMastery([
        { day: '2026-11-01', score: 0.5 },
        { day: '2026-11-03', score: 0.62 },
        { day: '2026-11-05', score: 0.7 },
      ]),
    ).toMatchObject({ status: 'projected', day: '2026-11-07', earliest: '2026-11-07', latest: '2026-11-08' });
  });

  it('says mastered, not improving, or too few points', () => {
    expect(
      projectMastery([
        { day: '2026-11-01', score: 0.5 },
        { day: '2026-11-03', score: 0.85 },
        { day: '2026-11-04', score: 0.7 },
        { day: '2026-11-06', score: 0.82 },
        { day: '2026-11-08', score: 0.9 },
      ]),
    ).toEqual({ status: 'mastered', since: '2026-11-06' });
    expect(
      projectMastery([
        { day: '2026-11-01', score: 0.6 },
        { day: '2026-11-03', score: 0.5 },
        { day: '2026-11-05', score: 0.4 },
      ]),
    ).toEqual({ status: 'not_improving', slopePerDay: expect.closeTo(-0.05, 12), points: 3 });
    // The window is the 28 days up to the newest point: 1 October is outside it.
    expect(
      projectMastery([
        { day: '2026-10-01', score: 0.1 },
        { day: '2026-11-01', score: 0.5 },
        { day: '2026-11-03', score: 0.6 },
      ]),
    ).toEqual({ status: 'too_few_points', points: 2 });
    expect(projectMastery([])).toEqual({ status: 'too_few_points', points: 0 });
  });
});

describe('percentile rank', () => {
  it('is the mid-rank share of the cohort, clamped, and nothing without a cohort', () => {
    expect(percentileRank(4, 1, 5)).toBe(90); // the best of five: (4 + 0.5) / 5
    expect(percentileRank(0, 5, 5)).toBe(50); // everyone equal
    expect(percentileRank(0, 1, 1)).toBe(50);
    expect(percentileRank(2, 1, 6)).toBe(41.67); // 2.5 / 6
    expect(percentileRank(6, 2, 5)).toBe(100); // noisy counts past the cohort
    expect(percentileRank(-2, 0, 5)).toBe(0);
    expect(percentileRank(1, 1, null)).toBeNull();
    expect(percentileRank(null, 1, 5)).toBeNull();
    expect(percentileRank(0, 0, 0)).toBeNull();
  });
});

describe('knowledge gaps', () => {
  it("rates the seed's example critical: mastery 0.3, accuracy 0.45, exam weight 8/10", () => {
    // gap 0.7; failure rate 1 − 0.45 = 0.55; priority = 3·0.7 + 2·0.8 + 0 + 1.5·0.55 = 2.1 + 1.6 + 0.825 = 4.525.
    const g = gapOf({
      masteryScore: 0.3,
      recentFailureRate: 0.55,
      examWeightNorm: 0.8,
      prerequisiteImpact: 0,
      estimatedHours: 10,
    });
    expect(g.gap).toBeCloseTo(0.7, 12);
    expect(g.priority).toBeCloseTo(4.525, 12);
    expect(g.severity).toBe('critical');
    expect(g.hoursToClose).toBeCloseTo(7, 12); // 10 h × 0.7
  });

  it('puts each priority in its severity band, and reads the failure rate from the window', () => {
    // 3·0.5 + 2·0.5 + 0.5 + 1.5·0 = 3.0 → high (from 3); a hair less → medium.
    expect(
      gapOf({
        masteryScore: 0.5,
        recentFailureRate: 0,
        examWeightNorm: 0.5,
        prerequisiteImpact: 0.5,
        estimatedHours: 0,
      }).severity,
    ).toBe('high');
    expect(
      gapOf({
        masteryScore: 0.5001,
        recentFailureRate: 0,
        examWeightNorm: 0.5,
        prerequisiteImpact: 0.5,
        estimatedHours: 0,
      }).severity,
    ).toBe('medium');
    // 3·0.2 + 0 + 0 + 1.5·(3/10) = 0.6 + 0.45 = 1.05 → low.
    const low = gapOf({
      masteryScore: 0.8,
      recentFailureRate: recentFailureRate(10, 3),
      examWeightNorm: 0,
      prerequisiteImpact: 0,
      estimatedHours: 4,
    });
    expect(low.priority).toBeCloseTo(1.05, 12);
    expect(low.severity).toBe('low');
    expect(low.hoursToClose).toBeCloseTo(0.8, 12);
    expect(recentFailureRate(0, 0)).toBe(0);
    expect(severityOf(7.5)).toBe('critical');
    expect(severityOf(2)).toBe('medium');
    expect(severityOf(1.999)).toBe('low');
  });
});

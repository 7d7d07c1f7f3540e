// Closed windows written through the sink roll up, via the materialized views,
// into per-tenant figures equal to values worked out by hand below.
import { expect, it } from 'vitest';
import {
  ClickHouseSink,
  readDailySessions,
  readTopicMastery,
  readTopicPopularity,
  readWeeklyActive,
  runMigrations,
} from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';
import { MIN, mastery, session, stamp, weekly } from './fixtures.js';

forEachStore('rollups', ({ newStore }) => {
  it('daily sessions, topic popularity, weekly active and topic mastery match hand-computed figures', async () => {
    const store = await newStore();
    await runMigrations(store);
    const sink = new ClickHouseSink(store, { maxBatchRows: 3, flushIntervalMs: 50 });

    // Tenant t1 on Mon 2026-11-02 (learners a, b, c) and Tue 2026-11-03 (b); t2 must not leak into t1.
    sink.write(
      stamp('sessions', 0, [
        session({
          tenantId: 't1',
          learnerId: 'a',
          start: '2026-11-02T08:00:00Z',
          durationMs: 30 * MIN,
          activeSeconds: 1200,
          topics: ['algebra', 'fractions'],
        }),
        session({
          tenantId: 't1',
          learnerId: 'a',
          start: '2026-11-02T14:00:00Z',
          durationMs: 10 * MIN,
          activeSeconds: 500,
          topics: ['algebra'],
        }),
        session({
          tenantId: 't2',
          learnerId: 'd',
          start: '2026-11-02T10:00:00Z',
          durationMs: 40 * MIN,
          activeSeconds: 100,
          topics: ['algebra'],
        }),
      ]),
    );
    sink.write(
      stamp('sessions', 1, [
        session({
          tenantId: 't1',
          learnerId: 'b',
          start: '2026-11-02T09:00:00Z',
          durationMs: 50 * MIN,
          activeSeconds: 2400,
          topics: ['geometry'],
        }),
        // Starts 23:30 and runs past midnight: it counts on its start day.
        session({
          tenantId: 't1',
          learnerId: 'c',
          start: '2026-11-02T23:30:00Z',
          durationMs: 60 * MIN,
          activeSeconds: 3000,
        }),
        session({
          tenantId: 't1',
          learnerId: 'b',
          start: '2026-11-03T07:00:00Z',
          durationMs: 20 * MIN,
          activeSeconds: 900,
          topics: ['algebra'],
        }),
      ]),
    );
    sink.write(
      stamp('weekly_active', 0, [
        weekly({
          tenantId: 't1',
          weekStart: '2026-11-02',
          active: 3,
          new: 1,
          returning: 2,
          churned: 1,
          sessions: 5,
          learningMinutes: 100.5,
        }),
        weekly({ tenantId: 't2', weekStart: '2026-11-02', active: 7, sessions: 9 }),
      ]),
    );
    sink.write(
      stamp('weekly_active', 1, [
        weekly({
          tenantId: 't1',
          weekStart: '2026-11-02',
          active: 2,
          returning: 1,
          reactivated: 1,
          sessions: 3,
          learningMinutes: 40.25,
        }),
      ]),
    );
    const d = '2026-11-02';
    sink.write(
      stamp('mastery', 2, [
        mastery({ tenantId: 't1', learnerId: 'm1', topicId: 'algebra', day: d, masteryScore: 0.1, pKnown: 0.2 }),
        mastery({ tenantId: 't1', learnerId: 'm2', topicId: 'algebra', day: d, masteryScore: 0.2, pKnown: 0.4 }),
        mastery({ tenantId: 't1', learnerId: 'm3', topicId: 'algebra', day: d, masteryScore: 0.5, pKnown: 0.6 }),
        mastery({ tenantId: 't1', learnerId: 'm4', topicId: 'algebra', day: d, masteryScore: 0.65, pKnown: 0.6 }),
        mastery({ tenantId: 't1', learnerId: 'm5', topicId: 'algebra', day: d, masteryScore: 0.95, pKnown: 0.9 }),
        mastery({ tenantId: 't1', learnerId: 'm6', topicId: 'algebra', day: d, masteryScore: 0.85, pKnown: 0.9 }),
        mastery({ tenantId: 't1', learnerId: 'm1', topicId: 'fractions', day: d, masteryScore: 0.8, pKnown: 0.7 }),
      ]),
    );
    await sink.flush();

    // Daily sessions, t1 on 11-02: durations 10, 30, 50, 60 min = 600k, 1.8M, 3.0M, 3.6M ms.
    // quantile interpolates at position q·(n−1) of the sorted values:
    //   p50 → 1.5 → 1.8M + 0.5·1.2M = 2.4M;  p90 → 2.7 → 3.0M + 0.7·0.6M = 3.42M;  p99 → 2.97 → 3.582M.
    // Sum 9.0M ms = 2.5 h; active 1200 + 500 + 2400 + 3000 = 7100 s; learners a, b, c = 3.
    // On 11-03: one 20-min session of b: 1.2M ms = 1/3 h, active 900.
    const daily = await readDailySessions(store, 't1', '2026-11-01', '2026-11-30');
    expect(daily).toHaveLength(2);
    expect(daily[0]).toMatchObject({
      tenantId: 't1',
      day: '2026-11-02',
      sessions: 4,
      learners: 3,
      durationMsSum: 9_000_000,
    });
    expect(daily[0]?.durationP50Ms).toBeCloseTo(2_400_000, 3);
    expect(daily[0]?.durationP90Ms).toBeCloseTo(3_420_000, 3);
    expect(daily[0]?.durationP99Ms).toBeCloseTo(3_582_000, 3);
    expect(daily[0]?.learningHours).toBeCloseTo(2.5, 9);
    expect(daily[0]?.activeSecondsSum).toBe(7100);
    expect(daily[1]).toMatchObject({
      day: '2026-11-03',
      sessions: 1,
      learners: 1,
      durationMsSum: 1_200_000,
      activeSecondsSum: 900,
    });
    expect(daily[1]?.durationP50Ms).toBeCloseTo(1_200_000, 3);
    expect(daily[1]?.learningHours).toBeCloseTo(1 / 3, 9);

    const t2 = await readDailySessions(store, 't2', '2026-11-02', '2026-11-02');
    expect(t2).toMatchObject([{ day: '2026-11-02', sessions: 1, learners: 1, durationMsSum: 2_400_000 }]);

    // Topic popularity, t1: 11-02 algebra in a's two sessions; fractions and geometry once; 11-03 algebra once (b).
    expect(await readTopicPopularity(store, 't1', '2026-11-02', '2026-11-03')).toEqual([
      { tenantId: 't1', topicId: 'algebra', day: '2026-11-02', sessions: 2, learners: 1 },
      { tenantId: 't1', topicId: 'fractions', day: '2026-11-02', sessions: 1, learners: 1 },
      { tenantId: 't1', topicId: 'geometry', day: '2026-11-02', sessions: 1, learners: 1 },
      { tenantId: 't1', topicId: 'algebra', day: '2026-11-03', sessions: 1, learners: 1 },
    ]);

    // Weekly active, t1 week of 2026-11-02: partition 0 + partition 1 partials summed.
    const weeks = await readWeeklyActive(store, 't1', '2026-10-26', '2026-11-09');
    expect(weeks).toHaveLength(1);
    expect(weeks[0]).toMatchObject({
      tenantId: 't1',
      weekStart: '2026-11-02',
      isoWeek: '2026-W45',
      active: 5,
      new: 1,
      returning: 3,
      reactivated: 1,
      churned: 1,
      sessions: 8,
      partials: 2,
    });
    expect(weeks[0]?.learningMinutes).toBeCloseTo(140.75, 9);

    // Topic mastery, t1 11-02. algebra scores 0.1, 0.2, 0.5, 0.65, 0.95, 0.85:
    // mean 3.25 / 6; p_known mean (0.2+0.4+0.6+0.6+0.9+0.9)/6 = 0.6;
    // buckets [0,.2):0.1 [.2,.4):0.2 [.4,.6):0.5 [.6,.8):0.65 [.8,1]:0.95,0.85. fractions: one 0.8 → top bucket.
    const topics = await readTopicMastery(store, 't1', d, d);
    expect(topics.map((r) => r.topicId)).toEqual(['algebra', 'fractions']);
    expect(topics[0]).toMatchObject({ snapshots: 6, learners: 6, buckets: [1, 1, 1, 1, 2] });
    expect(topics[0]?.avgMastery).toBeCloseTo(3.25 / 6, 9);
    expect(topics[0]?.avgPKnown).toBeCloseTo(0.6, 9);
    expect(topics[1]).toMatchObject({ snapshots: 1, learners: 1, buckets: [0, 0, 0, 0, 1] });
    expect(await readTopicMastery(store, 't1', d, d, 'fractions')).toHaveLength(1);
    await sink.close();
  });
});

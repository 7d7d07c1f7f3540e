// Comparative analytics through the REST API on both ClickHouse engines: a
// learner's percentiles in their tenant's cohort and the tenant's topic
// difficulty, from hand-made rows (figures worked out by hand below), with
// k-anonymity suppression and the DP levels' noise and budget.
import { beforeAll, expect, it } from 'vitest';
import type { MasterySnapshotResult, StampedResult } from '../../../src/processors/results.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, session, snapshot, stamp, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const at = (iso: string) => Date.parse(iso);
const period = 'from=2026-11-02&to=2026-11-09';

/**
 * Tenant acme, week of 2026-11-02: six learners c-1…c-6 with algebra (newest scores 0.3 … 0.8, accuracies
 * 0.5 … 1.0; c-1 also had 0.9 on an earlier day, which is not the newest); c-1 alone has geometry. Sessions:
 * c-1 … c-6 active 600, 1200, 1200, 1800, 2400, 3000 s; c-1 … c-3 with 4 attempts, 1, 2, 4 correct.
 */
function results(): StampedResult[] {
  const out: StampedResult[] = [];
  const m = (learner: string, day: string, score: number, accuracy: number, topic = 'algebra') =>
    out.push(
      stamp('mastery', 0, { ...snapshot(learner, topic, day, score, score, 'new'), accuracy } as MasterySnapshotResult),
    );
  m('c-1', '2026-11-02', 0.9, 1);
  [0.3, 0.4, 0.5, 0.6, 0.7, 0.8].forEach((score, i) => {
    m(`c-${i + 1}`, '2026-11-04', score, 0.5 + i / 10);
  });
  m('c-1', '2026-11-04', 0.5, 0.5, 'geometry');
  const active = [600, 1200, 1200, 1800, 2400, 3000];
  const correct = [1, 2, 4];
  active.forEach((seconds, i) => {
    const s = session('acme', `c-${i + 1}`, at('2026-11-03T10:00:00Z'), 60, seconds, ['algebra']);
    const attempts =
      i < 3 ? { questionAttempts: 4, questionsCorrect: correct[i]! } : { questionAttempts: 0, questionsCorrect: 0 };
    out.push(stamp('sessions', 0, { ...s, ...attempts }));
  });
  return out;
}

forEachStore('cohort insights', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const get = async (url: string, token: string) => {
    const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store, results());
    api = await startApi(store, testConfig());
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it("percentiles: the learner's place among the cohort's newest values, small cohorts suppressed", async () => {
    const { status, body } = await get(`/v1/learners/c-3/percentiles?${period}`, await tokens.learner('c-3'));
    expect(status).toBe(200);
    // algebra: c-3's 0.5 has 0.3 and 0.4 below, itself tied: (2 + 0.5) / 6 = 41.67.
    expect(body.mastery).toEqual([
      { topicId: 'algebra', masteryScore: 0.5, percentile: 41.67, cohort: 6, suppressed: false },
    ]);
    // Study time: 1,200 s, tied with c-2, above c-1's 600: (1 + 1) / 6 = 33.33.
    expect(body.studyTime).toEqual({ activeHours: 0.33, percentile: 33.33, cohort: 6, suppressed: false });
    // Accuracy among the three with attempts (0.25, 0.5, 1.0): c-3 is the best, (2 + 0.5) / 3 — but 3 < k = 5.
    expect(body.accuracy).toEqual({ accuracy: 1, percentile: null, cohort: null, suppressed: true });
    expect(body.privacy).toMatchObject({ level: 'anonymized', k: 5, noisy: false, epsilonCharged: 0 });

    // c-1: algebra 0.3 is the lowest newest score (its 0.9 was earlier): 0.5 / 6; geometry is c-1's alone.
    const c1 = await get(`/v1/learners/c-1/percentiles?${period}`, await tokens.staff());
    expect(c1.body.mastery).toEqual([
      { topicId: 'algebra', masteryScore: 0.3, percentile: 8.33, cohort: 6, suppressed: false },
      { topicId: 'geometry', masteryScore: 0.5, percentile: null, cohort: null, suppressed: true },
    ]);
    expect((await get(`/v1/learners/c-1/percentiles?${period}`, await tokens.learner('c-2'))).status).toBe(403);
  });

  it('topic difficulty: mean accuracy, difficulty and the share struggling, per topic', async () => {
    const { status, body } = await get(`/v1/tenants/acme/topics/difficulty?${period}`, await tokens.staff());
    expect(status).toBe(200);
    // algebra: accuracies 0.5 … 1.0 → mean 0.75; scores 0.3 … 0.8 → mean 0.55; 0.3 and 0.4 below 0.5: 2 of 6.
    expect(body.topics).toEqual([
      {
        topicId: 'algebra',
        suppressed: false,
        learners: 6,
        avgAccuracy: 0.75,
        difficulty: 0.25,
        avgMasteryScore: 0.55,
        struggling: 2,
        strugglingShare: 0.3333,
      },
      {
        topicId: 'geometry',
        suppressed: true,
        learners: null,
        avgAccuracy: null,
        difficulty: null,
        avgMasteryScore: null,
        struggling: null,
        strugglingShare: null,
      },
    ]);
    expect((await get(`/v1/tenants/acme/topics/difficulty?${period}`, await tokens.staff('globex'))).status).toBe(403);
  });

  it('at a DP level: noisy counts, the budget charged once per distinct query', async () => {
    const url = `/v1/learners/c-4/percentiles?${period}&privacy_level=dp_low`;
    const first = await get(url, await tokens.staff());
    expect(first.status).toBe(200);
    expect(first.body.privacy).toMatchObject({ level: 'dp_low', noisy: true });
    expect(first.body.privacy.epsilonCharged).toBeGreaterThan(0);
    for (const s of [first.body.mastery[0], first.body.studyTime]) {
      if (!s.suppressed) expect(s.percentile).toBeGreaterThanOrEqual(0);
      if (!s.suppressed) expect(s.percentile).toBeLessThanOrEqual(100);
    }
    // The same query again: the same noisy answer, nothing charged.
    const again = await get(url, await tokens.staff());
    expect(again.body.mastery).toEqual(first.body.mastery);
    expect(again.body.privacy.epsilonCharged).toBe(0);
    const difficulty = await get(
      `/v1/tenants/acme/topics/difficulty?${period}&privacy_level=dp_high`,
      await tokens.admin(),
    );
    expect(difficulty.body.privacy).toMatchObject({ level: 'dp_high', noisy: true });
  });
});

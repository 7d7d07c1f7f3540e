// Learner insights through the REST API on both ClickHouse engines: streaks
// and patterns, mastery history with time to mastery, due reviews and the
// summary, from hand-made session and snapshot rows (figures worked out by hand
// below), with the roles and the audit of every learner-level read.
import { beforeAll, expect, it } from 'vitest';
import type { SessionWindowResult, StampedResult } from '../../../src/processors/results.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, snapshot, stamp, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

function session(
  start: string,
  minutes: number,
  activeSeconds: number,
  eventCount: number,
  questionAttempts: number,
  questionsCorrect: number,
  contentInteractions: number,
): SessionWindowResult {
  const startMs = at(start);
  return {
    tenantId: 'acme',
    learnerId: 'p-S1',
    sessionId: `p-S1:${startMs}`,
    startMs,
    endMs: startMs + minutes * MIN,
    durationMs: minutes * MIN,
    activeSeconds,
    eventCount,
    activityCount: eventCount - questionAttempts - contentInteractions,
    questionAttempts,
    questionsCorrect,
    contentInteractions,
    iepUpdates: 0,
    topics: ['algebra'],
  };
}

/** p-S1 of acme: five sessions on 2, 3, 4, 6, 7 November 2026 (a Monday to a Saturday), two topics. */
function results(): StampedResult[] {
  return [
    stamp('sessions', 0, session('2026-11-02T09:00:00Z', 20, 600, 5, 4, 3, 1)),
    stamp('sessions', 0, session('2026-11-03T09:00:00Z', 20, 600, 5, 4, 3, 1)),
    stamp('sessions', 0, session('2026-11-04T09:00:00Z', 20, 600, 5, 4, 2, 1)),
    stamp('sessions', 0, session('2026-11-06T18:00:00Z', 60, 1800, 12, 10, 5, 2)),
    stamp('sessions', 0, session('2026-11-07T18:00:00Z', 10, 300, 3, 2, 2, 0)),
    stamp('mastery', 0, snapshot('p-S1', 'algebra', '2026-11-01', 0.5, 0.4, 'new')),
    stamp('mastery', 0, snapshot('p-S1', 'algebra', '2026-11-03', 0.6, 0.5, 'improving')),
    stamp('mastery', 0, snapshot('p-S1', 'algebra', '2026-11-05', 0.7, 0.6, 'improving')),
    stamp('mastery', 0, snapshot('p-S1', 'geometry', '2026-11-02', 0.82, 0.7, 'new')),
    stamp('mastery', 0, snapshot('p-S1', 'geometry', '2026-11-04', 0.85, 0.75, 'improving')),
  ];
}

forEachStore('learner insights', ({ engine }) => {
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

  it('patterns: streaks as of the period end, and the patterns of its sessions', async () => {
    const { status, body } = await get(
      '/v1/learners/p-S1/patterns?from=2026-11-01&to=2026-11-08',
      await tokens.learner('p-S1'),
    );
    expect(status).toBe(200);
    expect(body.asOf).toBe('2026-11-07');
    // Active 2, 3, 4, 6, 7: longest run 2–4, current run 6–7; 5 active days of the 6 from the 2nd to the 7th.
    expect(body.streaks).toEqual({
      current: 2,
      longest: 3,
      activeDays: 5,
      firstActiveDay: '2026-11-02',
      lastActiveDay: '2026-11-07',
      consistency: 5 / 6,
    });
    // The calendar lists the period's active days; the streaks count from the first session ever.
    expect(body.calendar).toEqual(['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-06', '2026-11-07']);
    const later = await get('/v1/learners/p-S1/patterns?from=2026-11-04&to=2026-11-08', await tokens.staff());
    expect(later.body.calendar).toEqual(['2026-11-04', '2026-11-06', '2026-11-07']);
    expect(later.body.streaks).toMatchObject({ longest: 3, activeDays: 5, firstActiveDay: '2026-11-02' });
    const p = body.patterns;
    expect(p.reported).toBe(true);
    const cells: number[][] = [];
    for (const [d, row] of (p.activityMatrix as number[][]).entries()) {
      for (const [h, c] of row.entries()) if (c > 0) cells.push([d, h, c]);
    }
    expect(cells).toEqual([
      [0, 9, 1],
      [1, 9, 1],
      [2, 9, 1],
      [4, 18, 1],
      [5, 18, 1],
    ]);
    // 15–30 min: the three 20-minute sessions, 8 of 12 correct — the only group with 3 sessions and 10 attempts.
    expect(p.bestSessionLength).toEqual({
      fromMinutes: 15,
      toMinutes: 30,
      sessions: 3,
      questionAttempts: 12,
      accuracy: 8 / 12,
    });
    // 30 events: 24 attempts, 5 content, 1 other; 3,900 active s = 1.0833 h; 130 min = 7,800 s of sessions.
    expect(p.kindPreference).toEqual({ questions: 0.8, content: 5 / 30, otherActivity: 1 / 30 });
    expect(p.questionsPerHour).toBeCloseTo((24 * 3600) / 3900, 10);
    expect(p.materialsPerHour).toBeCloseTo((5 * 3600) / 3900, 10);
    expect(p.studyEfficiency).toBe(0.5);
    // Four sessions are below the minimum: the streaks stay, the patterns go.
    const few = await get('/v1/learners/p-S1/patterns?from=2026-11-01&to=2026-11-07', await tokens.staff());
    expect(few.body.streaks).toMatchObject({ current: 1, longest: 3, activeDays: 4 });
    expect(few.body.patterns).toMatchObject({ sessions: 4, reported: false, activityMatrix: null });
  });

  it('mastery history: the series per topic and when each reaches 0.8', async () => {
    const { status, body } = await get(
      '/v1/learners/p-S1/mastery/history?from=2026-10-01&to=2026-11-30',
      await tokens.parent(['p-S1']),
    );
    expect(status).toBe(200);
    expect(body.topics.map((t: { topicId: string }) => t.topicId)).toEqual(['algebra', 'geometry']);
    const [algebra, geometry] = body.topics;
    expect(algebra.points.map((x: { day: string; masteryScore: number }) => [x.day, x.masteryScore])).toEqual([
      ['2026-11-01', 0.5],
      ['2026-11-03', 0.6],
      ['2026-11-05', 0.7],
    ]);
    // 0.05 a day through (11-03, 0.6), no residuals: 0.8 four days after the 3rd.
    expect(algebra.projection).toEqual({
      status: 'projected',
      day: '2026-11-07',
      earliest: '2026-11-07',
      latest: '2026-11-07',
      slopePerDay: expect.closeTo(0.05, 10),
      points: 3,
    });
    expect(geometry.projection).toEqual({ status: 'mastered', since: '2026-11-02' });
    const one = await get(
      '/v1/learners/p-S1/mastery/history?from=2026-10-01&to=2026-11-30&topic=geometry',
      await tokens.admin(),
    );
    expect(one.body.topics.map((t: { topicId: string }) => t.topicId)).toEqual(['geometry']);
  });

  it('reviews: topics whose next review is before the time asked, soonest first', async () => {
    const token = await tokens.staff();
    // Next reviews: noon three days after each topic's newest snapshot — geometry 11-07 12:00, algebra 11-08 12:00.
    const first = await get('/v1/learners/p-S1/reviews?due_before=2026-11-08T00:00:00Z', token);
    expect(first.status).toBe(200);
    expect(first.body.reviews).toEqual([
      {
        topicId: 'geometry',
        nextReviewAt: '2026-11-07T12:00:00.000Z',
        overdueDays: 0.5,
        masteryScore: 0.85,
        retrievalStrength: 0.9,
        snapshotDay: '2026-11-04',
      },
    ]);
    const both = await get('/v1/learners/p-S1/reviews?due_before=2026-11-09', token);
    expect(both.body.reviews.map((r: { topicId: string; overdueDays: number }) => [r.topicId, r.overdueDays])).toEqual([
      ['geometry', 1.5],
      ['algebra', 0.5],
    ]);
  });

  it('summary: the journey in one call, for the learner and a linked parent only', async () => {
    const { status, body } = await get('/v1/learners/p-S1/summary', await tokens.parent(['p-S1']));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      learnerId: 'p-S1',
      tenantId: 'acme',
      firstActivityAt: '2026-11-02T09:00:00.000Z',
      lastActiveDay: '2026-11-07',
      currentStreakDays: 0, // as of today, weeks after the 7th
      longestStreakDays: 3,
      sessions: 5,
      totalHours: 2.17, // 130 min
      activeHours: 1.08, // 3,900 s
      topicsTracked: 2,
      topicsMastered: 1, // geometry at 0.85
    });
    expect(body.latestSessions).toHaveLength(5);
    expect(body.latestSessions[0]).toEqual({
      startedAt: '2026-11-07T18:00:00.000Z',
      durationMinutes: 10,
      activeMinutes: 5,
      questionAttempts: 2,
      questionsCorrect: 2,
      topics: ['algebra'],
    });
    expect((await get('/v1/learners/p-S1/summary', await tokens.parent(['p-L1']))).status).toBe(403);
    expect((await get('/v1/learners/p-S1/summary', await tokens.learner('p-L1'))).status).toBe(403);
    expect((await get('/v1/learners/p-S1/summary', await tokens.staff('globex'))).status).toBe(404);
    expect((await get('/v1/learners/p-S1/reviews', await tokens.producer())).status).toBe(403);
  });

  it('gaps: by priority, from the newest snapshots, the recent failures and the catalog', async () => {
    const token = await tokens.staff();
    // Without a catalog every topic is unknown (weight 0, no prerequisites, 0 h). The fixture's snapshots
    // carry 1 failure in 4 recent attempts: rate 0.25. algebra 0.7: 3·0.3 + 1.5·0.25 = 1.275 (low);
    // geometry 0.85: 3·0.15 + 0.375 = 0.825 (low).
    const before = await get('/v1/learners/p-S1/gaps', token);
    expect(before.status).toBe(200);
    expect(before.body.catalogVersion).toBe(0);
    expect(
      before.body.gaps.map((g: Record<string, unknown>) => [g.topicId, g.priority, g.severity, g.inCatalog, g.name]),
    ).toEqual([
      ['algebra', 1.275, 'low', false, null],
      ['geometry', 0.825, 'low', false, null],
    ]);
    // The catalog: algebra weight 8, 10 h; geometry weight 2, 5 h, with algebra as its prerequisite —
    // so algebra's prerequisite impact is 1 of the 2 topics = 0.5.
    const put = await api.app.inject({
      method: 'PUT',
      url: '/v1/tenants/acme/topics',
      headers: { authorization: `Bearer ${await tokens.admin()}`, 'content-type': 'application/json' },
      payload: {
        topics: [
          { topicId: 'algebra', name: 'Algebra', examWeight: 8, estimatedHours: 10 },
          { topicId: 'geometry', name: 'Geometry', examWeight: 2, estimatedHours: 5, prerequisites: ['algebra'] },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    // algebra: 3·0.3 + 2·0.8 + 0.5 + 1.5·0.25 = 0.9 + 1.6 + 0.5 + 0.375 = 3.375 → high; 10 h × 0.3 = 3 h.
    // geometry: 3·0.15 + 2·0.2 + 0 + 0.375 = 0.45 + 0.4 + 0.375 = 1.225 → low; 5 h × 0.15 = 0.75 h.
    const after = await get('/v1/learners/p-S1/gaps', token);
    expect(after.body.catalogVersion).toBe(1);
    expect(after.body.gaps).toEqual([
      {
        topicId: 'algebra',
        name: 'Algebra',
        severity: 'high',
        priority: 3.375,
        gap: 0.3,
        masteryScore: 0.7,
        recentFailureRate: 0.25,
        recentAttempts: 4,
        examWeight: 8,
        prerequisiteImpact: 0.5,
        estimatedHoursToClose: 3,
        inCatalog: true,
        snapshotDay: '2026-11-05',
      },
      {
        topicId: 'geometry',
        name: 'Geometry',
        severity: 'low',
        priority: 1.225,
        gap: 0.15,
        masteryScore: 0.85,
        recentFailureRate: 0.25,
        recentAttempts: 4,
        examWeight: 2,
        prerequisiteImpact: 0,
        estimatedHoursToClose: 0.75,
        inCatalog: true,
        snapshotDay: '2026-11-04',
      },
    ]);
    const severe = await get('/v1/learners/p-S1/gaps?min_severity=high', token);
    expect(severe.body.gaps.map((g: { topicId: string }) => g.topicId)).toEqual(['algebra']);
  });

  it('audits every read before the data leaves', async () => {
    await get('/v1/learners/p-S1/summary', await tokens.learner('p-S1'));
    const actions = await store.query<{ action: string }>(
      "SELECT DISTINCT action FROM audit_log WHERE learner_id = 'p-S1' ORDER BY action",
    );
    expect(actions.map((a) => a.action)).toEqual([
      'read_learner_gaps',
      'read_learner_mastery_history',
      'read_learner_patterns',
      'read_learner_reviews',
      'read_learner_summary',
    ]);
  });
});

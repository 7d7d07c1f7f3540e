// REST API against hand-made results on both ClickHouse engines: exact
// figures (worked out by hand below), k-anonymity, roles, audit, CSV, OpenAPI
// and 4xx (never 500) for bad requests.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, loadIepEvents, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const week45 = 'from=2026-11-02&to=2026-11-09';

forEachStore('REST API', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const get = async (url: string, token?: string) => {
    const res = await api.app.inject({
      method: 'GET',
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.statusCode, body: res.headers['content-type']?.includes('json') ? res.json() : res.body, res };
  };

  beforeAll(async () => {
    // One store for the whole suite (forEachStore's newStore() closes its stores after each test).
    store = await openTestStore(engine);
    await loadFixture(store);
    await loadIepEvents(store);
    api = await startApi(store, testConfig());
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('tenant metrics: the figures worked out by hand', async () => {
    const { status, body } = await get(`/v1/tenants/acme/metrics?${week45}`, await tokens.admin());
    expect(status).toBe(200);
    // Sessions in [11-02, 11-09): L1 30+10 min, L2 20, L3 40, L4 60, L5 15, L6 25 → 7 sessions, 6 learners.
    expect(body.activeLearners).toBe(6);
    expect(body.suppressed).toBe(false);
    expect(body.sessions.count).toBe(7);
    // 200 min in all → 3.33 h; 200/7 = 28.57 min; sorted 10 15 20 25 30 40 60 → median 25.
    expect(body.sessions.totalHours).toBe(3.33);
    expect(body.sessions.avgDurationMinutes).toBe(28.57);
    expect(body.sessions.medianDurationMinutes).toBe(25);
    // Active seconds 1200+600+900+1800+3000+600+1200 = 9300 s = 2.583 h.
    expect(body.learningHours).toBe(2.58);
    // Week before: 6 sessions (L1..L5, L7) → 7 vs 6 = +16.7 % → up.
    expect(body.sessions.previousCount).toBe(6);
    expect(body.sessions.trend).toBe('up');
    // Learners ever seen by 11-09: L1..L7 = 7 → 6/7.
    expect(body.engagementRate).toBe(0.8571);
    // Each day has 2 learners (< k = 5): suppressed.
    expect(body.sessions.dataPoints).toEqual([
      { day: '2026-11-02', suppressed: true, learners: null, sessions: null, learningHours: null },
      { day: '2026-11-03', suppressed: true, learners: null, sessions: null, learningHours: null },
      { day: '2026-11-04', suppressed: true, learners: null, sessions: null, learningHours: null },
    ]);
    // Partials of W45 summed: active 4+2, new 1+0, returning 2+2, reactivated 1, churned 1, sessions 7, minutes 155.
    expect(body.weeklyActivity).toEqual([
      {
        weekStart: '2026-11-02',
        isoWeek: '2026-W45',
        suppressed: false,
        active: 6,
        new: 1,
        returning: 4,
        reactivated: 1,
        churned: 1,
        sessions: 7,
        learningMinutes: 155,
      },
    ]);
    // algebra: L1, L2, L4, L5, L6 (5 learners, sessions 2+1+1+1+1 = 6); geometry: L1, L3 → suppressed.
    expect(body.topTopics).toEqual([
      { topicId: 'algebra', suppressed: false, learners: 5, sessions: 6 },
      { topicId: 'geometry', suppressed: true, learners: null, sessions: null },
    ]);
    // Only L5 had IEP updates: a cohort of 1.
    expect(body.iepSummary).toEqual({
      suppressed: true,
      learnersWithUpdates: null,
      updates: null,
      goals: null,
      avgProgress: null,
      onTrack: null,
    });
    expect(body.privacy).toMatchObject({ level: 'anonymized', k: 5, epsilonCharged: 0, noisy: false });
  });

  it('IEP progress: per goal for the learner; the tenant summary when k allows a cohort of one', async () => {
    const { body } = await get(`/v1/learners/p-L5/metrics?${week45}`, await tokens.admin());
    // read: (16 − 10) / (30 − 10) = 0.3, first measurement (12 − 10) / 20 = 0.1 → on track;
    // math: (4 − 5) / (15 − 5) = −0.1 → not on track.
    expect(body.iep).toEqual({
      updates: 2,
      sessionsWithUpdates: 1,
      goals: [
        {
          goalId: 'g-math',
          category: 'numeracy',
          baseline: 5,
          current: 4,
          target: 15,
          progress: -0.1,
          onTrack: false,
          measuredAt: '2026-11-04T09:00:00.000Z',
          measurements: 1,
        },
        {
          goalId: 'g-read',
          category: 'literacy',
          baseline: 10,
          current: 16,
          target: 30,
          progress: 0.3,
          onTrack: true,
          measuredAt: '2026-11-05T08:00:00.000Z',
          measurements: 2,
        },
      ],
    });
    const k1 = await startApi(store, testConfig({ privacy: { kAnonymity: 1 } }));
    try {
      const res = await k1.app.inject({
        method: 'GET',
        url: `/v1/tenants/acme/metrics?${week45}`,
        headers: { authorization: `Bearer ${await tokens.admin()}` },
      });
      // Mean progress (0.3 − 0.1) / 2 = 0.1; one goal on track; L5's sessions carried 2 IEP updates.
      expect(res.json().iepSummary).toEqual({
        suppressed: false,
        learnersWithUpdates: 1,
        updates: 2,
        goals: 2,
        avgProgress: 0.1,
        onTrack: 1,
      });
    } finally {
      await k1.close();
    }
  });

  it('a cohort of 4 learners is suppressed: null figures with the marker', async () => {
    const { status, body } = await get(`/v1/tenants/globex/metrics?${week45}`, await tokens.admin());
    expect(status).toBe(200);
    expect(body.suppressed).toBe(true);
    expect(body.activeLearners).toBeNull();
    expect(body.sessions.count).toBeNull();
    expect(body.learningHours).toBeNull();
    expect(body.sessions.medianDurationMinutes).toBeNull();
  });

  it('weekly-active: a filled series, newest first on request, and CSV', async () => {
    const { body } = await get('/v1/tenants/acme/weekly-active?weeks=2&to=2026-11-05&order=desc', await tokens.staff());
    expect(body.weeks.map((w: { weekStart: string }) => w.weekStart)).toEqual(['2026-11-02', '2026-10-26']);
    expect(body.weeks[0].active).toBe(6);
    // No partial for W44: zero learners, suppressed.
    expect(body.weeks[1]).toMatchObject({ isoWeek: '2026-W44', suppressed: true, active: null });
    const csv = await get('/v1/tenants/acme/weekly-active?weeks=2&to=2026-11-05&format=csv', await tokens.staff());
    expect(csv.status).toBe(200);
    expect(csv.res.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe(
      'weekStart,isoWeek,suppressed,active,new,returning,reactivated,churned,sessions,learningMinutes\r\n' +
        '2026-10-26,2026-W44,true,,,,,,,\r\n' +
        '2026-11-02,2026-W45,false,6,1,4,1,1,7,155\r\n',
    );
  });

  it('mastery by topic: latest snapshot per learner, paginated', async () => {
    const { status, body } = await get(
      `/v1/tenants/acme/mastery?${week45}&sort=learners&order=desc`,
      await tokens.staff(),
    );
    expect(status).toBe(200);
    // algebra: latest per learner 0.5 (L1's 11-03 beats its 11-02), 0.6, 0.7, 0.8, 0.9 → mean 0.7;
    // p_known 0.4 .. 0.8 → 0.6; trends improving ×2, stable, declining, new.
    expect(body.topics[0]).toEqual({
      topicId: 'algebra',
      suppressed: false,
      learners: 5,
      avgMasteryScore: 0.7,
      avgPKnown: 0.6,
      improving: 2,
      stable: 1,
      declining: 1,
    });
    expect(body.topics[1]).toMatchObject({ topicId: 'geometry', suppressed: true, learners: null });
    expect(body.page).toEqual({ limit: 100, offset: 0, total: 2, nextOffset: null });
    const page1 = await get(`/v1/tenants/acme/mastery?${week45}&limit=1`, await tokens.staff());
    expect(page1.body.topics.map((t: { topicId: string }) => t.topicId)).toEqual(['algebra']);
    expect(page1.body.page).toEqual({ limit: 1, offset: 0, total: 2, nextOffset: 1 });
    const page2 = await get(`/v1/tenants/acme/mastery?${week45}&limit=1&offset=1`, await tokens.staff());
    expect(page2.body.topics.map((t: { topicId: string }) => t.topicId)).toEqual(['geometry']);
    const csv = await get(`/v1/tenants/acme/mastery?${week45}&format=csv&topic=algebra`, await tokens.staff());
    expect(csv.body).toBe(
      'topicId,suppressed,learners,avgMasteryScore,avgPKnown,improving,stable,declining\r\nalgebra,false,5,0.7,0.6,2,1,1\r\n',
    );
  });

  it('learner metrics: own figures, and the read is audited', async () => {
    const token = await tokens.staff();
    const { status, body } = await get(`/v1/learners/p-L1/metrics?${week45}`, token);
    expect(status).toBe(200);
    // L1: sessions of 30 and 10 min (active 1200 + 600 s) on 11-02; one session the week before.
    expect(body.sessions).toMatchObject({
      count: 2,
      avgDurationMinutes: 20,
      medianDurationMinutes: 20,
      totalHours: 0.67,
      activeHours: 0.5,
      previousCount: 1,
      trend: 'up',
      lastSessionAt: '2026-11-02T14:10:00.000Z',
    });
    expect(body.mastery.map((m: { topicId: string; masteryScore: number }) => [m.topicId, m.masteryScore])).toEqual([
      ['algebra', 0.5],
      ['geometry', 0.4],
    ]);
    // Snapshot of 11-03 schedules its next review 3 days after noon.
    expect(body.mastery[0].nextReviewAt).toBe('2026-11-06T12:00:00.000Z');
    expect(body.dataCompleteness).toEqual({
      daysWithData: 1,
      daysInPeriod: 7,
      ratio: 0.1429,
      topicsWithMastery: 2,
      questionAttempts: 2,
    });
    const audit = await store.query<Record<string, unknown>>(
      "SELECT actor, role, tenant_id, learner_id, action FROM audit_log WHERE actor = 'staff-acme'",
    );
    expect(audit).toEqual([
      {
        actor: 'staff-acme',
        role: 'tenant_staff',
        tenant_id: 'acme',
        learner_id: 'p-L1',
        action: 'read_learner_metrics',
      },
    ]);
  });

  describe('roles', () => {
    const cases: [string, () => Promise<string>, string, number][] = [
      ['admin', tokens.admin, '/v1/tenants/globex/metrics', 200],
      ['admin', tokens.admin, '/v1/pipeline/status', 200],
      ['admin', tokens.admin, '/v1/learners/g-1/metrics', 200],
      ['staff', () => tokens.staff(), '/v1/tenants/acme/metrics', 200],
      ['staff', () => tokens.staff(), '/v1/tenants/acme/weekly-active', 200],
      ['staff', () => tokens.staff(), '/v1/tenants/acme/mastery', 200],
      ['staff', () => tokens.staff(), '/v1/learners/p-L3/metrics', 200],
      ['staff', () => tokens.staff(), '/v1/tenants/globex/metrics', 403],
      ['staff', () => tokens.staff(), '/v1/tenants/globex/mastery', 403],
      ['staff', () => tokens.staff(), '/v1/learners/g-1/metrics', 404],
      ['staff', () => tokens.staff(), '/v1/pipeline/status', 403],
      ['learner', () => tokens.learner(), '/v1/learners/p-L1/metrics', 200],
      ['learner', () => tokens.learner(), '/v1/learners/p-L2/metrics', 403],
      ['learner', () => tokens.learner(), '/v1/tenants/acme/metrics', 403],
      ['learner', () => tokens.learner(), '/v1/tenants/acme/weekly-active', 403],
      ['learner', () => tokens.learner(), '/v1/pipeline/status', 403],
      ['parent', () => tokens.parent(), '/v1/learners/p-L2/metrics', 200],
      ['parent', () => tokens.parent(), '/v1/learners/p-L3/metrics', 403],
      ['parent', () => tokens.parent(), '/v1/tenants/acme/mastery', 403],
      ['learner of globex', () => tokens.learner('p-L1', 'globex'), '/v1/learners/p-L1/metrics', 404],
      ['producer', () => tokens.producer(), '/v1/tenants/acme/metrics', 403],
      ['producer', () => tokens.producer(), '/v1/tenants/acme/weekly-active', 403],
      ['producer', () => tokens.producer(), '/v1/learners/p-L1/metrics', 403],
      ['producer', () => tokens.producer(), '/v1/pipeline/status', 403],
    ];
    for (const [role, token, url, expected] of cases) {
      it(`${role} GET ${url} → ${expected}`, async () => {
        const { status, body } = await get(
          `${url}${url.includes('?') ? '&' : '?'}${url.includes('weekly') ? 'to=2026-11-05' : week45}`,
          await token(),
        );
        expect(status).toBe(expected);
        if (expected !== 200) expect(body.code).toMatch(/^LS_API_(FORBIDDEN|NOT_FOUND)$/);
      });
    }

    it('no token or a bad token → 401; the privacy levels are public', async () => {
      expect((await get('/v1/tenants/acme/metrics')).status).toBe(401);
      const bad = await get('/v1/tenants/acme/metrics', 'not.a.jwt');
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('LS_API_UNAUTHENTICATED');
      const levels = await get('/v1/privacy/levels');
      expect(levels.status).toBe(200);
      expect(levels.body.levels.map((l: { level: string; epsilon: number | null }) => [l.level, l.epsilon])).toEqual([
        ['anonymized', null],
        ['dp_low', 2],
        ['dp_medium', 1],
        ['dp_high', 0.5],
      ]);
    });
  });

  describe('bad requests get 4xx with a message, never 500', () => {
    const cases: [string, number, string][] = [
      ['/v1/tenants/nope/metrics', 404, 'LS_API_NOT_FOUND'],
      ['/v1/tenants/bad%20id!/metrics', 400, 'LS_API_BAD_REQUEST'],
      [`/v1/tenants/${'x'.repeat(65)}/metrics`, 400, 'LS_API_BAD_REQUEST'],
      ['/v1/learners/bad%20learner!/metrics', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/learners/p-unknown/metrics', 404, 'LS_API_NOT_FOUND'],
      ['/v1/tenants/acme/metrics?from=2026-11-09&to=2026-11-02', 400, 'LS_API_RANGE_INVALID'],
      ['/v1/tenants/acme/metrics?from=2026-11-02&to=2026-11-02', 400, 'LS_API_RANGE_INVALID'],
      ['/v1/tenants/acme/metrics?from=2020-01-01&to=2026-01-01', 400, 'LS_API_RANGE_TOO_LARGE'],
      ['/v1/tenants/acme/metrics?from=yesterday', 400, 'LS_API_RANGE_INVALID'],
      ['/v1/tenants/acme/metrics?from=1900-01-01&to=1900-02-01', 400, 'LS_API_RANGE_INVALID'],
      ['/v1/tenants/acme/metrics?privacy_level=dp_max', 400, 'LS_API_PRIVACY_LEVEL'],
      ['/v1/tenants/acme/weekly-active?weeks=0', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/tenants/acme/weekly-active?weeks=104&to=1970-06-01', 400, 'LS_API_RANGE_INVALID'],
      ['/v1/tenants/acme/weekly-active?weeks=1000', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/tenants/acme/mastery?limit=-1', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/tenants/acme/mastery?topic=%27%3B%20DROP%20TABLE%20sessions', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/tenants/acme/metrics?format=xml', 400, 'LS_API_BAD_REQUEST'],
      ['/v1/nothing-here', 404, 'LS_API_NOT_FOUND'],
    ];
    for (const [url, status, code] of cases) {
      it(`${url} → ${status} ${code}`, async () => {
        const res = await get(url, await tokens.admin());
        expect(res.status).toBe(status);
        expect(res.body.code).toBe(code);
        expect(res.body.message).toEqual(expect.any(String));
      });
    }
  });

  it('serves OpenAPI 3 JSON and the UI at /docs', async () => {
    const json = await get('/docs/json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tenants/{tenantId}/metrics',
        '/v1/tenants/{tenantId}/weekly-active',
        '/v1/tenants/{tenantId}/mastery',
        '/v1/learners/{learnerId}/metrics',
        '/v1/privacy/levels',
        '/v1/pipeline/status',
      ]),
    );
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});

// The drop-in API (/api/v1) against hand-made results on both ClickHouse
// engines. The shape checks below are written from the service's JSON alone
// (field names and JSON types), not from learnstream's zod schemas: a client
// that only knows that JSON must work. Expected values are worked out by hand
// from the fixture (fixtures.ts; the week of Monday 2026-11-02).
import { beforeAll, expect, it } from 'vitest';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { readDailySessions, readTopicMastery, readTopicPopularity, readWeeklyActive } from '../../../src/views/read.js';
import { rawEventRow } from '../../../src/views/rows.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, loadIepEvents, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const week45 = 'start_date=2026-11-02&end_date=2026-11-08';

// ---- The service's JSON, as a client knows it -------------------------------------------------
type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';
type Shape = Kind | Kind[] | { [field: string]: Shape } | [Shape];

/** Every field present, no other field missing, each of one of its JSON types. */
function checkShape(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof shape === 'string') return checkShape(value, [shape], path);
  if (Array.isArray(shape) && shape.length === 1 && typeof shape[0] !== 'string') {
    if (!Array.isArray(value)) return [`${path}: expected an array`];
    return value.flatMap((v, i) => checkShape(v, shape[0] as Shape, `${path}[${i}]`));
  }
  if (Array.isArray(shape)) {
    const kinds = shape as Kind[];
    const kind: Kind =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'array'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'integer'
              : 'number'
            : (typeof value as Kind);
    const ok = kinds.includes(kind) || (kind === 'integer' && kinds.includes('number'));
    return ok ? [] : [`${path}: ${JSON.stringify(value)} is not ${kinds.join(' | ')}`];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object`];
  const out: string[] = [];
  for (const [field, s] of Object.entries(shape)) {
    if (!(field in value)) out.push(`${path}.${field}: missing`);
    else out.push(...checkShape((value as Record<string, unknown>)[field], s, `${path}.${field}`));
  }
  return out;
}

const date = 'string';
const sessionMetricsShape: Shape = {
  total_sessions: ['integer', 'null'],
  avg_duration_minutes: ['number', 'null'],
  median_duration_minutes: ['number', 'null'],
  total_hours: ['number', 'null'],
  trend_direction: 'string',
  privacy_level: 'string',
  data_points: 'integer',
};
const subjectShape: Shape = {
  subject_id: 'string',
  subject_category: ['string', 'null'],
  current_mastery: ['number', 'null'],
  mastery_improvement: ['number', 'null'],
  assessments_completed: ['integer', 'null'],
  time_to_mastery_hours: ['number', 'null'],
  privacy_level: 'string',
  aggregation_level: 'string',
};
const tenantShape: Shape = {
  tenant_id: 'string',
  reporting_period_start: date,
  reporting_period_end: date,
  total_active_learners: ['integer', 'null'],
  total_learning_hours: ['number', 'null'],
  average_engagement_rate: ['number', 'null'],
  session_metrics: sessionMetricsShape,
  weekly_activity: [
    {
      week_start: date,
      active_learners: ['integer', 'null'],
      new_learners: ['integer', 'null'],
      engagement_rate: ['number', 'null'],
      avg_sessions_per_learner: ['number', 'null'],
      avg_time_per_learner: ['number', 'null'],
      demographics: 'object',
      privacy_level: 'string',
    },
  ],
  top_subjects: [subjectShape],
  iep_progress_summary: ['object', 'null'],
  privacy_level: 'string',
  last_updated: 'string',
};
const learnerShape: Shape = {
  learner_id_hash: 'string',
  reporting_period_start: date,
  reporting_period_end: date,
  session_metrics: sessionMetricsShape,
  subject_progress: [subjectShape],
  iep_progress: ['array', 'null'],
  privacy_level: 'string',
  minimum_cohort_size: 'integer',
  differential_privacy_epsilon: ['number', 'null'],
  last_updated: 'string',
  data_completeness: 'number',
};
const iepShape: Shape = {
  goal_category: 'string',
  baseline_score: 'number',
  current_score: 'number',
  target_score: 'number',
  progress_percentage: 'number',
  is_on_track: 'boolean',
  days_since_baseline: 'integer',
  projected_completion: ['integer', 'null'],
  support_level: ['string', 'null'],
  interventions_used: ['integer', 'null'],
  privacy_level: 'string',
};
const jobShape: Shape = {
  job_id: 'string',
  job_name: 'string',
  status: 'string',
  started_at: 'string',
  completed_at: ['string', 'null'],
  records_processed: 'integer',
  records_created: 'integer',
  processing_time_seconds: ['number', 'null'],
  privacy_level: 'string',
  epsilon_used: ['number', 'null'],
  error_message: ['string', 'null'],
};
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** IEP goal measurements of L1..L4 (g-read, baseline 10, target 30), beside L5's two goals from loadIepEvents. */
async function loadMoreIep(store: ClickHouseStore): Promise<void> {
  const at = Date.parse('2026-11-05T10:00:00Z');
  const rows = [
    ['p-L1', 20],
    ['p-L2', 10],
    ['p-L3', 25],
    ['p-L4', 30],
  ].map(([learner, current], i) =>
    rawEventRow(
      {
        eventId: `00000000-0000-4000-8000-0000000001${i}0`,
        tenantId: 'acme',
        learnerId: learner as string,
        occurredAt: at,
        receivedAt: at,
        source: 'iep-app',
        schemaVersion: 2,
        body: {
          kind: 'iep_goal_progress',
          goalId: 'g-read',
          category: 'literacy',
          baseline: 10,
          current: current as number,
          target: 30,
          measuredAt: at,
        },
      },
      3,
      10 + i,
    ),
  );
  await store.insert('raw_events', rows);
}

forEachStore('drop-in API', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const call = async (method: 'GET' | 'POST', url: string, token?: string) => {
    const res = await api.app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, body: res.json() };
  };
  const get = (url: string, token?: string) => call('GET', url, token);

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store);
    await loadIepEvents(store);
    await loadMoreIep(store);
    api = await startApi(store, testConfig({ privacy: { budgetEpsilon: 10 } }));
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('tenant metrics: every documented field, and the figures worked out by hand', async () => {
    const before = Date.now();
    const { status, body } = await get(`/api/v1/metrics/tenant/acme?${week45}`, await tokens.admin());
    expect(status).toBe(200);
    expect(checkShape(body, tenantShape)).toEqual([]);
    expect(Date.parse(body.last_updated)).toBeGreaterThanOrEqual(before - 1);
    expect(body.last_updated).toMatch(isoInstant);
    const { last_updated: _at, ...rest } = body;
    expect(rest).toEqual({
      tenant_id: 'acme',
      reporting_period_start: '2026-11-02',
      reporting_period_end: '2026-11-08',
      // L1..L6 started sessions in the week.
      total_active_learners: 6,
      // Active seconds 1200+600+900+1800+3000+600+1200 = 9300 s = 2.58 h.
      total_learning_hours: 2.58,
      // 6 of the 7 learners seen by 11-09 (L7 only the week before).
      average_engagement_rate: 0.8571,
      session_metrics: {
        // 30+10+20+40+60+15+25 = 200 min over 7 sessions; sorted 10 15 20 25 30 40 60.
        total_sessions: 7,
        avg_duration_minutes: 28.57,
        median_duration_minutes: 25,
        total_hours: 3.33,
        // 7 vs 6 the week before: +16.7 %.
        trend_direction: 'up',
        privacy_level: 'anonymized',
        // Sessions on 11-02, 11-03, 11-04.
        data_points: 3,
      },
      weekly_activity: [
        {
          week_start: '2026-11-02',
          // Partials 4 + 2 active, 1 new, 5 + 2 sessions, 100 + 55 minutes; 7 learners known.
          active_learners: 6,
          new_learners: 1,
          engagement_rate: 0.8571,
          avg_sessions_per_learner: 1.17,
          avg_time_per_learner: 25.83,
          demographics: {},
          privacy_level: 'anonymized',
          suppressed: false,
        },
      ],
      top_subjects: [
        // algebra: newest snapshots of L1..L5 in the week 0.5 0.6 0.7 0.8 0.9 → mean 0.7.
        {
          subject_id: 'algebra',
          subject_category: null,
          current_mastery: 0.7,
          mastery_improvement: null,
          assessments_completed: null,
          time_to_mastery_hours: null,
          privacy_level: 'anonymized',
          aggregation_level: 'tenant',
          learners: 5,
          suppressed: false,
        },
        // geometry: L1 only, below k.
        {
          subject_id: 'geometry',
          subject_category: null,
          current_mastery: null,
          mastery_improvement: null,
          assessments_completed: null,
          time_to_mastery_hours: null,
          privacy_level: 'anonymized',
          aggregation_level: 'tenant',
          learners: null,
          suppressed: true,
        },
      ],
      // Goals: L5 read 0.3 (on track: 0.1 → 0.3), L5 math −0.1, L1 0.5, L2 0, L3 0.75, L4 1.0 → 6 goals of
      // 5 learners, 4 on track, mean progress 2.45 / 6.
      iep_progress_summary: {
        total_iep_learners: 5,
        total_goals: 6,
        on_track_goals: 4,
        on_track_percentage: 0.6667,
        average_progress_percentage: 0.4083,
      },
      privacy_level: 'anonymized',
      suppressed: false,
    });
  });

  it('tenant metrics under DP: the same noisy figures as the /v1 routes, charged once', async () => {
    const staff = await tokens.staff('acme');
    const q = `${week45}&privacy_level=dp_medium`;
    const first = await get(`/api/v1/metrics/tenant/acme?${q}`, staff);
    expect(first.status).toBe(200);
    expect(checkShape(first.body, tenantShape)).toEqual([]);
    const budget1 = await get('/v1/tenants/acme/privacy/budget', staff);
    const v1 = await get(`/v1/tenants/acme/metrics?from=2026-11-02&to=2026-11-09&privacy_level=dp_medium`, staff);
    const mastery = await get(
      '/v1/tenants/acme/mastery?from=2026-11-02&to=2026-11-09&privacy_level=dp_medium&limit=500',
      staff,
    );
    const again = await get(`/api/v1/metrics/tenant/acme?${q}`, staff);
    const budget2 = await get('/v1/tenants/acme/privacy/budget', staff);
    // The /v1 twins and the repeat charged nothing: they are the same queries.
    expect(v1.body.privacy.epsilonCharged).toBe(0);
    expect(mastery.body.privacy.epsilonCharged).toBe(0);
    expect(budget2.body).toEqual(budget1.body);
    const { last_updated: _a, ...a } = first.body;
    const { last_updated: _b, ...b } = again.body;
    expect(b).toEqual(a);
    expect(a.total_active_learners).toBe(v1.body.activeLearners);
    expect(a.total_learning_hours).toBe(v1.body.learningHours);
    expect(a.session_metrics.total_sessions).toBe(v1.body.sessions.count);
    expect(a.session_metrics.median_duration_minutes).toBeNull();
    expect(a.weekly_activity[0].avg_sessions_per_learner).toBeNull();
    expect(a.iep_progress_summary).toBeNull();
    for (const s of a.top_subjects) {
      const t = mastery.body.topics.find((x: { topicId: string }) => x.topicId === s.subject_id);
      expect([s.learners, s.current_mastery]).toEqual([t.learners, t.avgMasteryScore]);
    }
  });

  it('learner metrics: every documented field and the figures by hand; the read is audited', async () => {
    const { status, body } = await get(`/api/v1/metrics/learner/p-L1?${week45}`, await tokens.learner('p-L1'));
    expect(status).toBe(200);
    expect(checkShape(body, learnerShape)).toEqual([]);
    for (const g of body.iep_progress) expect(checkShape(g, iepShape)).toEqual([]);
    const { last_updated: _at, ...rest } = body;
    expect(rest).toEqual({
      learner_id_hash: 'p-L1',
      reporting_period_start: '2026-11-02',
      reporting_period_end: '2026-11-08',
      session_metrics: {
        // L1: 30 and 10 min on 11-02; one session (10-27) the week before.
        total_sessions: 2,
        avg_duration_minutes: 20,
        median_duration_minutes: 20,
        total_hours: 0.67,
        trend_direction: 'up',
        privacy_level: 'anonymized',
        data_points: 1,
      },
      subject_progress: [
        {
          subject_id: 'algebra',
          subject_category: null,
          current_mastery: 0.5,
          mastery_improvement: 0.1,
          assessments_completed: 4,
          time_to_mastery_hours: null,
          privacy_level: 'anonymized',
          aggregation_level: 'individual',
          p_known: 0.4,
          next_review_at: '2026-11-06T12:00:00.000Z',
        },
        {
          subject_id: 'geometry',
          subject_category: null,
          current_mastery: 0.4,
          mastery_improvement: 0.1,
          assessments_completed: 4,
          time_to_mastery_hours: null,
          privacy_level: 'anonymized',
          aggregation_level: 'individual',
          p_known: 0.3,
          next_review_at: '2026-11-06T12:00:00.000Z',
        },
      ],
      iep_progress: [
        {
          goal_id: 'g-read',
          goal_category: 'literacy',
          baseline_score: 10,
          current_score: 20,
          target_score: 30,
          progress_percentage: 0.5,
          is_on_track: true,
          days_since_baseline: 0,
          projected_completion: null,
          support_level: null,
          interventions_used: null,
          privacy_level: 'anonymized',
        },
      ],
      privacy_level: 'anonymized',
      minimum_cohort_size: 5,
      differential_privacy_epsilon: null,
      // 1 day with a session of 7.
      data_completeness: 0.1429,
    });
    const audit = await store.query<{ resource: string; role: string }>(
      `SELECT resource, role FROM audit_log WHERE learner_id = 'p-L1' AND resource LIKE '/api/v1/%'`,
    );
    expect(audit).toEqual([
      { resource: '/api/v1/metrics/learner/p-L1?start_date=2026-11-02&end_date=2026-11-08', role: 'learner' },
    ]);
  });

  it("learner metrics: an IEP goal's days since its first measurement; no IEP data is null", async () => {
    const admin = await tokens.admin();
    const l5 = await get(`/api/v1/metrics/learner/p-L5?${week45}&privacy_level=dp_high`, admin);
    expect(l5.status).toBe(200);
    // g-math measured once (4 of baseline 5, target 15); g-read 11-04 08:00 (12) and 11-05 08:00 (16).
    expect(
      l5.body.iep_progress.map((g: Record<string, unknown>) => [
        g.goal_id,
        g.progress_percentage,
        g.is_on_track,
        g.days_since_baseline,
      ]),
    ).toEqual([
      ['g-math', -0.1, false, 0],
      ['g-read', 0.3, true, 1],
    ]);
    expect(l5.body.privacy_level).toBe('dp_high');
    expect(l5.body.differential_privacy_epsilon).toBeNull();
    const l6 = await get(`/api/v1/metrics/learner/p-L6?${week45}`, admin);
    expect(l6.body.iep_progress).toBeNull();
    expect(l6.body.subject_progress).toEqual([]);
  });

  it('privacy levels and health', async () => {
    const levels = await get('/api/v1/privacy/levels');
    expect(levels.status).toBe(200);
    expect(
      levels.body.privacy_levels.map((l: { level: string; epsilon: number | null }) => [l.level, l.epsilon]),
    ).toEqual([
      ['anonymized', null],
      ['dp_low', 2],
      ['dp_medium', 1],
      ['dp_high', 0.5],
    ]);
    for (const l of levels.body.privacy_levels) {
      expect(checkShape(l, { level: 'string', description: 'string', suitable_for: 'string' })).toEqual([]);
    }
    expect(levels.body.minimum_cohort_size).toBe(5);
    expect(levels.body.delta).toBe(1e-5);
    const health = await get('/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      status: 'healthy',
      service: 'learnstream',
      version: '0.1.0',
      checks: { store: 'ok' },
    });
  });

  it('ETL trigger: the rebuilt rollups equal the streamed ones, even after damage; the job is recorded', async () => {
    const reads = async (tenant: string) => ({
      daily: await readDailySessions(store, tenant, '2026-10-01', '2026-11-30'),
      weekly: await readWeeklyActive(store, tenant, '2026-09-28', '2026-11-30'),
      mastery: await readTopicMastery(store, tenant, '2026-10-01', '2026-11-30'),
      popularity: await readTopicPopularity(store, tenant, '2026-10-01', '2026-11-30'),
    });
    const acme = await reads('acme');
    const globex = await reads('globex');
    expect(acme.daily.map((d) => [d.day, d.sessions])).toEqual([
      ['2026-10-27', 6],
      ['2026-11-02', 3],
      ['2026-11-03', 2],
      ['2026-11-04', 2],
    ]);
    const admin = await tokens.admin();
    const range = 'start_date=2026-10-01&end_date=2026-11-30';
    const first = await call('POST', `/api/v1/etl/trigger/acme?${range}`, admin);
    expect(first.status).toBe(200);
    expect(checkShape(first.body.job, jobShape)).toEqual([]);
    expect(first.body.job).toMatchObject({
      job_name: 'rematerialise_rollups',
      tenant_id: 'acme',
      status: 'completed',
      // 13 sessions + 7 snapshots + 2 weekly partials.
      records_processed: 22,
      // Rows per (key, partition): daily sessions 8, topic popularity 9, topic mastery 4, weekly 2.
      records_created: 23,
      start_date: '2026-10-01',
      end_date: '2026-11-30',
      days_skipped: 0,
      error_message: null,
      privacy_level: 'anonymized',
      epsilon_used: null,
    });
    expect(first.body.job_ids).toEqual([first.body.job.job_id]);
    expect(await reads('acme')).toEqual(acme);
    // Damage acme's rollups (a lost day, a doubled week), rebuild: back to the streamed values.
    await store.command(
      `ALTER TABLE tenant_daily_sessions DELETE WHERE tenant_id = 'acme' AND day = toDate('2026-11-03')`,
    );
    await store.command(
      `INSERT INTO tenant_weekly_active (tenant_id, week_start, iso_week, active, new, returning, reactivated, churned, sessions, learning_minutes, partials) VALUES ('acme', toDate('2026-11-02'), '2026-W45', 4, 1, 2, 1, 1, 5, 100, 1)`,
    );
    const { waitForMutations } = await import('../../../src/views/retention.js');
    await waitForMutations(store);
    expect(await reads('acme')).not.toEqual(acme);
    const second = await call('POST', `/api/v1/etl/trigger/acme?${range}`, admin);
    expect(second.body.job.status).toBe('completed');
    expect(await reads('acme')).toEqual(acme);
    expect(await reads('globex')).toEqual(globex);
    // The history, newest first, filtered by status.
    const jobs = await get('/api/v1/etl/jobs?limit=10&status_filter=completed', admin);
    expect(jobs.status).toBe(200);
    for (const j of jobs.body) expect(checkShape(j, jobShape)).toEqual([]);
    expect(jobs.body.map((j: { job_id: string }) => j.job_id).slice(0, 2)).toEqual([
      second.body.job.job_id,
      first.body.job.job_id,
    ]);
    expect((await get('/api/v1/etl/jobs?status_filter=failed', admin)).body).toEqual([]);
    expect((await get('/api/v1/etl/jobs?limit=1', admin)).body).toHaveLength(1);
  });

  it("roles: staff of one tenant reach no other tenant's data through any drop-in route", async () => {
    const globex = await tokens.staff('globex');
    expect((await get(`/api/v1/metrics/tenant/acme?${week45}`, globex)).status).toBe(403);
    expect((await get(`/api/v1/metrics/tenant/acme?${week45}&privacy_level=dp_low`, globex)).status).toBe(403);
    // A learner of another tenant does not exist for them.
    expect((await get(`/api/v1/metrics/learner/p-L1?${week45}`, globex)).status).toBe(404);
    expect((await get(`/api/v1/metrics/learner/p-L1?${week45}&tenant_id=acme`, globex)).status).toBe(404);
    expect((await call('POST', '/api/v1/etl/trigger/acme', globex)).status).toBe(403);
    expect((await get('/api/v1/etl/jobs', globex)).status).toBe(403);
    // Own tenant: the aggregates yes, the rebuild no (admins only).
    expect((await get(`/api/v1/metrics/tenant/globex?${week45}`, globex)).status).toBe(200);
    expect((await call('POST', '/api/v1/etl/trigger/globex', globex)).status).toBe(403);
    // Learners read only themselves; producers read nothing; no token, 401.
    expect((await get(`/api/v1/metrics/learner/p-L2?${week45}`, await tokens.learner('p-L1'))).status).toBe(403);
    expect((await get(`/api/v1/metrics/tenant/acme?${week45}`, await tokens.producer('acme'))).status).toBe(403);
    expect((await get(`/api/v1/metrics/tenant/acme?${week45}`)).status).toBe(401);
  });

  it('bad requests are 4xx with the API error body', async () => {
    const admin = await tokens.admin();
    const bad = await get('/api/v1/metrics/tenant/acme?privacy_level=none', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('LS_API_PRIVACY_LEVEL');
    const backwards = await get('/api/v1/metrics/tenant/acme?start_date=2026-11-08&end_date=2026-11-02', admin);
    expect([backwards.status, backwards.body.code]).toEqual([400, 'LS_API_RANGE_INVALID']);
    const notADate = await get('/api/v1/metrics/learner/p-L1?start_date=yesterday', admin);
    expect([notADate.status, notADate.body.code]).toEqual([400, 'LS_API_BAD_REQUEST']);
    const unknown = await call('POST', '/api/v1/etl/trigger/nobody', admin);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'LS_API_NOT_FOUND']);
    const route = await get('/api/v1/nothing-here', admin);
    expect([route.status, route.body.code]).toEqual([404, 'LS_API_NOT_FOUND']);
  });
});

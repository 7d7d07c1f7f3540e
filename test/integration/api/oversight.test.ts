// Oversight routes on both ClickHouse engines: admins page through the audit
// log (filtered, newest first, the read itself audited), and a tenant's staff
// see the DP budget of the current period spent and remaining.
import { beforeAll, expect, it } from 'vitest';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

forEachStore('oversight', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const get = async (url: string, token: string) => {
    const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store);
    api = await startApi(store, testConfig());
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('audit log: what was read, by whom, newest first, for admins only', async () => {
    const staff = await tokens.staff();
    await get('/v1/learners/p-L1/metrics?from=2026-11-02&to=2026-11-09', staff);
    await get('/v1/learners/p-L2/summary', staff);
    const admin = await tokens.admin();
    const { status, body } = await get('/v1/admin/audit?tenant_id=acme&actor=staff-acme', admin);
    expect(status).toBe(200);
    expect(
      body.entries.map((e: Record<string, string>) => [e.actor, e.role, e.tenantId, e.learnerId, e.action]),
    ).toEqual([
      ['staff-acme', 'tenant_staff', 'acme', 'p-L2', 'read_learner_summary'],
      ['staff-acme', 'tenant_staff', 'acme', 'p-L1', 'read_learner_metrics'],
    ]);
    expect(body.entries[1].resource).toBe('/v1/learners/p-L1/metrics?from=2026-11-02&to=2026-11-09');
    expect(body.page).toEqual({ limit: 100, offset: 0, nextOffset: null });
    // A page of one, then the next; filters narrow to the learner.
    const first = await get('/v1/admin/audit?tenant_id=acme&actor=staff-acme&limit=1', admin);
    expect(first.body.entries.map((e: { learnerId: string }) => e.learnerId)).toEqual(['p-L2']);
    expect(first.body.page.nextOffset).toBe(1);
    const second = await get('/v1/admin/audit?tenant_id=acme&actor=staff-acme&limit=1&offset=1', admin);
    expect(second.body.entries.map((e: { learnerId: string }) => e.learnerId)).toEqual(['p-L1']);
    expect(second.body.page.nextOffset).toBeNull();
    // Filtered by learner: this very read (recorded first, naming the learner) and the staff's read.
    const byLearner = await get('/v1/admin/audit?learner_id=p-L1', admin);
    expect(byLearner.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'read_audit_log',
      'read_learner_metrics',
    ]);
    // Reading the log is itself in the log.
    const reads = await get('/v1/admin/audit?action=read_audit_log', admin);
    expect(reads.body.entries.length).toBeGreaterThanOrEqual(4);
    expect((await get('/v1/admin/audit', staff)).status).toBe(403);
    expect((await get('/v1/admin/audit?action=DROP%20TABLE', admin)).status).toBe(400);
  });

  it('privacy budget: spent and remaining epsilon of the current period', async () => {
    const staff = await tokens.staff();
    // The budget is 10 per calendar month (UTC) by default.
    const month = new Date().toISOString().slice(0, 7);
    const before = await get('/v1/tenants/acme/privacy/budget', staff);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      tenantId: 'acme',
      period: month,
      budgetEpsilon: 10,
      spentEpsilon: 0,
      remainingEpsilon: 10,
    });
    // One dp_medium query charges epsilon 1, one dp_low query 2; a repeat is free.
    await get('/v1/tenants/acme/metrics?from=2026-11-02&to=2026-11-09&privacy_level=dp_medium', staff);
    await get('/v1/tenants/acme/mastery?from=2026-11-02&to=2026-11-09&privacy_level=dp_low', staff);
    await get('/v1/tenants/acme/mastery?from=2026-11-02&to=2026-11-09&privacy_level=dp_low', staff);
    const after = await get('/v1/tenants/acme/privacy/budget', staff);
    expect(after.body).toMatchObject({ spentEpsilon: 3, remainingEpsilon: 7 });
    expect((await get('/v1/tenants/acme/privacy/budget', await tokens.staff('globex'))).status).toBe(403);
    expect((await get('/v1/tenants/acme/privacy/budget', await tokens.learner())).status).toBe(403);
  });
});

// Differential privacy through the REST API, budget kept in ClickHouse's
// `privacy_budget_ledger`: a repeated query returns the identical noisy answer
// and costs nothing; new queries are charged their level's epsilon; once the
// period's budget is spent, DP queries are refused with 429 while repeats and
// `anonymized` still work.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

forEachStore('privacy budget', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  let token: string;
  const get = async (url: string) => {
    const res = await api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.json() };
  };
  const ledger = () =>
    store.query<{ n: number; eps: number }>(
      "SELECT count() AS n, sum(epsilon) AS eps FROM privacy_budget_ledger WHERE tenant_id = 'acme'",
    );

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store);
    // Budget 2.5: two dp_medium queries (epsilon 1 each) fit, a third does not.
    api = await startApi(store, testConfig({ privacy: { budgetEpsilon: 2.5 } }));
    token = await tokens.staff();
  });
  afterAll(async () => {
    await api.close();
    await store.close();
  });

  it('repeats are identical and free; new queries are charged; a spent budget refuses with 429', async () => {
    const q1 = '/v1/tenants/acme/metrics?from=2026-11-02&to=2026-11-09&privacy_level=dp_medium';
    const first = await get(q1);
    expect(first.status).toBe(200);
    expect(first.body.privacy).toMatchObject({ level: 'dp_medium', noisy: true, epsilonCharged: 1 });
    // Median duration is not released under DP.
    expect(first.body.sessions.medianDurationMinutes).toBeNull();
    const again = await get(q1);
    expect(again.status).toBe(200);
    expect(again.body.privacy.epsilonCharged).toBe(0);
    const { privacy: _a, ...firstFigures } = first.body;
    const { privacy: _b, ...againFigures } = again.body;
    expect(againFigures).toEqual(firstFigures);
    expect(await ledger()).toEqual([{ n: 1, eps: 1 }]);

    const q2 = '/v1/tenants/acme/weekly-active?weeks=4&to=2026-11-05&privacy_level=dp_medium';
    expect((await get(q2)).body.privacy.epsilonCharged).toBe(1);
    expect(await ledger()).toEqual([{ n: 2, eps: 2 }]);

    const q3 = '/v1/tenants/acme/mastery?from=2026-11-02&to=2026-11-09&privacy_level=dp_medium';
    const refused = await get(q3);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('LS_API_PRIVACY_BUDGET_SPENT');
    expect(refused.body.message).toMatch(/spent 2 of 2.5 epsilon/);
    expect(await ledger()).toEqual([{ n: 2, eps: 2 }]);

    // Repeats stay answerable (no new information), and so does k-anonymity without noise.
    const repeat = await get(q1);
    expect(repeat.status).toBe(200);
    const { privacy: _c, ...repeatFigures } = repeat.body;
    expect(repeatFigures).toEqual(firstFigures);
    expect((await get('/v1/tenants/acme/mastery?from=2026-11-02&to=2026-11-09')).status).toBe(200);
    // Another tenant's budget is its own.
    const globex = await api.app.inject({
      method: 'GET',
      url: '/v1/tenants/globex/metrics?from=2026-11-02&to=2026-11-09&privacy_level=dp_high',
      headers: { authorization: `Bearer ${await tokens.admin()}` },
    });
    expect(globex.statusCode).toBe(200);
    expect(globex.json().privacy.epsilonCharged).toBe(0.5);
  });

  it('the ledger row says who spent what, at which level, in which period', async () => {
    const rows = await store.query<Record<string, unknown>>(
      "SELECT tenant_id, period, privacy_level, epsilon, actor FROM privacy_budget_ledger WHERE tenant_id = 'acme' ORDER BY spent_at_ms LIMIT 1",
    );
    expect(rows).toEqual([
      {
        tenant_id: 'acme',
        period: new Date().toISOString().slice(0, 7),
        privacy_level: 'dp_medium',
        epsilon: 1,
        actor: 'staff-acme',
      },
    ]);
  });
});

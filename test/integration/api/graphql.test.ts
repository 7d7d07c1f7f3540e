// GraphQL (/graphql, mercurius) over the REST API's query layer, on both
// ClickHouse engines with the REST fixture: every answer equals the REST
// route's for the same question; no path reaches another tenant or another
// learner; over-deep and over-costly queries are refused before anything runs;
// introspection only in development; a DP read spends the budget exactly as
// its REST twin (same ledger row, repeats free either way); learner reads are
// audited like REST's.
import { buildSchema, type GraphQLField, type GraphQLObjectType, getNamedType, isObjectType } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/api/auth/tokens.js';
import { graphqlLimits, typeDefs } from '../../../src/api/graphql/index.js';
import { configSchema } from '../../../src/core/config.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { jwtSecret, loadFixture, loadIepEvents, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const schema = buildSchema(typeDefs);
const objectType = (name: string) => schema.getType(name) as GraphQLObjectType;

/** Every field of an answer type, recursively (answer types have no cycles). */
function selectAll(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).map((f) => {
    const named = getNamedType(f.type);
    return isObjectType(named) ? `${f.name} { ${selectAll(named)} }` : f.name;
  });
  return fields.join(' ');
}
/** `field(args) { …every field… }` of Tenant or Learner. */
function fieldQuery(f: GraphQLField<unknown, unknown>, args = ''): string {
  const named = getNamedType(f.type);
  if (!isObjectType(named)) return f.name;
  // Tenant.learner / Learner.tenant lead round the cycle: select their id only.
  const inner = named.name === 'Tenant' || named.name === 'Learner' ? 'id' : selectAll(named);
  return `${f.name}${args} { ${inner} }`;
}
/** REST omits optional fields that GraphQL answers with null: compare without nulls. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null && x !== undefined)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  }
  return v;
}

interface GqlAnswer {
  status: number;
  data: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions: { code: string; status?: number } }[];
}

function client(api: () => TestApi) {
  return {
    async gql(query: string, token?: string, variables?: Record<string, unknown>): Promise<GqlAnswer> {
      const res = await api().app.inject({
        method: 'POST',
        url: '/graphql',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        payload: { query, variables },
      });
      const body = res.json();
      return { status: res.statusCode, data: body.data ?? null, errors: body.errors };
    },
    async rest(url: string, token: string) {
      const res = await api().app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      return { status: res.statusCode, body: res.json() };
    },
  };
}

const P = 'from: "2026-11-02", to: "2026-11-09"';
const p = 'from=2026-11-02&to=2026-11-09';

forEachStore('graphql', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const { gql, rest } = client(() => api);
  const auditRows = () =>
    store.query<{ actor: string; action: string; resource: string; learner_id: string }>(
      'SELECT actor, action, resource, learner_id FROM audit_log ORDER BY at_ms, action, resource',
    );

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store);
    await loadIepEvents(store);
    api = await startApi(store, testConfig());
    return async () => {
      await api.close();
      await store.close();
    };
  });

  // [REST url, GraphQL field under tenant(id: "acme") or learner(id: "p-L1"), answer type]
  const tenantCases: [string, string, string][] = [
    [`/v1/tenants/acme/metrics?${p}&top=3`, `metrics(${P}, top: 3)`, 'TenantMetrics'],
    [`/v1/tenants/acme/metrics?${p}`, `metrics(${P})`, 'TenantMetrics'],
    [
      '/v1/tenants/acme/weekly-active?weeks=4&to=2026-11-05&order=desc',
      'weeklyActive(weeks: 4, to: "2026-11-05", order: desc)',
      'WeeklyActive',
    ],
    [
      `/v1/tenants/acme/mastery?${p}&sort=mastery&order=desc&limit=1&offset=0`,
      `mastery(${P}, sort: mastery, order: desc, limit: 1, offset: 0)`,
      'TenantMastery',
    ],
    [`/v1/tenants/acme/mastery?${p}&topic=algebra`, `mastery(${P}, topic: "algebra")`, 'TenantMastery'],
    [`/v1/tenants/acme/topics/difficulty?${p}`, `topicDifficulty(${P})`, 'TopicDifficulty'],
    ['/v1/tenants/acme/privacy/budget', 'privacyBudget', 'PrivacyBudget'],
  ];
  const learnerCases: [string, string, string][] = [
    [`/v1/learners/p-L5/metrics?${p}`, `metrics(${P})`, 'LearnerMetrics'],
    [
      '/v1/learners/p-L5/patterns?from=2026-10-01&to=2026-11-09',
      'patterns(from: "2026-10-01", to: "2026-11-09")',
      'LearnerPatterns',
    ],
    [
      '/v1/learners/p-L5/mastery/history?from=2026-10-01&to=2026-11-30&topic=algebra',
      'masteryHistory(from: "2026-10-01", to: "2026-11-30", topic: "algebra")',
      'MasteryHistory',
    ],
    ['/v1/learners/p-L5/gaps?min_severity=medium&limit=5', 'gaps(minSeverity: medium, limit: 5)', 'LearnerGaps'],
    ['/v1/learners/p-L5/reviews?due_before=2026-11-09', 'reviews(dueBefore: "2026-11-09")', 'LearnerReviews'],
    ['/v1/learners/p-L5/summary', 'summary', 'LearnerSummary'],
    [`/v1/learners/p-L5/percentiles?${p}`, `percentiles(${P})`, 'LearnerPercentiles'],
  ];

  it('tenant fields answer exactly what the tenant routes answer', async () => {
    const token = await tokens.staff();
    for (const [url, field, type] of tenantCases) {
      const r = await rest(url, token);
      expect(r.status, url).toBe(200);
      const g = await gql(`{ tenant(id: "acme") { id ${field} { ${selectAll(objectType(type))} } } }`, token);
      expect(g.errors, url).toBeUndefined();
      const tenant = g.data!.tenant as Record<string, unknown>;
      expect(tenant.id).toBe('acme');
      const answer = Object.values(tenant)[1];
      expect(withoutNulls(answer), url).toEqual(withoutNulls(r.body));
    }
    // A figure that is null under k-anonymity is null in both (globex has four learners, k = 5).
    const admin = await tokens.admin();
    const small = await gql(`{ tenant(id: "globex") { metrics(${P}) { suppressed activeLearners } } }`, admin);
    expect(small.data).toEqual({ tenant: { metrics: { suppressed: true, activeLearners: null } } });
    const levels = await gql(`{ privacyLevels { ${selectAll(objectType('PrivacyLevels'))} } }`);
    expect(levels.data!.privacyLevels).toEqual((await rest('/v1/privacy/levels', token)).body);
  });

  it('learner fields answer exactly what the learner and insight routes answer, each audited as REST audits it', async () => {
    for (const who of ['staff', 'learner', 'parent', 'admin'] as const) {
      const token =
        who === 'staff'
          ? await tokens.staff()
          : who === 'learner'
            ? await tokens.learner('p-L5')
            : who === 'parent'
              ? await tokens.parent(['p-L5'])
              : await tokens.admin();
      for (const [url, field, type] of learnerCases) {
        const before = (await auditRows()).length;
        const r = await rest(url, token);
        expect(r.status, `${who} ${url}`).toBe(200);
        const restAudit = (await auditRows()).slice(before);
        const g = await gql(`{ learner(id: "p-L5") { ${field} { ${selectAll(objectType(type))} } } }`, token);
        expect(g.errors, `${who} ${url}`).toBeUndefined();
        const gqlAudit = (await auditRows()).slice(before + restAudit.length);
        const answer = Object.values(g.data!.learner as Record<string, unknown>)[0];
        expect(withoutNulls(answer), `${who} ${url}`).toEqual(withoutNulls(r.body));
        // One audit row per read, the same row REST writes (actor, action, resource, learner).
        expect(restAudit).toHaveLength(1);
        expect(gqlAudit).toEqual(restAudit);
        expect(gqlAudit[0]!.learner_id).toBe('p-L5');
      }
    }
    // Through the tenant: the same answer, the tenant passed as REST's tenant_id.
    const admin = await tokens.admin();
    const viaTenant = await gql(
      '{ tenant(id: "acme") { learner(id: "p-L5") { summary { learnerId tenantId sessions } } } }',
      admin,
    );
    const direct = await rest('/v1/learners/p-L5/summary?tenant_id=acme', admin);
    expect(viaTenant.data).toEqual({
      tenant: { learner: { summary: { learnerId: 'p-L5', tenantId: 'acme', sessions: direct.body.sessions } } },
    });
  });

  it('a staff token of acme reaches nothing of globex, through any field', async () => {
    const staff = await tokens.staff('acme');
    const auditBefore = (await auditRows()).length;
    const tenantFields = Object.values(objectType('Tenant').getFields()).filter((f) => f.name !== 'id');
    const learnerFields = Object.values(objectType('Learner').getFields()).filter((f) => f.name !== 'id');
    const argsFor = (f: GraphQLField<unknown, unknown>) => (f.name === 'learner' ? '(id: "g-1")' : '');
    const queries: [string, string][] = [
      ['{ tenant(id: "globex") { id } }', 'LS_API_FORBIDDEN'],
      ['{ learner(id: "g-1") { id } }', 'LS_API_NOT_FOUND'],
      ['{ learner(id: "g-1", tenantId: "globex") { id } }', 'LS_API_NOT_FOUND'],
      ['{ tenant(id: "acme") { learner(id: "g-1") { id } } }', 'LS_API_NOT_FOUND'],
    ];
    for (const f of tenantFields) {
      queries.push([`{ tenant(id: "globex") { ${fieldQuery(f, argsFor(f))} } }`, 'LS_API_FORBIDDEN']);
      // With a DP level too: a refused read must not charge globex's budget.
      if (f.args.some((a) => a.name === 'privacyLevel')) {
        queries.push([`{ tenant(id: "globex") { ${fieldQuery(f, '(privacyLevel: dp_high)')} } }`, 'LS_API_FORBIDDEN']);
      }
    }
    for (const f of learnerFields) {
      queries.push([`{ learner(id: "g-1") { ${fieldQuery(f)} } }`, 'LS_API_NOT_FOUND']);
      queries.push([`{ learner(id: "g-1", tenantId: "globex") { ${fieldQuery(f)} } }`, 'LS_API_NOT_FOUND']);
      queries.push([`{ tenant(id: "acme") { learner(id: "g-1") { ${fieldQuery(f)} } } }`, 'LS_API_NOT_FOUND']);
    }
    expect(queries.length).toBeGreaterThan(25);
    for (const [query, code] of queries) {
      const g = await gql(query, staff);
      expect(g.status, query).toBe(200);
      expect(
        g.errors?.map((e) => e.extensions.code),
        query,
      ).toEqual([code]);
      expect(JSON.stringify(g.data), query).not.toMatch(/globex|g-1|reading/);
    }
    // An acme learner reached with globex named as the tenant stays in acme (the token's tenant wins, as in REST).
    const named = await gql('{ learner(id: "p-L1", tenantId: "globex") { summary { tenantId } } }', staff);
    expect(named.data).toEqual({ learner: { summary: { tenantId: 'acme' } } });
    // Nothing of globex was read: no audit row names its learners, its budget is untouched.
    const audit = (await auditRows()).slice(auditBefore);
    expect(audit.filter((a) => a.learner_id.startsWith('g-'))).toEqual([]);
    expect(await store.query("SELECT count() AS n FROM privacy_budget_ledger WHERE tenant_id = 'globex'")).toEqual([
      { n: 0 },
    ]);
  });

  it('a learner reads only their own data, a parent only linked learners', async () => {
    const learner = await tokens.learner('p-L1');
    for (const f of Object.values(objectType('Learner').getFields()).filter((x) => x.name !== 'id')) {
      const other = await gql(`{ learner(id: "p-L2") { ${fieldQuery(f)} } }`, learner);
      expect(
        other.errors?.map((e) => e.extensions.code),
        f.name,
      ).toEqual(['LS_API_FORBIDDEN']);
      expect(other.data).toEqual({ learner: null });
    }
    expect((await gql('{ tenant(id: "acme") { id } }', learner)).errors?.[0]?.extensions.code).toBe('LS_API_FORBIDDEN');
    // Their own data, but not their tenant's aggregates.
    const own = await gql('{ learner(id: "p-L1") { summary { learnerId } tenant { id } } }', learner);
    expect(own.data).toEqual({ learner: { summary: { learnerId: 'p-L1' }, tenant: null } });
    expect(own.errors?.map((e) => [e.path?.join('.'), e.extensions.code])).toEqual([
      ['learner.tenant', 'LS_API_FORBIDDEN'],
    ]);
    const parent = await tokens.parent(['p-L1']);
    const unlinked = await gql('{ learner(id: "p-L3") { summary { learnerId } } }', parent);
    expect(unlinked.errors?.[0]?.extensions.code).toBe('LS_API_FORBIDDEN');
    // A producer reads nothing; no token, nothing but the public privacy levels.
    const producer = await gql('{ learner(id: "p-L1") { id } }', await tokens.producer());
    expect(producer.errors?.[0]?.extensions.code).toBe('LS_API_FORBIDDEN');
    const anonymous = await gql('{ privacyLevels { k } tenant(id: "acme") { id } }');
    expect(anonymous.data).toEqual({ privacyLevels: { k: 5 }, tenant: null });
    expect(anonymous.errors?.[0]?.extensions.code).toBe('LS_API_UNAUTHENTICATED');
  });

  it('refuses an over-deep query with a clear error, before anything runs', async () => {
    const admin = await tokens.admin();
    const before = (await auditRows()).length;
    // learner → tenant → learner → … : each round trip adds two levels.
    const cycle = (n: number, leaf: string): string =>
      n === 0 ? leaf : `learner(id: "p-L1") { tenant { ${cycle(n - 1, leaf)} } }`;
    const deep = await gql(`{ ${cycle(4, 'id')} }`, admin);
    expect(deep.status).toBe(400);
    expect(deep.data).toBeNull();
    expect(deep.errors).toHaveLength(1);
    expect(deep.errors![0]!.extensions).toMatchObject({
      code: 'LS_API_GRAPHQL_TOO_DEEP',
      maxDepth: graphqlLimits.maxDepth,
    });
    expect(deep.errors![0]!.message).toBe(
      `GraphQL query too deep: depth 9, the limit is ${graphqlLimits.maxDepth}; nest fewer selections`,
    );
    // Fragments count where they are spread.
    const viaFragment = await gql(`{ ...F } fragment F on Query { ${cycle(4, 'id')} }`, admin);
    expect(viaFragment.errors?.[0]?.extensions.code).toBe('LS_API_GRAPHQL_TOO_DEEP');
    expect((await auditRows()).length).toBe(before);
    // The deepest answers without the cycle, and one round trip on top, fit.
    const fits = await gql(
      `{ learner(id: "p-L1") { tenant { learner(id: "p-L1") { patterns { patterns { bestSessionLength { accuracy } } } } } } }`,
      admin,
    );
    expect(fits.errors).toBeUndefined();
  });

  it('refuses an over-costly query with a clear error, before anything runs', async () => {
    const staff = await tokens.staff();
    const ledgerBefore = await store.query('SELECT count() AS n FROM privacy_budget_ledger');
    const aliases = Array.from(
      { length: 12 },
      (_, i) => `m${i}: metrics(${P}, privacyLevel: dp_high, top: ${i + 1}) { tenantId }`,
    ).join(' ');
    const costly = await gql(`{ tenant(id: "acme") { ${aliases} } }`, staff);
    // 12 × (20 + 1) + 20 for tenant = 272 … under 500; twice that is over.
    expect(costly.errors).toBeUndefined();
    const twice = await gql(`{ a: tenant(id: "acme") { ${aliases} } b: tenant(id: "acme") { ${aliases} } }`, staff);
    expect(twice.status).toBe(400);
    expect(twice.data).toBeNull();
    expect(twice.errors?.map((e) => e.extensions)).toEqual([
      { code: 'LS_API_GRAPHQL_TOO_COSTLY', cost: 544, maxCost: graphqlLimits.maxCost, status: 400 },
    ]);
    expect(twice.errors![0]!.message).toMatch(/^GraphQL query too costly: cost 544, the limit is 500/);
    // Fragments are counted at each spread.
    const spread = await gql(
      `{ a: tenant(id: "acme") { ...M } b: tenant(id: "acme") { ...M } } fragment M on Tenant { ${aliases} }`,
      staff,
    );
    expect(spread.errors?.[0]?.extensions.code).toBe('LS_API_GRAPHQL_TOO_COSTLY');
    // The refused queries charged nothing (the first one charged its twelve distinct queries).
    const ledger = await store.query<{ n: number }>('SELECT count() AS n FROM privacy_budget_ledger');
    expect(Number(ledger[0]!.n) - Number((ledgerBefore[0] as { n: number }).n)).toBe(12);
  });

  it('maps errors to the API codes in extensions.code', async () => {
    const staff = await tokens.staff();
    const cases: [string, string][] = [
      [`{ tenant(id: "acme") { metrics(${P}, top: 51) { tenantId } } }`, 'LS_API_BAD_REQUEST'],
      ['{ tenant(id: "acme") { metrics(from: "2026-11-09", to: "2026-11-02") { tenantId } } }', 'LS_API_RANGE_INVALID'],
      [
        '{ tenant(id: "acme") { metrics(from: "2020-01-01", to: "2026-11-02") { tenantId } } }',
        'LS_API_RANGE_TOO_LARGE',
      ],
      ['{ tenant(id: "nobody") { id } }', 'LS_API_FORBIDDEN'],
      ['{ tenant(id: "bad id!") { id } }', 'LS_API_BAD_REQUEST'],
    ];
    for (const [query, code] of cases) {
      const g = await gql(query, staff);
      expect(
        g.errors?.map((e) => e.extensions.code),
        query,
      ).toEqual([code]);
    }
    expect((await gql('{ tenant(id: "nobody") { id } }', await tokens.admin())).errors?.[0]?.extensions.code).toBe(
      'LS_API_NOT_FOUND',
    );
    for (const query of [
      '{ tenant(id: "acme") { nope } }',
      '{ tenant(id: ',
      '{ tenant(id: "acme") { metrics(privacyLevel: dp_huge) { tenantId } } }',
    ]) {
      const g = await gql(query, staff);
      expect(g.status, query).toBe(400);
      expect(g.errors?.[0]?.extensions.code, query).toBe('LS_API_GRAPHQL_INVALID');
    }
    const wrongVariable = await gql(
      'query($w: Int) { tenant(id: "acme") { weeklyActive(weeks: $w) { tenantId } } }',
      staff,
      {
        w: 'many',
      },
    );
    expect(wrongVariable.errors?.[0]?.extensions.code).toBe('LS_API_GRAPHQL_INVALID');
    // A batch (a JSON array of operations) would escape the cost limit: refused.
    const batch = await api.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${staff}` },
      payload: [{ query: '{ privacyLevels { k } }' }, { query: '{ privacyLevels { k } }' }],
    });
    expect(batch.statusCode).toBe(400);
    expect(batch.json().errors[0].extensions.code).toBe('LS_API_GRAPHQL_INVALID');
  });

  it('development: introspection and GraphiQL; the OpenAPI document lists /graphql', async () => {
    const intro = await gql('{ __schema { queryType { name } } }');
    expect(intro.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const page = await api.app.inject({ method: 'GET', url: '/graphiql' });
    expect(page.statusCode).toBe(200);
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths['/graphql'])).toEqual(['post', 'get']);
  });
});

describe('graphql in production', () => {
  let api: TestApi;
  let store: ClickHouseStore;
  const { gql } = client(() => api);

  beforeAll(async () => {
    store = await openTestStore('server');
    await loadFixture(store);
    // Kafka mode (or any non-loopback bind) is production: no introspection, no GraphiQL.
    // Its limits are set lower than the defaults (api.graphqlMaxDepth, api.graphqlMaxCost).
    const config = configSchema.parse({
      ...testConfig(),
      source: { kind: 'kafka' },
      api: { ...testConfig().api, graphqlMaxDepth: 4, graphqlMaxCost: 100 },
    });
    api = await startApi(store, config);
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('refuses introspection and serves no GraphiQL page; queries work', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Tenant") { fields { name } } }']) {
      const g = await gql(query);
      expect(g.status).toBe(400);
      expect(g.data).toBeNull();
      expect(g.errors?.[0]?.extensions.code).toBe('LS_API_GRAPHQL_INTROSPECTION_OFF');
      expect(g.errors?.[0]?.message).toMatch(/^GraphQL introspection is available in development only/);
    }
    expect((await api.app.inject({ method: 'GET', url: '/graphiql' })).statusCode).toBe(404);
    const token = await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' });
    const ok = await gql('{ __typename tenant(id: "acme") { id } }', token);
    expect(ok.data).toEqual({ __typename: 'Query', tenant: { id: 'acme' } });
  });

  it('applies the configured depth and cost limits', async () => {
    const token = await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' });
    // Depth 3 (learner → tenant → id) fits a limit of 4; depth 5 does not.
    const shallow = await gql('{ learner(id: "p-L1") { tenant { id } } }', token);
    expect(shallow.errors).toBeUndefined();
    const deep = await gql('{ learner(id: "p-L1") { tenant { learner(id: "p-L1") { tenant { id } } } } }', token);
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.extensions).toMatchObject({ code: 'LS_API_GRAPHQL_TOO_DEEP', depth: 5, maxDepth: 4 });
    // Tenant reads with an id each cost 21: four (84) fit 100; five (105) do not.
    const reads = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `t${i}: tenant(id: "acme") { id }`).join(' ')} }`;
    const four = await gql(reads(4), token);
    expect(four.errors).toBeUndefined();
    const five = await gql(reads(5), token);
    expect(five.status).toBe(400);
    expect(five.errors?.map((e) => e.extensions)).toEqual([
      { code: 'LS_API_GRAPHQL_TOO_COSTLY', cost: 105, maxCost: 100, status: 400 },
    ]);
  });
});

forEachStore('graphql privacy budget', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const { gql, rest } = client(() => api);
  const ledger = () =>
    store.query<{ query_hash: string; epsilon: number; actor: string; privacy_level: string }>(
      "SELECT query_hash, epsilon, actor, privacy_level FROM privacy_budget_ledger WHERE tenant_id = 'acme' ORDER BY spent_at_ms, query_hash",
    );

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store);
    // Budget 2.5: two dp_medium reads (epsilon 1 each) fit, a third does not.
    api = await startApi(store, testConfig({ privacy: { budgetEpsilon: 2.5 } }));
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('a DP read spends what its REST twin spends, in the same ledger row; a spent budget refuses both', async () => {
    const staff = await tokens.staff();
    const metrics = `{ tenant(id: "acme") { metrics(${P}, privacyLevel: dp_medium) { ${selectAll(objectType('TenantMetrics'))} } } }`;
    const first = await gql(metrics, staff);
    expect(first.errors).toBeUndefined();
    const g = (first.data!.tenant as { metrics: { privacy: { epsilonCharged: number } } }).metrics;
    expect(g.privacy).toMatchObject({ level: 'dp_medium', noisy: true, epsilonCharged: 1 });
    expect(await ledger()).toEqual([
      { query_hash: expect.any(String), epsilon: 1, actor: 'staff-acme', privacy_level: 'dp_medium' },
    ]);
    // REST asks the same: a repeat of the same query — free, and the same noisy figures.
    const r = await rest(`/v1/tenants/acme/metrics?${p}&privacy_level=dp_medium`, staff);
    expect(r.body.privacy.epsilonCharged).toBe(0);
    const { privacy: _r, ...restFigures } = r.body;
    const { privacy: _g, ...gqlFigures } = g as Record<string, unknown>;
    expect(withoutNulls(gqlFigures)).toEqual(withoutNulls(restFigures));
    expect(await ledger()).toHaveLength(1);

    // REST first, then GraphQL: the GraphQL read is the repeat.
    const w = await rest('/v1/tenants/acme/weekly-active?weeks=4&to=2026-11-05&privacy_level=dp_medium', staff);
    expect(w.body.privacy.epsilonCharged).toBe(1);
    const gw = await gql(
      '{ tenant(id: "acme") { weeklyActive(weeks: 4, to: "2026-11-05", privacyLevel: dp_medium) { privacy { epsilonCharged } weeks { weekStart active new } } } }',
      staff,
    );
    const weekly = (gw.data!.tenant as { weeklyActive: { privacy: unknown; weeks: unknown[] } }).weeklyActive;
    expect(weekly.privacy).toEqual({ epsilonCharged: 0 });
    expect(weekly.weeks).toEqual(
      w.body.weeks.map((x: Record<string, unknown>) => ({ weekStart: x.weekStart, active: x.active, new: x.new })),
    );
    const spent = await ledger();
    expect(spent.map((l) => l.epsilon)).toEqual([1, 1]);

    // 2 of 2.5 spent: a third distinct DP read is refused by GraphQL as by REST, nothing charged.
    const refused = await gql(`{ tenant(id: "acme") { mastery(${P}, privacyLevel: dp_medium) { tenantId } } }`, staff);
    expect(refused.data).toEqual({ tenant: { mastery: null } });
    expect(refused.errors?.map((e) => [e.extensions.code, e.extensions.status])).toEqual([
      ['LS_API_PRIVACY_BUDGET_SPENT', 429],
    ]);
    expect(refused.errors![0]!.message).toMatch(/spent 2 of 2.5 epsilon/);
    expect((await rest(`/v1/tenants/acme/mastery?${p}&privacy_level=dp_medium`, staff)).status).toBe(429);
    expect(await ledger()).toEqual(spent);
    const budget = await gql('{ tenant(id: "acme") { privacyBudget { spentEpsilon remainingEpsilon } } }', staff);
    expect(budget.data).toEqual({ tenant: { privacyBudget: { spentEpsilon: 2, remainingEpsilon: 0.5 } } });
  });
});

// The topic catalog routes on both ClickHouse engines: PUT as JSON and CSV,
// versions (a repeat stores nothing), GET of the current and an older
// version, defaults for unknown topics, roles, typed validation errors, size
// limits, the audit row and the OpenAPI document. Expected values by hand.
import { beforeAll, expect, it } from 'vitest';
import { type ClickHouseStore, runMigrations } from '../../../src/views/index.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { startApi, type TestApi, testConfig, tokens } from './fixtures.js';

const jsonCatalog = {
  topics: [
    { topicId: 'math', name: 'Mathematics' },
    {
      topicId: 'algebra',
      name: 'Algebra',
      parentId: 'math',
      examWeight: 8,
      estimatedHours: 12,
      examId: 'sat',
      examSection: 'no-calc',
    },
    {
      topicId: 'equations',
      name: 'Linear equations',
      parentId: 'algebra',
      examWeight: 6,
      prerequisites: ['algebra'],
      estimatedHours: 4.5,
      examId: 'sat',
    },
    { topicId: 'graphs', name: 'Graphs', parentId: 'math', examWeight: 3, prerequisites: ['equations', 'algebra'] },
  ],
};

// Version 2: the same four plus statistics (needs algebra).
const csvCatalog = [
  'topic_id,name,parent_id,exam_weight,prerequisites,estimated_hours,exam_id,exam_section',
  'math,Mathematics,,,,,,',
  'algebra,Algebra,math,8,,12,sat,no-calc',
  'equations,Linear equations,algebra,6,algebra,4.5,sat,',
  'graphs,Graphs,math,3,equations;algebra,,,',
  'statistics,"Statistics, descriptive",math,2,algebra,10,,',
  '',
].join('\r\n');

forEachStore('topic catalog routes', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const call = async (method: 'GET' | 'PUT', url: string, token?: string, body?: unknown, type?: string) => {
    const res = await api.app.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(type ? { 'content-type': type } : {}),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.headers['content-type']?.includes('json') ? res.json() : res.body };
  };
  const putJson = (tenant: string, body: unknown, token: string) =>
    call('PUT', `/v1/tenants/${tenant}/topics`, token, body, 'application/json');
  const putCsv = (tenant: string, body: string, token: string) =>
    call('PUT', `/v1/tenants/${tenant}/topics`, token, body, 'text/csv; charset=utf-8');

  beforeAll(async () => {
    store = await openTestStore(engine);
    await runMigrations(store);
    api = await startApi(store, testConfig({ api: { catalogMaxTopics: 6, catalogMaxBytes: 16 * 1024 } }));
    return async () => {
      await api.close();
      await store.close();
    };
  });

  it('before any upload: version 0, no topics, every topic unknown', async () => {
    expect((await call('GET', '/v1/tenants/acme/topics', await tokens.staff())).body).toEqual({
      tenantId: 'acme',
      version: 0,
      deleted: false,
      digest: '',
      createdAtMs: null,
      topics: [],
    });
    const { status, body } = await call('GET', '/v1/tenants/acme/topics/algebra', await tokens.staff());
    expect(status).toBe(200);
    expect(body).toMatchObject({ tenantId: 'acme', version: 0, topicId: 'algebra', known: false, examWeight: 0 });
  });

  it('PUT JSON: version 1; the same upload again stores nothing; audited', async () => {
    const first = await putJson('acme', jsonCatalog, await tokens.staff());
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ tenantId: 'acme', version: 1, created: true, topics: 4, published: false });
    expect(first.body.digest).toMatch(/^[0-9a-f]{64}$/);
    // Same content in another order: the same catalog.
    const again = await putJson('acme', { topics: [...jsonCatalog.topics].reverse() }, await tokens.admin());
    expect(again.body).toEqual({ ...first.body, created: false });
    const audit = await store.query<{ actor: string; role: string; action: string; resource: string }>(
      "SELECT actor, role, action, resource FROM audit_log WHERE tenant_id = 'acme' ORDER BY at_ms, action",
    );
    expect(audit).toEqual([
      {
        actor: 'staff-acme',
        role: 'tenant_staff',
        action: 'put_topic_catalog',
        resource: '/v1/tenants/acme/topics?version=1',
      },
      {
        actor: 'admin-1',
        role: 'admin',
        action: 'put_topic_catalog_unchanged',
        resource: '/v1/tenants/acme/topics?version=1',
      },
    ]);
  });

  it('PUT CSV: version 2, read back as JSON; version 1 still readable', async () => {
    const put = await putCsv('acme', csvCatalog, await tokens.staff());
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, created: true, topics: 5 });
    const current = await call('GET', '/v1/tenants/acme/topics', await tokens.staff());
    expect(current.body.version).toBe(2);
    expect(current.body.deleted).toBe(false);
    expect(current.body.createdAtMs).toBeGreaterThan(0);
    expect(current.body.topics).toEqual([
      {
        topicId: 'algebra',
        name: 'Algebra',
        parentId: 'math',
        examWeight: 8,
        prerequisites: [],
        estimatedHours: 12,
        examId: 'sat',
        examSection: 'no-calc',
      },
      {
        topicId: 'equations',
        name: 'Linear equations',
        parentId: 'algebra',
        examWeight: 6,
        prerequisites: ['algebra'],
        estimatedHours: 4.5,
        examId: 'sat',
        examSection: null,
      },
      {
        topicId: 'graphs',
        name: 'Graphs',
        parentId: 'math',
        examWeight: 3,
        prerequisites: ['algebra', 'equations'],
        estimatedHours: 0,
        examId: null,
        examSection: null,
      },
      {
        topicId: 'math',
        name: 'Mathematics',
        parentId: null,
        examWeight: 0,
        prerequisites: [],
        estimatedHours: 0,
        examId: null,
        examSection: null,
      },
      {
        topicId: 'statistics',
        name: 'Statistics, descriptive',
        parentId: 'math',
        examWeight: 2,
        prerequisites: ['algebra'],
        estimatedHours: 10,
        examId: null,
        examSection: null,
      },
    ]);
    const v1 = await call('GET', '/v1/tenants/acme/topics?version=1', await tokens.admin());
    expect(v1.body.version).toBe(1);
    expect(v1.body.topics.map((t: { topicId: string }) => t.topicId)).toEqual([
      'algebra',
      'equations',
      'graphs',
      'math',
    ]);
    const missing = await call('GET', '/v1/tenants/acme/topics?version=9', await tokens.admin());
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('LS_API_NOT_FOUND');
  });

  it('one topic: impact and weight from the catalog; an unknown topic gets the defaults', async () => {
    // Version 2 has 5 topics; equations, graphs and statistics list algebra → 3/5.
    const algebra = await call('GET', '/v1/tenants/acme/topics/algebra', await tokens.staff());
    expect(algebra.body).toEqual({
      tenantId: 'acme',
      version: 2,
      topicId: 'algebra',
      name: 'Algebra',
      parentId: 'math',
      examWeight: 8,
      prerequisites: [],
      estimatedHours: 12,
      examId: 'sat',
      examSection: 'no-calc',
      known: true,
      examWeightNorm: 0.8,
      prerequisiteImpact: 0.6,
      dependents: ['equations', 'graphs', 'statistics'],
    });
    const unknown = await call('GET', '/v1/tenants/acme/topics/trigonometry', await tokens.staff());
    expect(unknown.body).toEqual({
      tenantId: 'acme',
      version: 2,
      topicId: 'trigonometry',
      name: 'trigonometry',
      parentId: null,
      examWeight: 0,
      prerequisites: [],
      estimatedHours: 0,
      examId: null,
      examSection: null,
      known: false,
      examWeightNorm: 0,
      prerequisiteImpact: 0,
      dependents: [],
    });
  });

  it('roles: staff of another tenant, a learner, a parent, a producer get 403; no token 401', async () => {
    const forbidden = [
      await tokens.staff('globex'),
      await tokens.learner(),
      await tokens.parent(),
      await tokens.producer(),
    ];
    for (const token of forbidden) {
      const put = await putJson('acme', jsonCatalog, token);
      expect(put.status).toBe(403);
      expect(put.body.code).toBe('LS_API_FORBIDDEN');
      expect((await call('GET', '/v1/tenants/acme/topics', token)).status).toBe(403);
    }
    expect((await putJson('acme', jsonCatalog, '')).status).toBe(401);
    // Staff of globex may replace their own.
    expect((await putJson('globex', jsonCatalog, await tokens.staff('globex'))).body).toMatchObject({ version: 1 });
    // Nothing changed for acme.
    expect((await call('GET', '/v1/tenants/acme/topics', await tokens.admin())).body.version).toBe(2);
  });

  it('validation: 400 LS_CATALOG_INVALID with every issue and its code; nothing stored', async () => {
    const bad = await putJson(
      'acme',
      {
        topics: [
          { topicId: 'a', examWeight: 11 },
          { topicId: 'b', estimatedHours: -1, parentId: 'zzz' },
          { topicId: 'a' },
          { topicId: 'c', prerequisites: ['d'] },
          { topicId: 'd', prerequisites: ['c'] },
          { topicId: 'e', prerequisites: ['nope'] },
        ],
      },
      await tokens.staff(),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('LS_CATALOG_INVALID');
    expect(
      bad.body.details.issues.map((i: { code: string; topicId?: string; index?: number }) => [
        i.code,
        i.topicId,
        i.index,
      ]),
    ).toEqual([
      ['weight_out_of_range', 'a', 0],
      ['negative_hours', 'b', 1],
      ['duplicate_topic', 'a', 2],
      ['unknown_parent', 'b', 1],
      ['unknown_prerequisite', 'e', 5],
      ['prerequisite_cycle', 'c', 3],
    ]);
    expect(bad.body.message).toBe(
      'Topic catalog invalid (details.issues lists each problem with its code): weight_out_of_range: examWeight 11 is outside 0..10 (and 5 more)',
    );
    const parents = await putJson(
      'acme',
      {
        topics: [
          { topicId: 'x', parentId: 'y' },
          { topicId: 'y', parentId: 'x' },
        ],
      },
      await tokens.staff(),
    );
    expect(parents.body.details.issues).toEqual([
      {
        code: 'parent_cycle',
        index: 0,
        topicId: 'x',
        field: 'parentId',
        cycle: ['x', 'y', 'x'],
        message: 'parents form a cycle: x → y → x',
      },
    ]);
    const csv = await putCsv('acme', 'topic_id,weight\na,1\n', await tokens.staff());
    expect(csv.status).toBe(400);
    expect(csv.body.code).toBe('LS_CATALOG_INVALID');
    expect(csv.body.details.issues[0].field).toBe('weight');
    // 7 topics, the limit of this config is 6.
    const many = await putJson(
      'acme',
      { topics: Array.from({ length: 7 }, (_, i) => ({ topicId: `t${i}` })) },
      await tokens.staff(),
    );
    expect(many.body.details.issues).toEqual([
      { code: 'too_many_topics', field: 'topics', message: '7 topics, at most 6 in one catalog' },
    ]);
    // A wrong type is refused by the schema.
    const typed = await putJson('acme', { topics: [{ topicId: 'a', examWeight: 'heavy' }] }, await tokens.staff());
    expect(typed.status).toBe(400);
    expect(typed.body.code).toBe('LS_API_BAD_REQUEST');
    // A body over api.catalogMaxBytes (16 KiB here): 413.
    const big = await putCsv('acme', `topic_id,name\n${'a,'.padEnd(20_000, 'x')}\n`, await tokens.staff());
    expect(big.status).toBe(413);
    // A __proto__ key in JSON is refused by the parser, never merged.
    const proto = await call(
      'PUT',
      '/v1/tenants/acme/topics',
      await tokens.staff(),
      '{"topics":[{"topicId":"a","__proto__":{"polluted":true}}]}',
      'application/json',
    );
    expect(proto.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call('GET', '/v1/tenants/acme/topics', await tokens.admin())).body.version).toBe(2);
  });

  it('the routes are in the OpenAPI document', async () => {
    const json = await call('GET', '/docs/json');
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining(['/v1/tenants/{tenantId}/topics', '/v1/tenants/{tenantId}/topics/{topicId}']),
    );
    expect(Object.keys(json.body.paths['/v1/tenants/{tenantId}/topics'])).toEqual(['put', 'get']);
  });
});

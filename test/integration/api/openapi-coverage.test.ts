// The OpenAPI document lists every route the engine's HTTP port serves: the
// port is assembled by the engine's own createHttpSurface (collector, health,
// REST API, live feed, dashboard), every route it registers is compared with
// the paths of /docs/json, and the only routes left out are the documents,
// the Swagger UI, the dashboard's pages, the live feed's WebSocket (in the
// AsyncAPI document) and GraphiQL, named here; /graphql is described by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../../src/api/index.js';
import { rootLogger } from '../../../src/core/logger.js';
import { createHttpSurface } from '../../../src/engine/http-surface.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { openTestStore } from '../../support/index.js';
import { loadFixture, testConfig, tokens } from './fixtures.js';

/**
 * Routes deliberately outside the document: the documents themselves, their UI, the dashboard pages,
 * the live feed's WebSocket (hidden by @fastify/websocket; /docs/asyncapi.json describes it), and GraphiQL.
 */
const undocumented = [
  'GET /',
  'GET /dashboard/:asset',
  'GET /dashboard/dev-token',
  'GET /docs',
  'GET /docs/asyncapi.json',
  'GET /docs/json',
  'GET /docs/static/*',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/yaml',
  'GET /v1/live',
  // GraphiQL, the GraphQL UI (development only, like /docs a page rather than an API route) and its assets.
  'GET /graphiql',
  'GET /graphiql/config.js',
  'GET /graphiql/main.js',
  'GET /graphiql/sw.js',
];

/**
 * Routes hidden from the document's collector but documented by hand: mercurius serves /graphql with
 * JSON route schemas of its own (not zod), so src/api/openapi.ts describes the operations itself.
 */
const documentedByHand = ['GET /graphql', 'POST /graphql'];

/** Fastify's `/v1/tenants/:tenantId` is OpenAPI's `/v1/tenants/{tenantId}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

describe('OpenAPI document', () => {
  let store: ClickHouseStore;
  let http: HttpServer;
  const accepted: unknown[] = [];

  beforeAll(async () => {
    store = await openTestStore('server');
    await loadFixture(store);
    ({ http } = await createHttpSurface({
      config: testConfig(),
      logger: rootLogger(),
      store,
      intake: {
        async accept(events) {
          accepted.push(...events);
          return events.map(() => ({ ok: true as const }));
        },
      },
      pipelineReady: async () => true,
      pipelineStatus: () => ({ engineWatermarkMs: null, partitions: [] }),
    }));
    await http.app.ready();
  });

  afterAll(async () => {
    await http?.close();
    await store?.close();
  });

  it('lists every registered route, and only those', async () => {
    const res = await http.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
    const routes = http.routes().filter((r) => r.method !== 'HEAD');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const missing = routes
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${openApiPath(r.url)}`)
      .filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
    const served = new Set(routes.map((r) => `${r.method} ${openApiPath(r.url)}`));
    expect([...documented].filter((key) => !served.has(key))).toEqual([]);
    expect(
      routes
        .filter((r) => r.hidden)
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual([...undocumented, ...documentedByHand].sort());
    for (const key of documentedByHand) expect(documented, key).toContain(key);
    // The ones this check was written for, and a sample of the rest.
    for (const key of [
      'POST /v1/events',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /v1/tenants/{tenantId}/metrics',
      'GET /api/v1/metrics/tenant/{tenant_id}',
      'GET /api/v1/metrics/learner/{learner_id_hash}',
      'GET /api/v1/privacy/levels',
      'GET /api/v1/health',
      'POST /api/v1/etl/trigger/{tenant_id}',
      'GET /api/v1/etl/jobs',
      'GET /graphql',
      'POST /graphql',
    ]) {
      expect(documented, key).toContain(key);
    }
  });

  it("describes the collector's request and answers", async () => {
    const doc = (await http.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const post = doc.paths['/v1/events'].post;
    expect(post.tags).toEqual(['events']);
    expect(post.security).toEqual([{ bearerAuth: [] }]);
    const body = JSON.stringify(post.requestBody.content['application/json'].schema);
    for (const field of ['event_id', 'tenant_id', 'learner_id', 'occurred_at', 'iep_goal_progress']) {
      expect(body).toContain(field);
    }
    expect(Object.keys(post.responses).sort()).toEqual(['200', '400', '401', '403', '413', '500', '503']);
  });

  it('the collector still validates each event on its own, as before', async () => {
    const token = await tokens.producer('acme');
    const ok = {
      event_id: '6f1c2f7e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      tenant_id: 'acme',
      learner_id: 'learner-1',
      occurred_at: Date.parse('2026-11-02T09:00:00Z'),
      source: 'lms',
      body: { kind: 'activity', category: 'navigation', action: 'page_view', object_id: 'home', duration_ms: null },
    };
    const res = await http.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: [ok, { event_id: 'x' }],
    });
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect([answer.accepted, answer.rejected]).toEqual([1, 1]);
    expect(answer.results[1].status).toBe('rejected');
    expect(accepted).toHaveLength(1);
    const notBatch = await http.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${token}` },
      payload: { nope: true },
    });
    expect([notBatch.statusCode, notBatch.json().error]).toEqual([400, 'bad_request']);
  });
});

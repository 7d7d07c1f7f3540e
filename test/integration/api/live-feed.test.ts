// The WebSocket live feed on a real listening server: each subscriber gets the
// closed windows of its tenants and kinds only (and learners/parents only their
// own learners'), roles are enforced, small weekly partials are suppressed, a
// slow client is closed while publish stays synchronous and fast, and a
// reconnecting client resumes from ClickHouse without gaps or duplicates.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../../src/api/audit.js';
import { createTokenVerifier } from '../../../src/api/auth/tokens.js';
import { createPrivacyGuardFromConfig, registerApiRoutes } from '../../../src/api/index.js';
import { createLiveFeed, type LiveFeed } from '../../../src/api/live-feed.js';
import { createHttpServer, type HttpServer } from '../../../src/api/server.js';
import { rootLogger } from '../../../src/core/logger.js';
import { metricsRegistry } from '../../../src/core/metrics.js';
import type { StampedResult } from '../../../src/processors/results.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { forEachStore, openTestStore, waitFor } from '../../support/index.js';
import { fixtureResults, jwtSecret, loadFixture, session, stamp, testConfig, tokens, week } from './fixtures.js';
import { TestLiveClient } from './live-client.js';

async function startFeedServer(
  store: ClickHouseStore,
  opts: { maxBufferedBytes?: number; heartbeatMs?: number; authTimeoutMs?: number; budgetEpsilon?: number } = {},
): Promise<{ http: HttpServer; feed: LiveFeed; url: string }> {
  const config = testConfig({ privacy: { budgetEpsilon: opts.budgetEpsilon ?? 10 } });
  const privacy = createPrivacyGuardFromConfig(store, config);
  const feed = createLiveFeed({
    privacy,
    verifier: createTokenVerifier({ jwtSecret }),
    logger: rootLogger(),
    store,
    audit: createAuditLog(store),
    k: 5,
    heartbeatMs: opts.heartbeatMs ?? 60_000,
    authTimeoutMs: opts.authTimeoutMs ?? 5_000,
    maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
  });
  const http = createHttpServer({ logger: rootLogger() });
  await registerApiRoutes(http.app, { store, config, logger: rootLogger(), liveFeed: feed, privacy });
  const url = await http.listen('127.0.0.1', 0);
  return { http, feed, url };
}

const windows = (c: TestLiveClient) =>
  c.of('window').map((m) => `${m.kind}:${m.tenantId}:${m.partition}:${m.seq}${m.replay ? ':replay' : ''}`);

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('live feed routing and roles', () => {
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  const clients: TestLiveClient[] = [];
  const connect = async (token?: string) => {
    const c = await TestLiveClient.connect(server.url, token);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    store = await openTestStore('chdb');
    await loadFixture(store, []);
    server = await startFeedServer(store, { heartbeatMs: 300, authTimeoutMs: 500 });
  });
  afterEach(() => {
    while (clients.length) clients.pop()?.close();
  });
  afterAll(async () => {
    await server.http.close();
    await store.close();
  });

  it('a subscriber receives its tenant and kinds only, one message per closed window', async () => {
    const staff = await connect(await tokens.staff('acme'));
    const admin = await connect(await tokens.admin());
    expect(await staff.subscribe({ kinds: ['sessions'] })).toMatchObject({ type: 'subscribed', tenants: ['acme'] });
    expect(await admin.subscribe({ tenants: ['*'], kinds: ['sessions', 'mastery'] })).toMatchObject({
      type: 'subscribed',
    });
    const acme1 = stamp('sessions', 0, session('acme', 'p-L1', Date.UTC(2026, 10, 2, 9), 30, 1200, ['algebra']));
    const globex = stamp('sessions', 1, session('globex', 'g-1', Date.UTC(2026, 10, 2, 9), 30, 1200, ['reading']));
    const acmeWeek = stamp('weekly_active', 0, week({ active: 9 }));
    const acme2 = stamp('sessions', 0, session('acme', 'p-L2', Date.UTC(2026, 10, 2, 10), 20, 900, ['algebra']));
    server.feed.publish([acme1, globex, acmeWeek, acme2]);
    await staff.next('window', 2);
    await admin.next('window', 3);
    expect(windows(staff)).toEqual([`sessions:acme:0:${acme1.seq}`, `sessions:acme:0:${acme2.seq}`]);
    expect(windows(admin)).toEqual([
      `sessions:acme:0:${acme1.seq}`,
      `sessions:globex:1:${globex.seq}`,
      `sessions:acme:0:${acme2.seq}`,
    ]);
    const msg = staff.of('window')[0]!;
    expect(msg).toMatchObject({ final: true, provisional: false, replay: false, windowEndMs: acme1.result.endMs });
    expect(msg.data).toEqual(acme1.result);
    expect(typeof msg.resume).toBe('string');
    const hist = (await metricsRegistry.getMetricsAsJSON()).find(
      (m) => m.name === 'learnstream_live_push_latency_seconds',
    );
    const count = hist?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'));
    expect(Number(count?.value)).toBeGreaterThanOrEqual(5);
  });

  it('learners get only their own windows; parents only their linked learners', async () => {
    const learner = await connect(await tokens.learner('p-L1'));
    const parent = await connect(await tokens.parent(['p-L2', 'p-L3']));
    expect(await learner.subscribe({ kinds: ['sessions', 'mastery'] })).toMatchObject({ type: 'subscribed' });
    expect(await parent.subscribe({ kinds: ['sessions'] })).toMatchObject({ type: 'subscribed' });
    const results: StampedResult[] = ['p-L1', 'p-L2', 'p-L3', 'p-L4'].map((l, i) =>
      stamp('sessions', 3, session('acme', l, Date.UTC(2026, 10, 5, 9 + i), 10, 300, [])),
    );
    server.feed.publish(results);
    await learner.next('window', 1);
    await parent.next('window', 2);
    // A heartbeat after the publish proves nothing else was on its way.
    await learner.next('heartbeat', 2);
    expect(learner.of('window').map((m) => (m.data as { learnerId: string }).learnerId)).toEqual(['p-L1']);
    expect(parent.of('window').map((m) => (m.data as { learnerId: string }).learnerId)).toEqual(['p-L2', 'p-L3']);
    const audit = await store.query<{ actor: string; learner_id: string }>(
      "SELECT actor, learner_id FROM audit_log WHERE action = 'subscribe_live' AND actor IN ('learner-p-L1', 'parent-1') ORDER BY actor, learner_id",
    );
    expect(audit).toEqual([
      { actor: 'learner-p-L1', learner_id: 'p-L1' },
      { actor: 'parent-1', learner_id: 'p-L2' },
      { actor: 'parent-1', learner_id: 'p-L3' },
    ]);
  });

  it('refuses other tenants, tenant-level kinds for learners, unknown levels and garbage (403/400 messages)', async () => {
    const staff = await connect(await tokens.staff('acme'));
    expect(await staff.subscribe({ tenants: ['globex'] })).toMatchObject({
      type: 'error',
      status: 403,
      code: 'LS_API_FORBIDDEN',
    });
    expect(await staff.subscribe({ tenants: ['*'] })).toMatchObject({ type: 'error', status: 403 });
    expect(await staff.subscribe({ privacyLevel: 'dp_max' })).toMatchObject({
      type: 'error',
      status: 400,
      code: 'LS_API_PRIVACY_LEVEL',
    });
    expect(await staff.subscribe({ resume: 'not-a-token' })).toMatchObject({ type: 'error', status: 400 });
    staff.ws.send('{oops');
    await staff.next('error', 5);
    const learner = await connect(await tokens.learner('p-L1'));
    expect(await learner.subscribe({ kinds: ['weekly_active'] })).toMatchObject({ type: 'error', status: 403 });
    // After refusals nothing is subscribed: a publish reaches neither.
    server.feed.publish([stamp('sessions', 0, session('globex', 'g-2', Date.UTC(2026, 10, 6), 5, 60, []))]);
    await staff.next('heartbeat', 2);
    expect(staff.of('window')).toEqual([]);
    expect(staff.closed).toBeUndefined();
  });

  it('closes clients that never authenticate or bring a bad token (4001)', async () => {
    const silent = await connect();
    expect(await silent.waitClosed()).toMatchObject({ code: 4001 });
    const forged = await connect();
    forged.send({ type: 'auth', token: 'eyJhbGciOiJIUzI1NiJ9.e30.x' });
    expect((await forged.waitClosed()).code).toBe(4001);
  });

  it('refuses a producer token (403): it posts events and reads nothing', async () => {
    const producer = await connect();
    producer.send({ type: 'auth', token: await tokens.producer('acme') });
    expect(await producer.next('error')).toMatchObject({ status: 403, code: 'LS_API_FORBIDDEN' });
    expect(producer.of('welcome')).toEqual([]);
    // Still unauthenticated: a subscribe closes the socket.
    producer.send({ type: 'subscribe', tenants: ['acme'], kinds: ['sessions'] });
    expect((await producer.waitClosed()).code).toBe(4001);
    expect(producer.of('subscribed')).toEqual([]);
  });

  it('weekly partials over fewer than k learners go out suppressed', async () => {
    const staff = await connect(await tokens.staff('acme'));
    await staff.subscribe({ kinds: ['weekly_active'] });
    server.feed.publish([
      stamp('weekly_active', 0, week({ active: 3, new: 1, sessions: 4 })),
      stamp('weekly_active', 1, week({ active: 6, new: 2, sessions: 9 })),
    ]);
    await staff.next('window', 2);
    const [small, big] = staff.of('window').map((m) => m.data as Record<string, unknown>);
    expect(small).toMatchObject({ suppressed: true, active: null, new: null, sessions: null });
    expect(big).toMatchObject({ suppressed: false, active: 6, new: 2, sessions: 9 });
  });
});

describe('slow clients', () => {
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  beforeAll(async () => {
    store = await openTestStore('chdb');
    await loadFixture(store, []);
    server = await startFeedServer(store, { maxBufferedBytes: 1024 * 1024 });
  });
  afterAll(async () => {
    await server.http.close();
    await store.close();
  });

  it('a client that stops reading is closed with 4008; publish never waits and a fast client gets everything', async () => {
    const slow = await TestLiveClient.connect(server.url, await tokens.admin());
    const fast = await TestLiveClient.connect(server.url, await tokens.admin());
    expect(await slow.subscribe({ tenants: ['*'], kinds: ['sessions'] })).toMatchObject({ type: 'subscribed' });
    expect(await fast.subscribe({ tenants: ['*'], kinds: ['sessions'] })).toMatchObject({ type: 'subscribed' });
    slow.ws.pause();
    const droppedBefore = await metricValue('learnstream_live_dropped_clients_total', { reason: 'slow_consumer' });
    // ~18 KB per window (many topics): 4000 windows ≈ 72 MB, past what loopback socket buffers
    // absorb (tcp_rmem autotunes up to 32 MB) plus the 1 MiB limit. Batches of 20 (360 KB) stay
    // under the limit for a client that reads (this process is client and server at once).
    // ~18 KB per window (many topics). How much a stalled reader absorbs before the server sees
    // it (loopback socket buffers autotune, tens of MB) depends on the machine and its load, so
    // publish until the slow client is dropped, up to a cap far above any buffer. Batches of 20
    // (360 KB) stay under the 1 MiB limit for a client that reads (this process is both ends).
    const topics = Array.from({ length: 1500 }, (_, i) => `topic-${i}`);
    let slowest = 0;
    let total = 0;
    const cap = 40_000; // ≈ 720 MB
    while (server.feed.clientCount() === 2 && total < cap) {
      const batch = Array.from({ length: 20 }, (_, j) =>
        stamp('sessions', 7, session('acme', `p-${total}-${j}`, Date.UTC(2026, 10, 2, 9), 5, 60, topics)),
      );
      const t0 = performance.now();
      server.feed.publish(batch);
      slowest = Math.max(slowest, performance.now() - t0);
      total += batch.length;
      // Let the event loop write to the sockets (and the fast client read) between batches, as a pipeline would.
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => server.feed.clientCount() === 1, { message: 'slow client dropped' });
    // publish is synchronous: one batch of 20 took milliseconds, not the time a stuck client would need.
    expect(slowest).toBeLessThan(1000);
    expect(await metricValue('learnstream_live_dropped_clients_total', { reason: 'slow_consumer' })).toBe(
      droppedBefore + 1,
    );
    slow.ws.resume();
    const closed = await slow.waitClosed();
    expect([4008, 1006]).toContain(closed.code);
    if (closed.code === 4008) expect(closed.reason).toMatch(/slow consumer/);
    await fast.next('window', total, 90_000);
    expect(fast.of('window')).toHaveLength(total);
    fast.close();
  }, 180_000);
});

forEachStore('live feed resume', ({ engine }) => {
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  beforeAll(async () => {
    store = await openTestStore(engine);
    server = await startFeedServer(store);
  });
  afterAll(async () => {
    await server.http.close();
    await store.close();
  });

  it('a reconnecting client gets what it missed from ClickHouse, then live windows, without duplicates', async () => {
    const all = fixtureResults().filter((r) => r.output === 'sessions');
    // The sink has written everything; the feed has published only the first four windows so far.
    await loadFixture(store, all);
    const token = await tokens.staff('acme');
    const first = await TestLiveClient.connect(server.url, token);
    await first.subscribe({ kinds: ['sessions'] });
    server.feed.publish(all.slice(0, 4));
    await first.next('window', 4);
    const resume = first.of('window').at(-1)!.resume as string;
    first.close();
    await first.waitClosed();
    // Published while the client is away.
    server.feed.publish(all.slice(4, 9));
    const back = await TestLiveClient.connect(server.url, token);
    await back.subscribe({ kinds: ['sessions'], resume });
    await back.next('replay_complete');
    // Then a live window arrives.
    const live = stamp('sessions', 0, session('acme', 'p-L9', Date.UTC(2026, 10, 7, 9), 10, 300, []));
    server.feed.publish([live]);
    // Acme sessions not among the first four, in (partition, seq) order, then the live one.
    const missed = all
      .slice(4)
      .filter((r) => (r.result as { tenantId: string }).tenantId === 'acme')
      .sort((a, b) => a.partition - b.partition || a.seq - b.seq)
      .map((r) => `sessions:acme:${r.partition}:${r.seq}:replay`);
    await back.next('window', missed.length + 1);
    expect(windows(back)).toEqual([...missed, `sessions:acme:0:${live.seq}`]);
    expect(back.of('window')[0]!.data).toEqual(
      all.find((r) => `sessions:acme:${r.partition}:${r.seq}:replay` === missed[0])!.result,
    );
    back.close();
  });
});

describe('live feed at a DP level', () => {
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  beforeAll(async () => {
    store = await openTestStore('chdb');
    await loadFixture(store, []);
    // Budget 1.5: one dp_medium week (epsilon 1) fits, a second week does not.
    server = await startFeedServer(store, { budgetEpsilon: 1.5 });
  });
  afterAll(async () => {
    await server.http.close();
    await store.close();
  });

  it('weekly partials are noised once, identical for every subscriber, charged once per tenant-week', async () => {
    const a = await TestLiveClient.connect(server.url, await tokens.staff('acme'));
    const b = await TestLiveClient.connect(server.url, await tokens.admin());
    expect(await a.subscribe({ kinds: ['weekly_active'], privacyLevel: 'dp_medium' })).toMatchObject({
      type: 'subscribed',
      privacyLevel: 'dp_medium',
    });
    await b.subscribe({ tenants: ['acme'], kinds: ['weekly_active'], privacyLevel: 'dp_medium' });
    const p0 = stamp(
      'weekly_active',
      0,
      week({ active: 40, new: 10, returning: 20, reactivated: 5, churned: 3, sessions: 90 }),
    );
    const p1 = stamp(
      'weekly_active',
      1,
      week({ active: 35, new: 8, returning: 20, reactivated: 4, churned: 2, sessions: 70 }),
    );
    server.feed.publish([p0, p1]);
    await a.next('window', 2);
    await b.next('window', 2);
    const data = (c: TestLiveClient) => c.of('window').map((m) => m.data);
    expect(data(a)).toEqual(data(b));
    for (const m of a.of('window')) {
      expect(m).toMatchObject({ privacyLevel: 'dp_medium', kind: 'weekly_active' });
      expect(m.data).toMatchObject({ weekStart: '2026-11-02', sessions: null, learningMinutes: null });
    }
    // Disjoint partitions of one week share one charge (parallel composition).
    const ledger = await store.query<{ n: number; eps: number }>(
      "SELECT count() AS n, sum(epsilon) AS eps FROM privacy_budget_ledger WHERE tenant_id = 'acme'",
    );
    expect(ledger).toEqual([{ n: 1, eps: 1 }]);
    // Another week would need 1 more of the 1.5 budget: released suppressed, with the reason.
    server.feed.publish([
      stamp('weekly_active', 0, week({ weekStart: '2026-11-09', isoWeek: '2026-W46', active: 50 })),
    ]);
    const refused = await a.next('window', 3);
    expect(refused.data).toMatchObject({ suppressed: true, withheld: 'privacy_budget_spent', active: null });
    a.close();
    b.close();
  });
});

describe('the published wire format', () => {
  it('serves the AsyncAPI document of the channel', async () => {
    const store = await openTestStore('chdb');
    const server = await startFeedServer(store);
    try {
      const res = await fetch(`${server.url}/docs/asyncapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        asyncapi: string;
        channels: { live: { address: string; messages: Record<string, { payload: { oneOf?: unknown[] } }> } };
      };
      expect(doc.asyncapi).toBe('3.0.0');
      expect(doc.channels.live.address).toBe('/v1/live');
      // Client messages: auth, subscribe, ping; server messages: the seven types.
      expect(doc.channels.live.messages.clientMessage!.payload.oneOf).toHaveLength(3);
      expect(doc.channels.live.messages.serverMessage!.payload.oneOf).toHaveLength(7);
    } finally {
      await server.http.close();
      await store.close();
    }
  });

  afterAll(() => {
    // Every message any client of this file received matches the schema the document is generated from.
    expect(TestLiveClient.offSchema).toEqual([]);
  });
});

// The API end to end: a WebSocket client of one tenant subscribes before the
// run; simulated events go into real Kafka; the engine (a child process)
// writes ClickHouse; REST answers with the figures the oracle computes, and the
// live feed delivered every closed window of the tenant and none of another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../../src/api/index.js';
import { createEventProducer, generateEvents, type LearningEvent, pseudonymize } from '../../src/ingest/index.js';
import { createKafkajsClient } from '../../src/ingest/kafkajs-broker.js';
import { type ClickHouseStore, openServerStore } from '../../src/views/index.js';
import { type EngineProcess, spawnEngine } from '../support/engine-process.js';
import { testServices, uniqueName, waitFor } from '../support/index.js';
import { isoWeekMonday, type OracleSession, oracleSessions, oracleWeekly } from '../support/oracle.js';

const SECRET = 'e2e-api-pseudonym-secret-0123456789';
const JWT_SECRET = 'e2e-api-jwt-secret-0123456789-abcdefghij';
const TENANT = 'tenant-01';
const OTHER = 'tenant-02';
const services = testServices();
const topic = uniqueName('e2e_api');
let store: ClickHouseStore;
let engine: EngineProcess;
let events: LearningEvent[];
let sessions: OracleSession[];
const received: { kind: string; tenantId: string; partition: number; seq: number; data: Record<string, unknown> }[] =
  [];
let socket: WebSocket;

beforeAll(async () => {
  const raw = generateEvents({ seed: 23, learners: 40, days: 21, tenants: 2, lateShare: 0, outOfOrderShare: 0.03 });
  events = raw.map((e) => ({ ...e, learnerId: pseudonymize(SECRET, e.tenantId, e.learnerId) }));
  sessions = oracleSessions(events, 30 * 60_000, 4 * 3_600_000, 5 * 60_000);
  expect(new Set(events.map((e) => e.tenantId))).toEqual(new Set([TENANT, OTHER]));

  const admin = createKafkajsClient({ brokers: services.kafkaBrokers, clientId: 'e2e-api' }).admin();
  await admin.connect();
  await admin.ensureTopic(topic, 4);
  await admin.disconnect();
  store = await openServerStore({ url: services.clickhouseUrl, database: uniqueName('e2e_api') });
  engine = await spawnEngine({
    LEARNSTREAM_SOURCE_KIND: 'kafka',
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    LEARNSTREAM_KAFKA_TOPIC: topic,
    LEARNSTREAM_KAFKA_GROUP_ID: uniqueName('api_group'),
    LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC: `${topic}_dlq`,
    CLICKHOUSE_URL: services.clickhouseUrl,
    LEARNSTREAM_CLICKHOUSE_DATABASE: store.database,
    LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: SECRET,
    LEARNSTREAM_AUTH_JWT_SECRET: JWT_SECRET,
    LEARNSTREAM_ENGINE_TICK_INTERVAL_MS: '4000',
    LEARNSTREAM_ENGINE_CHECKPOINT_INTERVAL_MS: '300',
    LEARNSTREAM_VIEWS_SINK_FLUSH_INTERVAL_MS: '200',
  });

  // Subscribe before any event exists: tenant staff of TENANT, every kind.
  const staff = await signToken(JWT_SECRET, { sub: 'staff-1', role: 'tenant_staff', tenant_id: TENANT });
  socket = new WebSocket(`${engine.baseUrl.replace('http', 'ws')}/v1/live`);
  const subscribed = new Promise<void>((resolve, reject) => {
    socket.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as Record<string, unknown>;
      if (msg.type === 'welcome') {
        socket.send(JSON.stringify({ type: 'subscribe', kinds: ['sessions', 'weekly_active', 'mastery'] }));
      } else if (msg.type === 'subscribed') {
        resolve();
      } else if (msg.type === 'window') {
        received.push(msg as never);
      } else if (msg.type === 'error') {
        reject(new Error(JSON.stringify(msg)));
      }
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: staff })));
    socket.on('error', reject);
  });
  await subscribed;

  const producer = createEventProducer({ brokers: services.kafkaBrokers, topic });
  await producer.connect();
  for (let i = 0; i < raw.length; i += 2000) {
    const results = await producer.send(raw.slice(i, i + 2000));
    expect(results.every((r) => r.ok)).toBe(true);
  }
  await producer.disconnect();
  await waitFor(
    async () => {
      const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM sessions');
      return Number(row?.n) === sessions.length;
    },
    { timeoutMs: 120_000, intervalMs: 500, message: 'all sessions in ClickHouse' },
  );
}, 240_000);

afterAll(async () => {
  socket?.close();
  await engine?.stop();
  await store?.command(`DROP DATABASE IF EXISTS ${store.database}`).catch(() => undefined);
  await store?.close();
});

describe('REST and live feed against the oracle', () => {
  it('REST tenant metrics equal the oracle over the whole period', async () => {
    const admin = await signToken(JWT_SECRET, { sub: 'admin-1', role: 'admin' });
    const mine = sessions.filter((s) => s.tenantId === TENANT);
    const from = new Date(Math.min(...mine.map((s) => s.startMs))).toISOString();
    const to = new Date(Math.max(...mine.map((s) => s.startMs)) + 1).toISOString();
    const res = await fetch(`${engine.baseUrl}/v1/tenants/${TENANT}/metrics?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      activeLearners: number;
      learningHours: number;
      sessions: { count: number; totalHours: number; dataPoints: { day: string; sessions: number | null }[] };
    };
    const learners = new Set(mine.map((s) => s.learnerId));
    expect(body.activeLearners).toBe(learners.size);
    expect(body.sessions.count).toBe(mine.length);
    const totalHours = mine.reduce((a, s) => a + (s.endMs - s.startMs), 0) / 3_600_000;
    expect(body.sessions.totalHours).toBeCloseTo(totalHours, 2);
    const activeHours = mine.reduce((a, s) => a + s.activeSeconds, 0) / 3600;
    expect(body.learningHours).toBeCloseTo(activeHours, 2);
    // Daily points: sessions per UTC day of start (days with fewer than k learners are suppressed → null).
    const perDay = new Map<string, number>();
    for (const s of mine) {
      const d = new Date(s.startMs).toISOString().slice(0, 10);
      perDay.set(d, (perDay.get(d) ?? 0) + 1);
    }
    for (const p of body.sessions.dataPoints) {
      if (p.sessions !== null) expect(p.sessions).toBe(perDay.get(p.day));
    }
    expect(body.sessions.dataPoints.some((p) => p.sessions !== null)).toBe(true);
  });

  it('REST weekly-active equals the oracle for every week with a cohort of at least k', async () => {
    const staff = await signToken(JWT_SECRET, { sub: 'staff-1', role: 'tenant_staff', tenant_id: TENANT });
    const res = await fetch(`${engine.baseUrl}/v1/tenants/${TENANT}/weekly-active?weeks=104`, {
      headers: { authorization: `Bearer ${staff}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      weeks: {
        weekStart: string;
        suppressed: boolean;
        active: number;
        new: number;
        returning: number;
        reactivated: number;
        churned: number;
        sessions: number;
      }[];
    };
    const expected = new Map(
      oracleWeekly(events, sessions)
        .filter((w) => w.tenantId === TENANT)
        .map((w) => [w.weekStart, w]),
    );
    const shown = body.weeks.filter((w) => !w.suppressed);
    expect(shown.length).toBeGreaterThan(1);
    for (const w of shown) {
      const o = expected.get(w.weekStart);
      expect(o, w.weekStart).toBeDefined();
      expect({
        active: w.active,
        new: w.new,
        returning: w.returning,
        reactivated: w.reactivated,
        churned: w.churned,
        sessions: w.sessions,
      }).toEqual({
        active: o?.active,
        new: o?.new,
        returning: o?.returning,
        reactivated: o?.reactivated,
        churned: o?.churned,
        sessions: o?.sessions,
      });
    }
    // And another tenant's figures are not readable with this token.
    const other = await fetch(`${engine.baseUrl}/v1/tenants/${OTHER}/weekly-active`, {
      headers: { authorization: `Bearer ${staff}` },
    });
    expect([403, 404]).toContain(other.status);
  });

  it('the live feed delivered every closed session of the tenant, and nothing of another tenant', async () => {
    const mine = sessions.filter((s) => s.tenantId === TENANT);
    await waitFor(() => received.filter((m) => m.kind === 'sessions').length >= mine.length, {
      timeoutMs: 30_000,
      message: 'every session pushed',
    });
    expect(received.every((m) => m.tenantId === TENANT)).toBe(true);
    const pushed = received.filter((m) => m.kind === 'sessions');
    // Each window once.
    expect(new Set(pushed.map((m) => `${m.partition}/${m.seq}`)).size).toBe(pushed.length);
    const key = (learner: string, start: number) => `${learner}@${start}`;
    const got = pushed.map((m) => key(String(m.data.learnerId), Number(m.data.startMs))).sort();
    expect(got).toEqual(mine.map((s) => key(s.learnerId, s.startMs)).sort());
    // Every weekly partial of the tenant was pushed too: as many as ClickHouse holds, same (partition, seq).
    const weeks = received.filter((m) => m.kind === 'weekly_active');
    const rows = await store.query<{ p: number; s: number }>(
      `SELECT source_partition AS p, seq AS s FROM weekly_active_partials WHERE tenant_id = '${TENANT}' ORDER BY p, s`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(weeks.map((w) => `${w.partition}/${w.seq}`).sort()).toEqual(rows.map((r) => `${r.p}/${r.s}`).sort());
    const tenantWeeks = new Set(mine.map((s) => isoWeekMonday(s.startMs)));
    expect(weeks.some((w) => tenantWeeks.has(String(w.data.weekStart)))).toBe(true);
  });

  it('erases one learner on request: live state, checkpoints and every table; rollups unchanged', async () => {
    const admin = await signToken(JWT_SECRET, { sub: 'admin-1', role: 'admin' });
    const rawLearner = generateEvents({
      seed: 23,
      learners: 40,
      days: 21,
      tenants: 2,
      lateShare: 0,
      outOfOrderShare: 0.03,
    }).find((e) => e.tenantId === TENANT)?.learnerId as string;
    const pseudonym = pseudonymize(SECRET, TENANT, rawLearner);
    const rollup = () =>
      store.query(
        'SELECT tenant_id, toString(day) AS d, countMerge(sessions) AS s FROM tenant_daily_sessions GROUP BY tenant_id, d ORDER BY tenant_id, d',
      );
    const before = await rollup();
    const [held] = await store.query<{ n: number }>(
      `SELECT count() AS n FROM sessions WHERE learner_id = '${pseudonym}'`,
    );
    expect(Number(held?.n)).toBeGreaterThan(0);

    const res = await fetch(`${engine.baseUrl}/v1/admin/erasures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: TENANT, learnerId: rawLearner }),
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { pseudonym: string; mutations: number };
    expect(report.pseudonym).toBe(pseudonym);
    expect(report.mutations).toBeGreaterThan(0);

    // No String / Array(String) column of any table holds the pseudonym any more.
    const columns = await store.query<{ table: string; name: string; type: string }>(
      `SELECT table, name, type FROM system.columns WHERE database = '${store.database}' AND (type = 'String' OR type = 'Array(String)')`,
    );
    for (const c of columns) {
      const cond = c.type === 'String' ? `position(${c.name}, '${pseudonym}') > 0` : `has(${c.name}, '${pseudonym}')`;
      const [row] = await store.query<{ n: number }>(`SELECT count() AS n FROM ${c.table} WHERE ${cond}`);
      expect(Number(row?.n), `${c.table}.${c.name}`).toBe(0);
    }
    expect(await rollup()).toEqual(before);
    // Staff of another tenant may not erase; nobody but admins may.
    const staff = await signToken(JWT_SECRET, { sub: 'staff-1', role: 'tenant_staff', tenant_id: TENANT });
    const denied = await fetch(`${engine.baseUrl}/v1/admin/erasures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: TENANT, learnerId: rawLearner }),
    });
    expect(denied.status).toBe(403);
  });
});

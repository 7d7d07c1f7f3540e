// The engine end to end on real services: simulated events (out-of-order
// ones included) in a real Kafka topic → `learnstream start` child processes
// → the real ClickHouse server. Checked against the oracle (an independent
// batch computation), through SIGKILL crashes, with two instances sharing the
// topic, and for byte-identical results across runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventProducer, generateEvents, type LearningEvent, pseudonymize } from '../../src/ingest/index.js';
import { createKafkajsClient } from '../../src/ingest/kafkajs-broker.js';
import { type ClickHouseStore, openServerStore, resultIdentityColumns, tableColumns } from '../../src/views/index.js';
import { type EngineProcess, spawnEngine } from '../support/engine-process.js';
import { testServices, uniqueName, waitFor } from '../support/index.js';
import { type OracleSession, type OracleWeek, oracleSessions, oracleWeekly } from '../support/oracle.js';

const SECRET = 'e2e-pseudonym-secret-0123456789-abcdef';
const GAP = 30 * 60_000;
const MAX = 4 * 3_600_000;
const IDLE = 5 * 60_000;
const PARTITIONS = 4;

interface SessionRow {
  tenant_id: string;
  learner_id: string;
  session_id: string;
  start_ms: number;
  end_ms: number;
  event_count: number;
  question_attempts: number;
  questions_correct: number;
  active_seconds: number;
  topics: string[];
}

const services = testServices();
const topic = uniqueName('e2e_events');
let events: LearningEvent[];
let expectedSessions: OracleSession[];
let expectedWeeks: OracleWeek[];
const stores: ClickHouseStore[] = [];
const engines: EngineProcess[] = [];

async function newDatabase(): Promise<ClickHouseStore> {
  const store = await openServerStore({ url: services.clickhouseUrl, database: uniqueName('e2e') });
  stores.push(store);
  return store;
}

async function start(store: ClickHouseStore, group: string): Promise<EngineProcess> {
  const engine = await spawnEngine({
    LEARNSTREAM_SOURCE_KIND: 'kafka',
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    LEARNSTREAM_KAFKA_TOPIC: topic,
    LEARNSTREAM_KAFKA_GROUP_ID: group,
    LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC: `${topic}_dlq`,
    LEARNSTREAM_KAFKA_PARTITIONS: String(PARTITIONS),
    CLICKHOUSE_URL: services.clickhouseUrl,
    LEARNSTREAM_CLICKHOUSE_DATABASE: store.database,
    LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: SECRET,
    LEARNSTREAM_ENGINE_TICK_INTERVAL_MS: '1000',
    LEARNSTREAM_ENGINE_CHECKPOINT_INTERVAL_MS: '300',
    LEARNSTREAM_VIEWS_SINK_FLUSH_INTERVAL_MS: '200',
    LEARNSTREAM_VIEWS_SINK_BATCH_ROWS: '200',
    LEARNSTREAM_VIEWS_RAW_EVENTS: 'all',
  });
  engines.push(engine);
  return engine;
}

async function sessions(store: ClickHouseStore): Promise<SessionRow[]> {
  return store.query<SessionRow>(
    'SELECT tenant_id, learner_id, session_id, start_ms, end_ms, event_count, question_attempts, questions_correct, active_seconds, topics FROM sessions ORDER BY tenant_id, learner_id, start_ms',
  );
}

function asOracle(rows: SessionRow[]) {
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    learnerId: r.learner_id,
    startMs: Number(r.start_ms),
    endMs: Number(r.end_ms),
    eventCount: Number(r.event_count),
    questionAttempts: Number(r.question_attempts),
    questionsCorrect: Number(r.questions_correct),
    activeSeconds: Number(r.active_seconds),
    topics: r.topics,
  }));
}

async function weeks(store: ClickHouseStore): Promise<OracleWeek[]> {
  const rows = await store.query<Record<string, string | number>>(
    `SELECT tenant_id, toString(week_start) AS week_start, sum(active) AS active, sum(new) AS new, sum(returning) AS returning,
            sum(reactivated) AS reactivated, sum(churned) AS churned, sum(sessions) AS sessions
       FROM weekly_active_partials GROUP BY tenant_id, week_start ORDER BY tenant_id, week_start`,
  );
  return rows.map((r) => ({
    tenantId: String(r.tenant_id),
    weekStart: String(r.week_start),
    active: Number(r.active),
    new: Number(r.new),
    returning: Number(r.returning),
    reactivated: Number(r.reactivated),
    churned: Number(r.churned),
    sessions: Number(r.sessions),
  }));
}

const nonZero = (w: OracleWeek[]) =>
  w.filter((x) => x.active + x.new + x.returning + x.reactivated + x.churned + x.sessions > 0);

/** Waits until the engine's rows equal the oracle's (then asserts, so a timeout shows the diff). */
async function expectOracle(store: ClickHouseStore, timeoutMs = 120_000): Promise<void> {
  const want = { sessions: expectedSessions, weeks: nonZero(expectedWeeks) };
  await waitFor(
    async () => {
      const got = { sessions: asOracle(await sessions(store)), weeks: nonZero(await weeks(store)) };
      return JSON.stringify(got) === JSON.stringify(want);
    },
    { timeoutMs, intervalMs: 1000, message: 'engine results equal the oracle' },
  ).catch(() => undefined);
  expect(asOracle(await sessions(store))).toEqual(expectedSessions);
  expect(nonZero(await weeks(store))).toEqual(want.weeks);
  // Exactly once: no session row twice, no partial twice.
  const dup = await store.query<{ n: number; u: number }>(
    'SELECT count() AS n, uniqExact(session_id) AS u FROM sessions',
  );
  expect(Number(dup[0]?.n)).toBe(Number(dup[0]?.u));
  const dupWeeks = await store.query<{ n: number; u: number }>(
    "SELECT count() AS n, uniqExact(concat(toString(source_partition), '/', toString(seq))) AS u FROM weekly_active_partials",
  );
  expect(Number(dupWeeks[0]?.n)).toBe(Number(dupWeeks[0]?.u));
}

async function stopOk(engine: EngineProcess): Promise<void> {
  const t0 = Date.now();
  const code = await engine.stop();
  expect(code, engine.output()).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5000);
}

/** raw_events holds every event exactly once (after a graceful stop flushed the last ones). */
async function expectRawEventsOnce(store: ClickHouseStore): Promise<void> {
  const [row] = await store.query<{ n: number; u: number }>(
    'SELECT count() AS n, uniqExact(event_id) AS u FROM raw_events',
  );
  expect(Number(row?.n)).toBe(events.length);
  expect(Number(row?.u)).toBe(events.length);
}

/** Every result row, all columns, in a stable order: what determinism compares. */
/**
 * Every result column of every row. The result identity and claim columns
 * (deployment = the group here, owner, owner_epoch) name who wrote a row, not
 * what it says: each run below is its own deployment, so they differ by design.
 */
async function allRows(store: ClickHouseStore): Promise<string> {
  const parts: unknown[] = [];
  for (const table of ['sessions', 'mastery_snapshots', 'weekly_active_partials'] as const) {
    const columns = tableColumns[table].filter((c) => !(resultIdentityColumns as readonly string[]).includes(c));
    parts.push(await store.query(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY source_partition, seq`));
  }
  return JSON.stringify(parts);
}

beforeAll(async () => {
  const raw = generateEvents({ seed: 11, learners: 40, days: 28, tenants: 2, lateShare: 0, outOfOrderShare: 0.03 });
  events = raw.map((e) => ({ ...e, learnerId: pseudonymize(SECRET, e.tenantId, e.learnerId) }));
  expectedSessions = oracleSessions(events, GAP, MAX, IDLE);
  expectedWeeks = oracleWeekly(events, expectedSessions);
  const client = createKafkajsClient({ brokers: services.kafkaBrokers, clientId: 'e2e-setup' });
  const admin = client.admin();
  await admin.connect();
  await admin.ensureTopic(topic, PARTITIONS);
  await admin.disconnect();
  const producer = createEventProducer({ brokers: services.kafkaBrokers, topic });
  await producer.connect();
  for (let i = 0; i < raw.length; i += 1000) {
    const results = await producer.send(raw.slice(i, i + 1000));
    expect(results.every((r) => r.ok)).toBe(true);
  }
  await producer.disconnect();
}, 180_000);

afterAll(async () => {
  await Promise.all(engines.map((e) => e.kill()));
  for (const s of stores) {
    await s.command(`DROP DATABASE IF EXISTS ${s.database}`).catch(() => undefined);
    await s.close();
  }
});

describe('engine on Kafka + ClickHouse server', () => {
  let cleanRows: string;

  it('gives exactly the sessions and weekly counts the oracle computes (out-of-order events included)', async () => {
    expect(expectedSessions.length).toBeGreaterThan(300);
    const store = await newDatabase();
    const engine = await start(store, uniqueName('clean'));
    await expectOracle(store);
    const late = await store.query<{ n: number }>('SELECT count() AS n FROM late_events');
    expect(Number(late[0]?.n)).toBe(0);
    await stopOk(engine);
    await expectRawEventsOnce(store);
    cleanRows = await allRows(store);
  });

  it('produces byte-identical result rows when the same input runs again', async () => {
    const store = await newDatabase();
    const engine = await start(store, uniqueName('again'));
    await expectOracle(store);
    await stopOk(engine);
    expect(await allRows(store)).toBe(cleanRows);
  });

  it('loses nothing and doubles nothing when killed with SIGKILL twice mid-stream', async () => {
    const store = await newDatabase();
    const group = uniqueName('crash');
    const total = expectedSessions.length;
    const count = async () => Number((await store.query<{ n: number }>('SELECT count() AS n FROM sessions'))[0]?.n);
    let engine = await start(store, group);
    await waitFor(async () => (await count()) > total * 0.15, { timeoutMs: 90_000, intervalMs: 50 });
    await engine.kill();
    engine = await start(store, group);
    await waitFor(async () => (await count()) > total * 0.5, { timeoutMs: 90_000, intervalMs: 50 });
    await engine.kill();
    engine = await start(store, group);
    await expectOracle(store);
    await stopOk(engine);
    await expectRawEventsOnce(store);
    expect(await allRows(store)).toBe(cleanRows);
  }, 300_000);

  it('two instances in one consumer group produce the same results as one', async () => {
    const store = await newDatabase();
    const group = uniqueName('scale');
    const [a, b] = await Promise.all([start(store, group), start(store, group)]);
    await expectOracle(store);
    await Promise.all([stopOk(a as EngineProcess), stopOk(b as EngineProcess)]);
    expect(await allRows(store)).toBe(cleanRows);
  }, 180_000);
});

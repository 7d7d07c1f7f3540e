// The fault suite (issue 11, item 7): the engine as `learnstream start` child
// processes on a real Kafka broker and the real ClickHouse server that this
// suite starts itself, hit by the faults production sees — SIGKILLs, a paused
// instance, instances joining and leaving, an insert whose answer is lost,
// ClickHouse and the broker restarted, hostile records. Each scenario streams
// the same ≥ 50,000 simulated events (fixed seed) into a fresh topic while the
// faults happen, waits until everything is processed and every window closed,
// and compares every base table and every rollup with the clean reference run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/api/auth/index.js';
import {
  createEventCodec,
  eventToJson,
  generateEvents,
  type LearningEvent,
  learnerKey,
  pseudonymize,
  type QuestionAttemptBody,
  tickHeader,
} from '../../src/ingest/index.js';
import { createKafkajsClient } from '../../src/ingest/kafkajs-broker.js';
import { Prng } from '../../src/ingest/simulator/index.js';
import { type ClickHouseStore, openServerStore } from '../../src/views/index.js';
import { uniqueName } from '../support/index.js';
import { type OracleSession, oracleSessions } from '../support/oracle.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { compareSnapshots, describeDiffs, type Snapshot, tableOk, takeSnapshot } from './compare.js';
import {
  engineEnv,
  type FaultServices,
  Fleet,
  IDLE_HORIZON_MS,
  JWT_SECRET,
  log,
  producePaced,
  runScenario,
  SECRET,
  startFaultServices,
  waitProcessed,
} from './harness.js';

const SEED = Number(process.env.LEARNSTREAM_FAULTS_SEED ?? 2026);
/** Wall-clock time over which a scenario's events are produced (the stream the faults hit). */
const PRODUCE_MS = Number(process.env.LEARNSTREAM_FAULTS_PRODUCE_MS ?? 24_000);
const SCENARIO_TIMEOUT = 240_000;
const HOSTILE_TENANTS = ['hostile', 'constructor', '__proto__'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let services: FaultServices;
let events: LearningEvent[];
let reference: Snapshot;

beforeAll(async () => {
  events = generateEvents({ seed: SEED, learners: 265, days: 28, tenants: 3, lateShare: 0, outOfOrderShare: 0.03 });
  const t0 = Date.now();
  services = await startFaultServices();
  log(
    `seed ${SEED}: ${events.length} events over 6 partitions; own services Kafka ${services.brokers[0]} (pid ${services.kafka.pid}), ClickHouse ${services.clickhouseUrl} (pid ${services.clickhouse.pid}) up in ${Date.now() - t0} ms`,
  );
}, 180_000);

afterAll(async () => {
  await services?.stop();
}, 60_000);

/** The oracle's sessions, in the engine's terms (pseudonymised learners). */
function expectedSessions(): OracleSession[] {
  const pseudonymised = events.map((e) => ({ ...e, learnerId: pseudonymize(SECRET, e.tenantId, e.learnerId) }));
  return oracleSessions(pseudonymised, 30 * 60_000, 4 * 3_600_000, 5 * 60_000);
}

/** One clean run (one instance, no faults) of every event, checked against the oracle; `env` overrides the engine's. */
async function referenceRun(env: Record<string, string> = {}): Promise<Snapshot> {
  const t0 = Date.now();
  const topic = uniqueName('faults_reference');
  const group = uniqueName('faults_reference');
  const database = uniqueName('faults_reference');
  const admin = await services.admin();
  await admin.ensureTopic(topic, 6);
  await producePaced({ brokers: services.brokers, topic, events, durationMs: 0, chunk: 2000 }).done;
  const fleet = new Fleet(() => ({
    ...engineEnv({ brokers: services.brokers, clickhouseUrl: services.clickhouseUrl, topic, group, database }),
    ...env,
  }));
  let store: ClickHouseStore | undefined;
  try {
    await fleet.start('ref');
    expect(await waitProcessed(services, topic, group, 120_000)).toBeUndefined();
    await fleet.stopAll();
    expect(fleet.gracefulExitCodes).toEqual([{ name: 'ref', code: 0 }]);
    expect(fleet.unexpectedExits).toEqual([]);
    store = await openServerStore({ url: services.clickhouseUrl, database });
    const reference = await takeSnapshot(store);
    const [cold] = await store.query<{ rows: number | string; learners: number | string }>(
      'SELECT count() AS rows, uniqExact(learner_key) AS learners FROM learner_cold_evictions',
    );
    if (Number(cold?.rows ?? 0) > 0)
      log(`reference run: cold tier ${cold!.rows} rows of ${cold!.learners} learners left after compaction`);
    // The reference itself is checked against an independent computation.
    const sessions = (reference.tables.sessions ?? [])
      .map((r) => ({
        tenantId: String(r.tenant_id),
        learnerId: String(r.learner_id),
        startMs: Number(r.start_ms),
        endMs: Number(r.end_ms),
        eventCount: Number(r.event_count),
        questionAttempts: Number(r.question_attempts),
        questionsCorrect: Number(r.questions_correct),
        activeSeconds: Number(r.active_seconds),
        topics: r.topics as string[],
      }))
      .sort(
        (a, b) =>
          a.tenantId.localeCompare(b.tenantId) || a.learnerId.localeCompare(b.learnerId) || a.startMs - b.startMs,
      );
    expect(sessions).toEqual(expectedSessions());
    for (const [table, dups] of Object.entries(reference.duplicateIdentities)) expect(dups, table).toEqual([]);
    expect(reference.tables.late_events).toEqual([]);
    expect(reference.tables.dead_letters).toEqual([]);
    const counts = Object.entries(reference.tables).map(([t, rows]) => `${t} ${rows.length}`);
    log(`reference run: ${events.length} events in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${counts.join(', ')}`);
    return reference;
  } finally {
    await fleet.killAll();
    await store?.close();
  }
}

describe('fault suite: exactly once under faults, against the clean run', () => {
  it(
    '0. clean reference run: one instance, no faults, agrees with the oracle',
    async () => {
      expect(events.length).toBeGreaterThanOrEqual(50_000);
      reference = await referenceRun();
      // Tiered state on (IDLE_HORIZON_MS): the clean run must equal one with every learner kept in memory,
      // row for row.
      if (Number(IDLE_HORIZON_MS) > 0) {
        const untiered = await referenceRun({ LEARNSTREAM_ENGINE_STATE_IDLE_HORIZON_MS: '0' });
        const diffs = compareSnapshots(untiered, reference);
        const compared = diffs.reduce((n, d) => n + d.actualRows, 0);
        log(`reference run, tiered against untiered: ${compared} rows in ${diffs.length} tables`);
        expect(describeDiffs(diffs.filter((d) => !tableOk(d)))).toBe('');
      }
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '1. repeated SIGKILL at random points',
    async () => {
      const rng = new Prng(SEED + 1);
      const delays = [0, 1, 2].map(() => Math.round(rng.between(1500, 4500)));
      log(`scenario kills: seed ${SEED + 1}, delays after each start of processing ${delays.join(', ')} ms`);
      await runScenario('kills', { services, reference }, async (ctx) => {
        await ctx.fleet.start('a');
        const production = ctx.produce({ events, durationMs: PRODUCE_MS });
        for (const delay of delays) {
          // Counted from its first batch, so each kill lands while the instance is processing.
          await ctx.fleet.waitOwning('a');
          await sleep(delay);
          ctx.fault(`SIGKILL engine a ${delay} ms into processing (${production.sent()} events produced)`);
          await ctx.fleet.kill('a');
          await ctx.fleet.start('a');
        }
        await production.done;
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '2. an instance paused past the session timeout, then resumed, while another takes over',
    async () => {
      await runScenario('paused', { services, reference }, async (ctx) => {
        await Promise.all([ctx.fleet.start('a'), ctx.fleet.start('b')]);
        const production = ctx.produce({ events, durationMs: PRODUCE_MS });
        // A partition is owned from its first record on: both instances are working before the pause.
        await Promise.all([ctx.fleet.waitOwning('a'), ctx.fleet.waitOwning('b')]);
        await production.whenSent(Math.floor(events.length * 0.25));
        ctx.fault('SIGSTOP engine a (session timeout 6 s, paused 15 s, longer than the 5 s tick interval)');
        ctx.fleet.signal('a', 'SIGSTOP');
        await sleep(15_000);
        ctx.fleet.signal('a', 'SIGCONT');
        ctx.fault('SIGCONT engine a');
        await production.done;
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '3. an instance joins and another leaves (SIGTERM) mid-stream',
    async () => {
      await runScenario('scale', { services, reference }, async (ctx) => {
        await ctx.fleet.start('a');
        const production = ctx.produce({ events, durationMs: PRODUCE_MS });
        await production.whenSent(Math.floor(events.length * 0.3));
        ctx.fault('engine b joins the group');
        await ctx.fleet.start('b');
        await production.whenSent(Math.floor(events.length * 0.65));
        ctx.fault('engine a leaves (SIGTERM)');
        await ctx.fleet.stop('a');
        await production.done;
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '4. an insert that times out on the client but commits on the server',
    async () => {
      const url = new URL(services.clickhouseUrl);
      const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
      try {
        await runScenario('timeout', { services, reference }, async (ctx) => {
          const viaProxy = {
            CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
            LEARNSTREAM_CLICKHOUSE_REQUEST_TIMEOUT_MS: '1500',
          };
          await ctx.fleet.start('a', viaProxy);
          const production = ctx.produce({ events, durationMs: PRODUCE_MS });
          await production.whenSent(Math.floor(events.length * 0.3));
          // Result inserts go through fenced inputs: a base table's (`sessions_in`, …) or a rollup's
          // (`tenant_daily_sessions_in`, …); each is one target whose landing the retry must work out.
          const results =
            /^(sessions|mastery_snapshots|weekly_active_partials|late_events|tenant_daily_sessions|topic_popularity_daily|tenant_topic_mastery_daily|tenant_weekly_active)(_in)?$/;
          // The cold tier's input: an eviction whose outcome is unknown, then a restore that voids its row.
          const coldTier = /^learner_cold_evictions_in$/;
          const caught = (tables: RegExp) => proxy.stats().insertsUnanswered.some((t) => tables.test(t));
          const tiered = Number(IDLE_HORIZON_MS) > 0;
          // Windows aimed at each kind of insert (other requests answered), while events still flow: result
          // inserts (flushed every 300 ms, caught at once), then the cold tier's (evictions come at some
          // checkpoints: up to 3 tries), then one that swallows every answer, whatever it catches together.
          const windows: { what: string; inserts?: RegExp; until: () => boolean }[] = [
            { what: 'answers to result-table INSERTs', inserts: results, until: () => caught(results) },
            ...(tiered
              ? [0, 1, 2].map(() => ({
                  what: 'answers to cold-tier INSERTs',
                  inserts: coldTier,
                  until: () => caught(coldTier),
                }))
              : []),
            { what: 'every answer', until: () => false },
          ];
          let opened = 0;
          for (const w of windows) {
            if (w.inserts && w.until()) continue; // this kind was caught already
            if (opened++ > 0) await sleep(2500); // the engine recovers between windows
            ctx.fault(`ClickHouse ${w.what} swallowed for 6 s (requests still reach the server; client timeout 1.5 s)`);
            proxy.blackhole(6000, w.inserts);
            await sleep(6000);
          }
          const s = proxy.stats();
          ctx.figures.push(
            `proxy: ${s.connections} connections, ${s.droppedConnections} with answers swallowed (${s.droppedBytes} bytes); INSERTs left unanswered: ${s.insertsUnanswered.join(', ') || 'none'}`,
          );
          // Without an unanswered insert of each kind the fault was not injected and the scenario proves nothing.
          if (!caught(results)) {
            ctx.problems.push('no insert into a result table lost its answer: fault not injected');
          }
          if (tiered && !caught(coldTier)) {
            ctx.problems.push('no insert into the cold tier lost its answer: fault not injected');
          }
          await production.done;
        });
      } finally {
        await proxy.close();
      }
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '5. ClickHouse server restarted mid-stream (down ~10 s)',
    async () => {
      await runScenario('clickhouse', { services, reference }, async (ctx) => {
        await ctx.fleet.start('a');
        const production = ctx.produce({ events, durationMs: PRODUCE_MS });
        await production.whenSent(Math.floor(events.length * 0.25));
        ctx.fault(`ClickHouse server stopped (SIGTERM, pid ${services.clickhouse.pid})`);
        await services.restartClickHouse(10_000);
        ctx.fault(`ClickHouse server started again on the same ports (pid ${services.clickhouse.pid})`);
        await production.done;
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '6. Kafka broker restarted mid-stream (down ~10 s)',
    async () => {
      await runScenario('broker', { services, reference }, async (ctx) => {
        // The outage (stop, 10 s down, start) keeps partitions quiet ~20–35 s: wall-clock ticks only after longer.
        await ctx.fleet.start('a', { LEARNSTREAM_ENGINE_TICK_CATCH_UP_AFTER_MS: '60000' });
        const production = ctx.produce({ events, durationMs: PRODUCE_MS });
        await production.whenSent(Math.floor(events.length * 0.25));
        ctx.fault(`Kafka broker stopped (SIGTERM, pid ${services.kafka.pid})`);
        await services.restartKafka(10_000);
        ctx.fault(`Kafka broker started again on the same ports and log (pid ${services.kafka.pid})`);
        const report = await production.done;
        ctx.figures.push(`producer: ${report.retriedChunks} chunks retried while the broker was down`);
        // The producer retried across the outage: the topic must still hold each event once.
        await expectTopicHoldsEachEventOnce(ctx.topic);
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    '7. hostile records through Kafka and the collector, mixed into the stream',
    async () => {
      const hostile = hostileInput();
      await runScenario(
        'hostile',
        {
          services,
          reference,
          excludeTenants: HOSTILE_TENANTS,
          // Hostile records take offsets and accepted hostile events take sequence numbers.
          compare: { ignoreColumns: ['seq', 'source_offset'], skipTables: ['dead_letters'] },
          verify: (store, ctx) => hostile.verify(store, ctx.problems, ctx.figures),
        },
        async (ctx) => {
          await ctx.fleet.start('a');
          const chunks = Math.ceil(events.length / 500);
          const at = new Set([Math.floor(chunks * 0.2), Math.floor(chunks * 0.45), Math.floor(chunks * 0.7)]);
          const production = ctx.produce({
            events,
            durationMs: PRODUCE_MS,
            afterChunk: async (c, sent) => {
              if (!at.has(c)) return;
              const streamTime = (events[sent - 1] as LearningEvent).occurredAt;
              const engine = await ctx.fleet.running('a');
              const what = await hostile.inject(ctx.topic, engine.engine.baseUrl, streamTime);
              ctx.fault(`hostile input after ${sent} events: ${what}`);
            },
          });
          await production.done;
        },
      );
    },
    SCENARIO_TIMEOUT,
  );
});

/** Reads the scenario's topic back: every simulated event exactly once (ticks aside). */
async function expectTopicHoldsEachEventOnce(topic: string): Promise<void> {
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({ brokers: services.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}_readback` });
  const admin = await services.admin();
  // Up to the log ends as of now, per partition (engines may still append ticks behind them).
  const ends = new Map((await admin.topicOffsets(topic)).map((e) => [e.partition, BigInt(e.high)]));
  const remaining = new Set([...ends].filter(([, end]) => end > 0n).map(([p]) => p));
  let records = 0;
  let eventRecords = 0;
  const codec = createEventCodec();
  const ids = new Set<string>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const finished = new Promise<void>((resolve) => {
    if (remaining.size === 0) resolve();
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition) ?? 0n;
        const offset = BigInt(message.offset);
        if (offset >= end) return;
        records++;
        if (!message.headers?.[tickHeader]) {
          eventRecords++;
          const d = codec.decode(message.value as Buffer);
          if (d.ok) ids.add(d.event.eventId);
        }
        if (offset === end - 1n) {
          remaining.delete(partition);
          if (remaining.size === 0) resolve();
        }
      },
    });
  });
  await Promise.race([finished, sleep(30_000)]);
  await consumer.disconnect();
  const total = [...ends.values()].reduce((n, e) => n + Number(e), 0);
  expect({ records, events: eventRecords, distinct: ids.size }).toEqual({
    records: total,
    events: events.length,
    distinct: events.length,
  });
}

/** The hostile records of scenario 7: what is injected, and what must hold afterwards. */
function hostileInput() {
  const codec = createEventCodec();
  const client = createKafkajsClient({ brokers: services.brokers, clientId: 'faults-hostile' });
  const raw = client.producer({ idempotent: false });
  let connected = false;
  const rng = new Prng(SEED + 7);
  let n = 0;
  /** Kafka records that are not events: must be dead letters. */
  const kafkaRecords: { what: string; partition: number; offset: string }[] = [];
  /** Hostile events: dead-lettered, rejected, or stored with valid results. */
  const hostileEvents: {
    what: string;
    tenantId: string;
    learnerId: string;
    kafka?: { partition: number; offset: string };
    collector?: string;
    /** Event time past the wall clock: its window cannot have closed yet, so accepted is all that can be seen. */
    occurredAt?: number;
  }[] = [];
  const template = generateEvents({ seed: SEED + 70, learners: 2, days: 2, tenants: 1 }).find(
    (e) => e.body.kind === 'question_attempt',
  ) as LearningEvent<QuestionAttemptBody>;

  const question = (tenantId: string, learnerId: string, at: number, topicIds: string[], itemId = 'item-1') => {
    n++;
    return {
      ...template,
      eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      tenantId,
      learnerId,
      occurredAt: at,
      receivedAt: at,
      body: { ...template.body, itemId, topicIds },
    } as LearningEvent;
  };

  let scenarioTopic = '';
  let round = 0;
  const sendRaw = async (
    what: string,
    message: { key?: string; value: Buffer | string; headers?: Record<string, string>; partition?: number },
  ) => {
    if (!connected) {
      await raw.connect();
      connected = true;
    }
    const [at] = await raw.send(scenarioTopic, [message]);
    return { partition: at?.partition ?? -1, offset: at?.offset ?? '-1', what: `#${round} ${what}` };
  };

  return {
    async inject(topic: string, engineUrl: string, streamTime: number): Promise<string> {
      scenarioTopic = topic;
      round++;
      const done: string[] = [];
      // 900 kB that decode to nothing.
      const big = Buffer.alloc(900 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = rng.int(256);
      kafkaRecords.push(await sendRaw('900 kB undecodable record', { value: big, partition: rng.int(6) }));
      // A tick nobody but the engine may write, far in the future.
      kafkaRecords.push(
        await sendRaw('forged tick (year 2099)', {
          value: String(Date.UTC(2099, 0, 1)),
          headers: { [tickHeader]: '1' },
          partition: rng.int(6),
        }),
      );
      done.push('900 kB record, forged tick');
      // An Avro event whose topic id holds a lone surrogate (WTF-8 bytes ED A0 80 in place of a marker).
      {
        const learnerId = `surrogate-${n}`;
        const e = question('hostile', learnerId, streamTime, ['alg', 'QQQ']);
        const enc = codec.encode(e);
        if (!enc.ok) throw new Error(`template event does not encode: ${JSON.stringify(enc)}`);
        const bytes = Buffer.from(enc.bytes);
        const i = bytes.indexOf('QQQ');
        bytes[i] = 0xed;
        bytes[i + 1] = 0xa0;
        bytes[i + 2] = 0x80;
        const at = await sendRaw('lone surrogate in a topic id (Avro)', {
          key: learnerKey('hostile', learnerId),
          value: bytes,
        });
        hostileEvents.push({ what: at.what, tenantId: 'hostile', learnerId, kafka: at });
      }
      // Prototype-named ids, and one event 23 h ahead of its partition's stream.
      const proto: [string, LearningEvent][] = [
        [
          'prototype-named ids',
          question('hostile', 'constructor', streamTime, ['__proto__', 'constructor'], 'toString'),
        ],
        ['prototype-named tenant', question('constructor', `hasOwnProperty`, streamTime, ['toString', 'valueOf'])],
        [
          'event 23 h ahead of the stream',
          { ...question('hostile', `future-${n}`, streamTime, ['alg']), occurredAt: streamTime + 23 * 3_600_000 },
        ],
      ];
      for (const [what, e] of proto) {
        const enc = codec.encode(e);
        if (!enc.ok) {
          hostileEvents.push({
            what: `#${round} ${what} (refused by the producer: ${enc.reason})`,
            tenantId: e.tenantId,
            learnerId: e.learnerId,
          });
          continue;
        }
        const at = await sendRaw(what, { key: learnerKey(e.tenantId, e.learnerId), value: Buffer.from(enc.bytes) });
        hostileEvents.push({ what: at.what, tenantId: e.tenantId, learnerId: e.learnerId, kafka: at });
      }
      done.push('surrogate, prototype ids, +23 h event via Kafka');
      // The same through the collector, as JSON: a lone surrogate, prototype ids, a clock 23 h ahead.
      const posted: [string, LearningEvent][] = [
        ['collector: lone surrogate in a topic id', question('hostile', `c-surrogate-${n}`, streamTime, ['alg\ud800'])],
        [
          'collector: prototype-named ids',
          question('hostile', '__proto__', streamTime, ['hasOwnProperty'], 'constructor'),
        ],
        [
          'collector: event 23 h ahead of its received_at',
          { ...question('hostile', `c-future-${n}`, streamTime, ['alg']), occurredAt: streamTime + 23 * 3_600_000 },
        ],
      ];
      const token = await signToken(JWT_SECRET, { sub: 'faults', role: 'admin' });
      const res = await fetch(`${engineUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(posted.map(([, e]) => eventToJson(e))),
      });
      const answer = (await res.json().catch(() => ({}))) as { results?: { status: string; errors?: unknown }[] };
      posted.forEach(([what, e], i) => {
        const r = answer.results?.[i];
        hostileEvents.push({
          what: `#${round} ${what}`,
          occurredAt: e.occurredAt,
          tenantId: e.tenantId,
          learnerId: e.learnerId,
          collector: r ? `${r.status}${r.errors ? ` ${JSON.stringify(r.errors)}` : ''}` : `HTTP ${res.status}`,
        });
      });
      done.push(`collector batch → HTTP ${res.status}`);
      return done.join('; ');
    },

    async verify(store: ClickHouseStore, problems: string[], figures: string[]): Promise<void> {
      await raw.disconnect().catch(() => undefined);
      const dead = await store.query<{ p: number; o: string; reason: string }>(
        'SELECT source_partition AS p, toString(source_offset) AS o, reason FROM dead_letters',
      );
      const deadAt = new Map(dead.map((d) => [`${d.p}/${d.o}`, d.reason]));
      figures.push(`dead_letters rows: ${dead.length}`);
      for (const r of kafkaRecords) {
        const reason = deadAt.get(`${r.partition}/${r.offset}`);
        figures.push(
          `${r.what} at ${r.partition}/${r.offset}: ${reason ? `dead letter (${reason})` : 'NOT in dead_letters'}`,
        );
        if (!reason) problems.push(`${r.what} (partition ${r.partition}, offset ${r.offset}) is not in dead_letters`);
      }
      for (const h of hostileEvents) {
        const pseudonym = pseudonymize(SECRET, h.tenantId, h.learnerId);
        const rows = await store.query<{ n: number }>(
          `SELECT count() AS n FROM sessions WHERE tenant_id = '${h.tenantId}' AND learner_id = '${pseudonym}'`,
        );
        const stored = Number(rows[0]?.n) > 0;
        const deadLetter = h.kafka ? deadAt.get(`${h.kafka.partition}/${h.kafka.offset}`) : undefined;
        const rejected = h.collector?.startsWith('rejected') || h.what.includes('refused by the producer');
        const pending = h.collector?.startsWith('accepted') && (h.occurredAt ?? 0) > Date.now();
        const outcome = deadLetter
          ? `dead letter (${deadLetter})`
          : rejected
            ? `rejected: ${h.collector ?? h.what}`
            : stored
              ? 'stored (a session of its own)'
              : pending
                ? 'accepted; its window closes after its own time, past the wall clock'
                : `neither rejected nor stored${h.collector ? ` (collector said ${h.collector})` : ''}`;
        figures.push(`${h.what}: ${outcome}`);
        if (!deadLetter && !rejected && !stored && !pending)
          problems.push(`hostile event "${h.what}" was lost: ${outcome}`);
      }
      // No NaN or Infinity reaches a result, whoever sent the input.
      const floats: Record<string, string[]> = {
        sessions: ['active_seconds'],
        mastery_snapshots: [
          'p_known',
          'first_attempt_accuracy',
          'accuracy',
          'retrieval_strength',
          'material_completion',
          'mastery_score',
          'score_change',
        ],
        weekly_active_partials: ['learning_minutes'],
      };
      for (const [table, cols] of Object.entries(floats)) {
        const cond = cols.map((c) => `isNaN(${c}) OR isInfinite(${c})`).join(' OR ');
        const [row] = await store.query<{ n: number }>(`SELECT count() AS n FROM ${table} WHERE ${cond}`);
        if (Number(row?.n) > 0) problems.push(`${table}: ${row?.n} rows with NaN or Infinity`);
      }
    },
  };
}

// The fault suite's harness: its own Kafka broker and ClickHouse server (so it
// can stop and restart them on the same ports), a paced producer that keeps
// the stream flowing while faults hit, engine child processes watched for
// exits nobody asked for, the "everything processed" wait, and the per-scenario
// report compared with the clean reference run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerAdmin } from '../../src/ingest/broker.js';
import { createEventProducer, type EventProducer, type LearningEvent, tickHeader } from '../../src/ingest/index.js';
import { createKafkajsClient } from '../../src/ingest/kafkajs-broker.js';
import {
  type ClickHouseService,
  type KafkaService,
  startClickHouse,
  startKafka,
  stopProcess,
} from '../../src/services/index.js';
import { type ClickHouseStore, openServerStore } from '../../src/views/index.js';
import { type EngineProcess, spawnEngine } from '../support/engine-process.js';
import { uniqueName } from '../support/index.js';
import {
  type CompareOptions,
  compareSnapshots,
  describeDiffs,
  type Snapshot,
  tableOk,
  takeSnapshot,
} from './compare.js';

export const PARTITIONS = 6;
export const SECRET = 'faults-pseudonym-secret-0123456789';
export const JWT_SECRET = 'faults-jwt-secret-0123456789-0123456789-0123';

/**
 * Tiered state for the whole suite: learners idle this long (event time) leave memory. 2 days by default,
 * so learners go out and come back during the stream; `LEARNSTREAM_FAULTS_IDLE_HORIZON_MS=0` keeps
 * everyone in memory.
 */
export const IDLE_HORIZON_MS = process.env.LEARNSTREAM_FAULTS_IDLE_HORIZON_MS ?? '172800000';
/** Cold-tier compaction per partition (engine.stateColdCompactIntervalMs): every 3 s here. */
export const COLD_COMPACT_INTERVAL_MS = process.env.LEARNSTREAM_FAULTS_COLD_COMPACT_INTERVAL_MS ?? '3000';

/** Engine timings sized for a 2-core CI machine (see test/faults/README.md). */
export const engineTimings = {
  LEARNSTREAM_KAFKA_SESSION_TIMEOUT_MS: '6000',
  LEARNSTREAM_ENGINE_TICK_INTERVAL_MS: '5000',
  // Longer than any quiet time a fault causes here (the broker is down ~20 s), so only the end of the stream gets there.
  LEARNSTREAM_ENGINE_TICK_CATCH_UP_AFTER_MS: '30000',
  LEARNSTREAM_ENGINE_CHECKPOINT_INTERVAL_MS: '1000',
  // ~44 learners per partition: a rewrite of the state every 6 deltas, spread over ~4 checkpoints, so
  // faults land inside rewrites and restores read chains from a rewrite's start.
  LEARNSTREAM_ENGINE_CHECKPOINT_MAX_DELTAS: '6',
  LEARNSTREAM_ENGINE_CHECKPOINT_REWRITE_SLICE: '12',
  LEARNSTREAM_VIEWS_SINK_FLUSH_INTERVAL_MS: '300',
  LEARNSTREAM_VIEWS_SINK_BATCH_ROWS: '2000',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function log(line: string): void {
  console.log(`[faults] ${line}`);
}

// ---------------------------------------------------------------------------
// Services

export interface FaultServices {
  brokers: string[];
  clickhouseUrl: string;
  clickhouse: ClickHouseService;
  kafka: KafkaService;
  /** Stops the broker (SIGTERM, by PID), keeps it down `downMs`, starts it again on the same ports and log. */
  restartKafka(downMs: number): Promise<void>;
  /** Same for the ClickHouse server (same ports, same data). */
  restartClickHouse(downMs: number): Promise<void>;
  admin(): Promise<BrokerAdmin>;
  stop(): Promise<void>;
}

export async function startFaultServices(): Promise<FaultServices> {
  const baseDir = mkdtempSync(join(tmpdir(), 'learnstream-faults-'));
  let [kafka, clickhouse] = await Promise.all([
    startKafka(join(baseDir, 'kafka')),
    startClickHouse(join(baseDir, 'clickhouse')),
  ]);
  const brokers = [kafka.brokers];
  let admin: BrokerAdmin | undefined;
  const services: FaultServices = {
    brokers,
    clickhouseUrl: clickhouse.url,
    get clickhouse() {
      return clickhouse;
    },
    get kafka() {
      return kafka;
    },
    async restartKafka(downMs) {
      await stopProcess(kafka.pid, 30_000);
      await sleep(downMs);
      kafka = await startKafka(kafka.dataDir, { port: kafka.port, controllerPort: kafka.controllerPort });
    },
    async restartClickHouse(downMs) {
      await stopProcess(clickhouse.pid, 30_000);
      await sleep(downMs);
      clickhouse = await startClickHouse(clickhouse.dataDir, {
        httpPort: clickhouse.httpPort,
        tcpPort: clickhouse.tcpPort,
      });
    },
    async admin() {
      if (!admin) {
        const a = createKafkajsClient({ brokers, clientId: 'faults-admin' }).admin();
        await a.connect();
        admin = a;
      }
      return admin;
    },
    async stop() {
      await admin?.disconnect().catch(() => undefined);
      await Promise.all([stopProcess(kafka.pid, 15_000), stopProcess(clickhouse.pid, 15_000)]);
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
  return services;
}

// ---------------------------------------------------------------------------
// Production

export interface Production {
  /** Events sent so far (acknowledged by the broker). */
  sent(): number;
  whenSent(count: number): Promise<void>;
  /** Resolves when every event is in the topic; reports produce failures that were retried. */
  done: Promise<{ sent: number; retriedChunks: number; ms: number }>;
}

export interface ProduceOptions {
  brokers: string[];
  topic: string;
  events: readonly LearningEvent[];
  /** Spread the events evenly over this long (0: as fast as possible). */
  durationMs: number;
  chunk?: number;
  /** Called after each chunk is in the topic, before the next (hostile records go in here). */
  afterChunk?: (chunkIndex: number, sentSoFar: number) => Promise<void>;
}

/**
 * Sends the events in order, in chunks, paced over `durationMs`. A chunk that
 * fails (the broker is down) is retried — only its failed events, so each
 * partition keeps its order — until it is in; a producer that keeps failing is
 * replaced.
 */
export function producePaced(opts: ProduceOptions): Production {
  const chunk = opts.chunk ?? 500;
  let sent = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const notify = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i] as { count: number; resolve: () => void };
      if (sent >= w.count) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  const done = (async () => {
    const t0 = Date.now();
    let producer: EventProducer = createEventProducer({ brokers: opts.brokers, topic: opts.topic });
    await producer.connect();
    let retriedChunks = 0;
    const chunks = Math.ceil(opts.events.length / chunk);
    for (let c = 0; c < chunks; c++) {
      const due = t0 + (opts.durationMs * c) / chunks;
      if (Date.now() < due) await sleep(due - Date.now());
      let pending = opts.events.slice(c * chunk, (c + 1) * chunk);
      let failures = 0;
      while (pending.length > 0) {
        const results = await producer
          .send([...pending])
          .catch((err: Error) =>
            pending.map(() => ({ ok: false as const, reason: 'produce_failed', message: err.message })),
          );
        const failed = pending.filter((_, i) => !results[i]?.ok);
        const rejected = results.find((r) => !r.ok && r.reason !== 'produce_failed');
        if (rejected) throw new Error(`the producer rejected a simulated event: ${JSON.stringify(rejected)}`);
        sent += pending.length - failed.length;
        notify();
        pending = failed;
        if (pending.length > 0) {
          failures++;
          if (failures === 1) retriedChunks++;
          await sleep(500);
          if (failures % 3 === 0) {
            await producer.disconnect().catch(() => undefined);
            producer = createEventProducer({ brokers: opts.brokers, topic: opts.topic });
            await producer.connect().catch(() => undefined);
          }
        }
      }
      await opts.afterChunk?.(c, sent);
    }
    await producer.disconnect();
    return { sent, retriedChunks, ms: Date.now() - t0 };
  })();
  return {
    sent: () => sent,
    whenSent: (count) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        notify();
      }),
    done,
  };
}

// ---------------------------------------------------------------------------
// Engine instances

export interface Instance {
  name: string;
  engine: EngineProcess;
  /** Set before we signal it, so its exit is not counted as unexpected. */
  expectingExit: boolean;
}

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: string | null;
  atMs: number;
  outputTail: string;
}

/** The error of the engine's last error/fatal log line (pino JSON), else its last output. */
function fatalReason(output: string): string {
  const lines = output.split('\n').filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const entry = JSON.parse(lines[i] as string) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 50) return `${entry.msg ?? ''}: ${entry.err?.message ?? ''}`.slice(0, 600);
    } catch {
      /* a partial line */
    }
  }
  return output.slice(-600);
}

/**
 * The engine instances of one scenario. An instance that exits without being
 * told to is recorded (a failure: the engine must not exit on a retriable
 * fault) and started again, as an operator's process manager would, so the
 * scenario still runs to the end and the report shows what else went wrong.
 */
export class Fleet {
  readonly instances = new Map<string, Instance>();
  readonly unexpectedExits: UnexpectedExit[] = [];
  readonly gracefulExitCodes: { name: string; code: number | null }[] = [];
  private closing = false;
  private readonly t0 = Date.now();

  constructor(private readonly env: () => Record<string, string>) {}

  async start(name: string, extraEnv: Record<string, string> = {}): Promise<Instance> {
    const engine = await spawnEngine({ ...this.env(), ...extraEnv });
    const inst: Instance = { name, engine, expectingExit: false };
    this.instances.set(name, inst);
    engine.child.once('exit', (code, signal) => {
      if (inst.expectingExit || this.closing) return;
      const reason = fatalReason(engine.output());
      this.unexpectedExits.push({ name, code, signal, atMs: Date.now() - this.t0, outputTail: reason });
      log(`UNEXPECTED EXIT of engine ${name}: code ${code} signal ${signal}; restarting it. Why: ${reason}`);
      if (this.instances.get(name) === inst) {
        this.instances.delete(name);
        setTimeout(() => {
          if (!this.closing) this.start(name, extraEnv).catch((err) => log(`restart of ${name} failed: ${err}`));
        }, 500);
      }
    });
    return inst;
  }

  get(name: string): Instance {
    const inst = this.instances.get(name);
    if (!inst) throw new Error(`no running engine instance ${name}`);
    return inst;
  }

  /** The instance, once it runs (after an unexpected exit, its restart). */
  async running(name: string, timeoutMs = 60_000): Promise<Instance> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const inst = this.instances.get(name);
      if (inst) return inst;
      if (Date.now() > deadline) throw new Error(`engine instance ${name} is not running`);
      await sleep(200);
    }
  }

  async kill(name: string): Promise<void> {
    const inst = this.get(name);
    inst.expectingExit = true;
    this.instances.delete(name);
    await inst.engine.kill();
  }

  /** SIGTERM; the exit code must be 0. */
  async stop(name: string): Promise<number | null> {
    const inst = this.get(name);
    inst.expectingExit = true;
    this.instances.delete(name);
    const code = await inst.engine.stop();
    this.gracefulExitCodes.push({ name, code });
    return code;
  }

  signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.get(name).engine.child.kill(signal);
  }

  /** Sum of a counter over the running instances' /metrics. */
  async metric(name: string): Promise<number> {
    let total = 0;
    for (const inst of this.instances.values()) {
      const text = await fetch(`${inst.engine.baseUrl}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      for (const line of text.split('\n')) {
        if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) {
          total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
        }
      }
    }
    return total;
  }

  async waitOwning(name: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const inst = this.instances.get(name);
      if (inst) {
        const text = await fetch(`${inst.engine.baseUrl}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
        const m = /^learnstream_owned_partitions (\d+)/m.exec(text);
        if (m && Number(m[1]) > 0) return;
      }
      await sleep(250);
    }
    throw new Error(`engine ${name} owned no partition within ${timeoutMs} ms`);
  }

  /** Graceful stop of every running instance, recording exit codes. */
  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.instances.keys()].map((n) => this.stop(n)));
  }

  async killAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.instances.values()].map((i) => i.engine.kill()));
    this.instances.clear();
  }

  since(): number {
    return Date.now() - this.t0;
  }
}

// ---------------------------------------------------------------------------
// Scenario

export interface ScenarioContext {
  name: string;
  topic: string;
  group: string;
  database: string;
  fleet: Fleet;
  services: FaultServices;
  /** Base environment of an engine of this scenario. */
  env: Record<string, string>;
  /** Records an injected fault, with the time since the scenario started. */
  fault(what: string): void;
  produce(opts: Omit<ProduceOptions, 'brokers' | 'topic'>): Production;
  /** Extra problems a scenario found (hostile input checks); reported with the table comparison. */
  problems: string[];
  /** Extra figures printed in the scenario's report. */
  figures: string[];
}

export interface ScenarioOptions {
  services: FaultServices;
  reference: Snapshot;
  compare?: CompareOptions;
  excludeTenants?: string[];
  /** Longest wait for the engine to process everything after the last event is produced. */
  drainTimeoutMs?: number;
  /** Runs after the engines stopped, before the comparison (checks on the database). */
  verify?: (store: ClickHouseStore, ctx: ScenarioContext) => Promise<void>;
}

/** Environment of an engine instance on a scenario's topic, group and database. */
export function engineEnv(s: {
  brokers: string[];
  clickhouseUrl: string;
  topic: string;
  group: string;
  database: string;
}): Record<string, string> {
  return {
    LEARNSTREAM_SOURCE_KIND: 'kafka',
    KAFKA_BROKERS: s.brokers.join(','),
    LEARNSTREAM_KAFKA_TOPIC: s.topic,
    LEARNSTREAM_KAFKA_GROUP_ID: s.group,
    LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC: `${s.topic}_dlq`,
    LEARNSTREAM_KAFKA_LATE_TOPIC: `${s.topic}_late`,
    LEARNSTREAM_KAFKA_PARTITIONS: String(PARTITIONS),
    CLICKHOUSE_URL: s.clickhouseUrl,
    LEARNSTREAM_CLICKHOUSE_DATABASE: s.database,
    LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: SECRET,
    LEARNSTREAM_AUTH_JWT_SECRET: JWT_SECRET,
    // The simulated data is from January 2026: keep retention away from it.
    LEARNSTREAM_RETENTION_IDENTIFIER_HORIZON_DAYS: '36500',
    LEARNSTREAM_RETENTION_RAW_EVENTS_DAYS: '36500',
    LEARNSTREAM_RETENTION_AGGREGATES_DAYS: '36500',
    ...engineTimings,
    // Tiered state under the same faults (IDLE_HORIZON_MS), its cold rows compacted every few seconds
    // (hourly by default) so the deletions run into the faults too.
    LEARNSTREAM_ENGINE_STATE_IDLE_HORIZON_MS: IDLE_HORIZON_MS,
    LEARNSTREAM_ENGINE_STATE_COLD_COMPACT_INTERVAL_MS: COLD_COMPACT_INTERVAL_MS,
  };
}

/**
 * Waits until every window is closed and durable. After the last event, a
 * quiet partition first gets ticks bounded by its own event time (a backfill
 * must not be made late), and once quiet for the catch-up time a tick at the
 * wall clock — far past the simulated data, so it closes every window. Done
 * when every partition holds such a tick past the log end measured after the
 * last event, and its committed offset is past that tick: results are flushed
 * before checkpoints and checkpoints before commits, so every result is in
 * ClickHouse. Returns undefined when done, else what is behind.
 */
export async function waitProcessed(
  services: FaultServices,
  topic: string,
  group: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const admin = await services.admin();
  const ends = new Map((await admin.topicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  const wallClockFrom = Date.now() - 60_000;
  /** Per partition, the offset of the first wall-clock tick past the end. */
  const closing = new Map<number, bigint>();
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({ brokers: services.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const reader = kafka.consumer({ groupId: `${group}_done_${Date.now()}` });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: false });
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      if (closing.has(partition) || offset < (ends.get(partition) ?? 0n)) return;
      const time = Number(message.value?.toString('utf8'));
      if (message.headers?.[tickHeader] && time >= wallClockFrom) closing.set(partition, offset);
    },
  });
  // run() may return before the group is joined; seek works once it is.
  for (let attempt = 0; ; attempt++) {
    try {
      for (const [partition, end] of ends) reader.seek({ topic, partition, offset: end.toString() });
      break;
    } catch (err) {
      if (attempt >= 100) throw err;
      await sleep(200);
    }
  }
  const deadline = Date.now() + timeoutMs;
  let behind = 'no committed offsets';
  try {
    while (Date.now() < deadline) {
      try {
        const committed = new Map((await admin.groupOffsets(group, topic)).map((o) => [o.partition, BigInt(o.offset)]));
        const lagging = [...ends.keys()].filter((p) => {
          const tick = closing.get(p);
          return tick === undefined || (committed.get(p) ?? -1n) <= tick;
        });
        if (lagging.length === 0) return undefined;
        behind = lagging
          .map((p) => {
            const tick = closing.get(p);
            return tick === undefined
              ? `partition ${p}: no wall-clock tick after offset ${ends.get(p)}`
              : `partition ${p}: committed ${committed.get(p) ?? 'none'}, wall-clock tick at ${tick}`;
          })
          .join('; ');
      } catch (err) {
        behind = `offsets unavailable: ${(err as Error).message}`;
      }
      await sleep(500);
    }
    return behind;
  } finally {
    await reader.disconnect().catch(() => undefined);
  }
}

export async function runScenario(
  name: string,
  opts: ScenarioOptions,
  body: (ctx: ScenarioContext) => Promise<void>,
): Promise<void> {
  const { services } = opts;
  if (!opts.reference) throw new Error(`scenario ${name}: no clean reference run to compare with (it failed)`);
  const topic = uniqueName(`faults_${name}`);
  const group = uniqueName(`faults_${name}`);
  const database = uniqueName(`faults_${name}`);
  const admin = await services.admin();
  await admin.ensureTopic(topic, PARTITIONS);
  const env = engineEnv({ brokers: services.brokers, clickhouseUrl: services.clickhouseUrl, topic, group, database });
  const fleet = new Fleet(() => env);
  const faults: string[] = [];
  const ctx: ScenarioContext = {
    name,
    topic,
    group,
    database,
    fleet,
    services,
    env,
    fault: (what) => {
      const line = `t+${(fleet.since() / 1000).toFixed(1)}s ${what}`;
      faults.push(line);
      log(`${name}: ${line}`);
    },
    produce: (p) => producePaced({ ...p, brokers: services.brokers, topic }),
    problems: [],
    figures: [],
  };
  const t0 = Date.now();
  let store: ClickHouseStore | undefined;
  try {
    await body(ctx);
    const behind = await waitProcessed(services, topic, group, opts.drainTimeoutMs ?? 120_000);
    if (behind) ctx.problems.push(`not everything was processed within the drain timeout: ${behind}`);
    const restarts = await fleet.metric('learnstream_pipeline_restarts_total');
    const ticks = await fleet.metric('learnstream_watermark_ticks_total');
    await fleet.stopAll();
    for (const e of fleet.gracefulExitCodes) {
      if (e.code !== 0) ctx.problems.push(`engine ${e.name} exited with ${e.code} on SIGTERM (expected 0)`);
    }
    for (const e of fleet.unexpectedExits) {
      ctx.problems.push(
        `engine ${e.name} exited on its own at t+${(e.atMs / 1000).toFixed(1)}s (code ${e.code}, signal ${e.signal}): ${e.outputTail}`,
      );
    }
    store = await openServerStore({ url: services.clickhouseUrl, database });
    if (opts.verify) await opts.verify(store, ctx);
    const snapshot = await takeSnapshot(store, { excludeTenants: opts.excludeTenants });
    // Which watermark made events late tells who moved it: a wall-clock tick, or an event's own time.
    const late = await store.query<{ p: number; n: number; lo: number; hi: number }>(
      'SELECT source_partition AS p, count() AS n, min(watermark_ms) AS lo, max(watermark_ms) AS hi FROM late_events GROUP BY p ORDER BY p',
    );
    for (const l of late) {
      const iso = (ms: number) => new Date(Number(ms)).toISOString();
      ctx.figures.push(`late events on partition ${l.p}: ${l.n}, at watermarks ${iso(l.lo)} … ${iso(l.hi)}`);
    }
    // Tiered state (IDLE_HORIZON_MS): the cold tier's rows left after compaction, of how many learners,
    // and the compactions the engines ran (their mutations).
    const [cold] = await store.query<{ rows: number | string; learners: number | string }>(
      'SELECT count() AS rows, uniqExact(learner_key) AS learners FROM learner_cold_evictions',
    );
    const [mutations] = await store.query<{ n: number | string }>(
      `SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'learner_cold_evictions'`,
    );
    if (Number(cold?.rows ?? 0) > 0) {
      ctx.figures.push(
        `cold tier: ${cold!.rows} rows of ${cold!.learners} learners left, after ${mutations?.n ?? 0} compactions`,
      );
    }
    // The checkpoint chains: how many versions, how many full, how many rewrites ended (their rows may be
    // gone once merged away, so these count at least what is left).
    const [chains] = await store.query<{ versions: number | string; full: number | string; rewrites: number | string }>(
      `SELECT uniqExact(source_partition, version) AS versions,
              uniqExactIf((source_partition, version), kind = 'full') AS full,
              uniqExactIf((source_partition, version), part_no = 0 AND (position(data, '"rewrite":"end"') > 0 OR position(data, '"rewrite":"whole"') > 0)) AS rewrites
       FROM engine_checkpoint_versions`,
    );
    ctx.figures.push(
      `checkpoints: ${chains?.versions ?? 0} partition versions, ${chains?.full ?? 0} full, ${chains?.rewrites ?? 0} rewrites completed`,
    );
    const diffs = compareSnapshots(opts.reference, snapshot, opts.compare);
    const mismatched = diffs.filter((d) => !tableOk(d));
    const compared = diffs.reduce((n, d) => n + d.actualRows, 0);
    log(
      [
        `scenario ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s, topic ${topic}`,
        `  faults injected: ${faults.length === 0 ? 'none' : ''}`,
        ...faults.map((f) => `    ${f}`),
        `  pipeline restarts (running instances' supervisors): ${restarts}; watermark ticks appended: ${ticks}`,
        `  unexpected engine exits: ${fleet.unexpectedExits.length}`,
        ...ctx.figures.map((f) => `  ${f}`),
        `  rows compared: ${compared} in ${diffs.length} tables; tables with mismatches: ${mismatched.length}`,
        describeDiffs(diffs),
      ].join('\n'),
    );
    if (mismatched.length > 0) ctx.problems.push(`results differ from the clean run:\n${describeDiffs(mismatched)}`);
    if (ctx.problems.length > 0) {
      throw new Error(`scenario ${name} failed:\n- ${ctx.problems.join('\n- ')}`);
    }
  } finally {
    await fleet.killAll();
    await store?.close();
  }
}

// Child process of the live-feed latency run: learnstream's pipeline and live
// feed composed exactly as the engine composes them (in-process source, so no
// Kafka fetch sits in the measured path), with N WebSocket clients in a
// separate process. The moment the pipeline hands a batch of final windows to
// the feed is stamped per window; the clients stamp each message's arrival.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createApi, createHttpServer, issueDevToken } from '../../src/api/index.js';
import { loadConfig } from '../../src/core/config.js';
import { createRootLogger } from '../../src/core/logger.js';
import { Pipeline } from '../../src/engine/pipeline.js';
import { createPartitionProcessor } from '../../src/engine/processor-adapter.js';
import { rawEventsWiring } from '../../src/engine/raw-events.js';
import { createInProcessSource } from '../../src/ingest/index.js';
import { paceRecords, simulate } from '../../src/ingest/simulator/index.js';
import { freePort } from '../../src/services/index.js';
import { ClickHouseCheckpointStore, ClickHouseSink, openStore, runMigrations } from '../../src/views/index.js';
import { childMain, childPath, preciseNowMs } from '../children.js';

interface Input {
  clickhouseUrl: string;
  database: string;
  clients: number;
  seconds: number;
  seed: number;
}

export interface LatencyFigures {
  clients: number;
  windows: number;
  messages: number;
  /** Messages a subscribed client should have had but did not get. */
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const DAY = 86_400_000;

function ask<T>(proc: ChildProcess, msg: unknown, reply: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== reply) return;
      proc.off('message', on);
      resolve(m as T);
    };
    proc.on('message', on);
    proc.send(msg as object);
  });
}

childMain(async (input: Input): Promise<LatencyFigures> => {
  const port = await freePort();
  const config = loadConfig({
    CLICKHOUSE_URL: input.clickhouseUrl,
    LEARNSTREAM_CLICKHOUSE_DATABASE: input.database,
    LEARNSTREAM_PORT: String(port),
    LEARNSTREAM_LOG_LEVEL: 'warn',
    LEARNSTREAM_SOURCE_SIMULATE: 'false',
  });
  const logger = createRootLogger('warn');
  const store = await openStore({ ...config.clickhouse });
  await runMigrations(store);
  const http = createHttpServer({ logger });
  const { liveFeed } = await createApi(http.app, { store, config, logger });
  const address = await http.listen('127.0.0.1', port);

  const finals = new Map<string, number>();
  const source = createInProcessSource({
    partitions: config.source.partitions,
    pseudonymSecret: config.privacy.pseudonymSecret,
  });
  const sink = new ClickHouseSink(store, { logger });
  // As engine.ts wires it: raw events go to ClickHouse at each checkpoint, on the same event loop as the feed.
  const rawEvents = rawEventsWiring(store, config.views.rawEvents);
  const pipeline = new Pipeline({
    ...rawEvents,
    source,
    sink,
    checkpoints: new ClickHouseCheckpointStore(store),
    createProcessor: (partition, cp) => createPartitionProcessor(partition, cp, config.engine),
    group: 'bench-latency',
    topic: 'bench-latency',
    logger,
    checkpointIntervalMs: config.engine.checkpointIntervalMs,
    tickIntervalMs: 0,
    eventClock: () => Date.now(),
    // The engine's own hook (engine.ts): final windows go to the feed as they are emitted.
    onResults: (results) => {
      const at = preciseNowMs();
      for (const r of results) if (r.output === 'sessions') finals.set(`${r.output}:${r.partition}:${r.seq}`, at);
      liveFeed.publish(results, { finalAtMs: Date.now() });
    },
  });
  const running = pipeline.run();

  const clients = fork(childPath('ws-clients'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  await ask(
    clients,
    {
      type: 'connect',
      url: `${address.replace(/^http/, 'ws')}/v1/live`,
      token: await issueDevToken(config.auth),
      clients: input.clients,
    },
    'ready',
  );

  // Two simulated days of live traffic played in `seconds`: sessions close steadily as the watermark passes.
  const days = 2;
  const records = simulate({ seed: input.seed, learners: 150, days, lateShare: 0, outOfOrderShare: 0 });
  const feed = paceRecords(records, {
    speedup: (days * DAY) / (input.seconds * 1000),
    deliver: (events) => source.push(events),
    tickMs: 20,
  });
  await feed.done;
  await new Promise((r) => setTimeout(r, 1500));
  const report = await ask<{ latencies: number[]; missing: number; messages: number }>(
    clients,
    { type: 'report', finals: [...finals.entries()] },
    'report',
  );
  clients.kill();
  await once(clients, 'exit');
  await pipeline.stop();
  await running.catch(() => undefined);
  await sink.close();
  await liveFeed.close();
  await http.close();
  await store.close();

  const sorted = report.latencies.sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return {
    clients: input.clients,
    windows: finals.size,
    messages: report.messages,
    missing: report.missing,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
  };
});

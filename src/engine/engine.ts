// Composition root of the engine process. Builds, from the one config, the
// source (Kafka, or the in-process log fed by the simulator and the collector),
// the ClickHouse store with its migrations, sink and checkpoint store, the
// pipeline under its supervisor, the HTTP server, and the retention jobs.
// Owns graceful shutdown: stop intake, flush, checkpoint, commit, close.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type EraseLearner, issueDevToken, type PipelineStatus } from '../api/index.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { enableDefaultMetrics } from '../core/metrics.js';
import { checkSecrets, generateSecretAdvice } from '../core/secrets.js';
import {
  codecOptionsFromConfig,
  createEventProducer,
  createInProcessSource,
  createKafkajsClient,
  createKafkaSource,
  type EventProducer,
  type EventSource,
  type InProcessSource,
  inProcessIntake,
  kafkaIntake,
  type LearningEvent,
  pseudonymize,
} from '../ingest/index.js';
import { type PacedFeed, paceRecords, playHistory, simulate } from '../ingest/simulator/index.js';
import type { StampedResult } from '../processors/index.js';
import {
  ClickHouseCheckpointStore,
  ClickHouseColdState,
  ClickHouseOwnership,
  ClickHouseSink,
  type ClickHouseStore,
  eraseLearner,
  ident,
  openStore,
  referenceTables,
  runMigrations,
  scheduleRetention,
  sql,
  tableColumns,
} from '../views/index.js';
import { type CatalogFeed, createCatalogFeed } from './catalog-feed.js';
import { createHttpSurface } from './http-surface.js';
import { Pipeline } from './pipeline.js';
import { restorePartitionProcessor } from './processor-adapter.js';
import { deadLettersWiring, rawEventsWiring } from './raw-events.js';
import { Supervisor } from './supervisor.js';

export interface RunningEngine {
  address: string;
  store: ClickHouseStore;
  pipeline: () => Pipeline | undefined;
  /** The in-process source in embedded mode. */
  inProcessSource?: InProcessSource;
  /** Subscribe to every batch of final results (the live feed hooks in here). */
  onResults(listener: (results: StampedResult[]) => void): void;
  stop(): Promise<void>;
}

export interface EngineHooks {
  /** Called when the pipeline fails fatally (the CLI exits non-zero). */
  onFatal?: (err: unknown) => void;
}

const HOUR = 3_600_000;

export async function startEngine(config: Config, logger: Logger, hooks: EngineHooks = {}): Promise<RunningEngine> {
  const log = logger.child({ component: 'engine' });
  // Before anything opens: outside embedded-on-loopback, default or weak secrets stop the start here.
  const weakSecrets = checkSecrets(config);
  if (weakSecrets.length) {
    log.warn(
      { settings: weakSecrets.map((p) => p.env) },
      `default or weak secrets (${weakSecrets.map((p) => p.message).join('; ')}): accepted only because this engine is embedded on loopback; set your own with \`${generateSecretAdvice}\` before exposing it`,
    );
  }
  enableDefaultMetrics();
  const embedded = config.source.kind === 'embedded';

  const store = await openStore(config.clickhouse);
  log.info({ engine: store.engine, version: await store.version(), database: store.database }, 'ClickHouse store open');
  if (config.clickhouse.migrate) {
    const report = await runMigrations(store);
    log.info({ applied: report.applied.length }, 'migrations done');
  }
  if (embedded) {
    // The in-process log lives in memory: an earlier embedded run cannot be
    // continued (its offsets restart at 0), so embedded mode starts clean.
    // Reference data (the topic catalog) is not derived from the log: it stays.
    const keep = new Set<string>(['schema_migrations', ...referenceTables]);
    for (const table of Object.keys(tableColumns)) {
      if (!keep.has(table)) await store.command(sql`TRUNCATE TABLE IF EXISTS ${ident(table)}`.text);
    }
  }

  const listeners: ((results: StampedResult[]) => void)[] = [];
  const publish = (results: StampedResult[]) => {
    for (const l of listeners) {
      try {
        l(results);
      } catch (err) {
        log.warn({ err }, 'result listener failed');
      }
    }
  };

  // Source and collector intake.
  let inProcess: InProcessSource | undefined;
  let producer: EventProducer | undefined;
  let catalogFeed: CatalogFeed | undefined;
  let makeSource: () => EventSource;
  let eventClock: () => number = () => Date.now();
  let stopFeed: (() => void) | undefined;
  const topic = embedded ? 'embedded' : config.kafka.topic;
  // The deployment names every result row, checkpoint and claim (docs/delivery.md).
  const deployment = embedded ? 'embedded' : (config.kafka.deploymentId ?? config.kafka.groupId);
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  // One reading of the ingest settings (Confluent ids, clock-skew rule) for every door.
  const codec = codecOptionsFromConfig(config);
  if (embedded) {
    inProcess = createInProcessSource({
      partitions: config.source.partitions,
      pseudonymSecret: config.privacy.pseudonymSecret,
      contract: codec.contract,
    });
    const source = inProcess;
    makeSource = () => source;
  } else {
    const client = createKafkajsClient({
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    });
    if (config.kafka.createTopics) {
      const admin = client.admin();
      await admin.connect();
      try {
        await admin.ensureTopic(config.kafka.topic, config.kafka.partitions);
        await admin.ensureTopic(config.kafka.deadLetterTopic, 1);
        // One partition: catalogs are few and small; compacted: the latest catalog per tenant stays.
        await admin.ensureTopic(config.kafka.catalogTopic, 1, { compacted: true });
      } finally {
        await admin.disconnect();
      }
    }
    // The collector produces through the same client the source consumes with.
    producer = createEventProducer({
      brokers: config.kafka.brokers,
      topic: config.kafka.topic,
      client,
      codec,
      wireFormat: config.ingest.wireFormat,
    });
    await producer.connect();
    catalogFeed = createCatalogFeed({
      client,
      store,
      topic: config.kafka.catalogTopic,
      groupId: config.kafka.groupId,
      deadLetterTopic: config.kafka.deadLetterTopic,
      pseudonymSecret: config.privacy.pseudonymSecret,
      maxTopics: config.api.catalogMaxTopics,
      deployment,
      instanceId,
    });
    const feed = catalogFeed;
    // Catalogs are reference data: the engine serves without them (unknown topics get the defaults).
    feed.source.start().catch((err) => log.error({ err }, 'catalog topic consumer failed to start'));
    makeSource = () =>
      createKafkaSource({
        brokers: config.kafka.brokers,
        clientId: config.kafka.clientId,
        topic: config.kafka.topic,
        groupId: config.kafka.groupId,
        deadLetterTopic: config.kafka.deadLetterTopic,
        pseudonymSecret: config.privacy.pseudonymSecret,
        client,
        codec,
      });
  }

  const sink = new ClickHouseSink(store, {
    maxBatchRows: config.views.sinkBatchRows,
    flushIntervalMs: config.views.sinkFlushIntervalMs,
    maxBufferedRows: config.views.sinkMaxBufferedRows,
    retryMaxMs: config.views.sinkRetryMaxMs,
    identity: { deployment, topic, owner: instanceId },
    logger: logger.child({ component: 'sink' }),
  });
  const checkpoints = new ClickHouseCheckpointStore(store);
  const coldState = new ClickHouseColdState(store, { deployment, topic });
  const ownership = new ClickHouseOwnership(store, {
    deployment,
    topic,
    logger: logger.child({ component: 'ownership' }),
  });
  const rawEvents = rawEventsWiring(store, config.views.rawEvents, { deployment, topic });
  const deadLetters = deadLettersWiring(store, { deployment, topic });

  let current: Pipeline | undefined;
  const supervisor = new Supervisor(
    async () => {
      current = new Pipeline({
        source: makeSource(),
        sink,
        checkpoints,
        createProcessor: (partition, cp) => restorePartitionProcessor(partition, cp, config.engine),
        ownership,
        instanceId,
        group: deployment,
        topic,
        outOfOrdernessMs: config.engine.outOfOrdernessMs,
        logger,
        checkpointIntervalMs: config.engine.checkpointIntervalMs,
        checkpointMaxDeltas: config.engine.checkpointMaxDeltas,
        checkpointRewriteSlice: config.engine.checkpointRewriteSlice,
        coldState,
        stateIdleHorizonMs: config.engine.stateIdleHorizonMs,
        evictMaxPerCheckpoint: config.engine.stateEvictMaxPerCheckpoint,
        coldCompactIntervalMs: config.engine.stateColdCompactIntervalMs,
        tickIntervalMs: config.engine.tickIntervalMs,
        tickCatchUpAfterMs: config.engine.tickCatchUpAfterMs,
        eventClock: () => eventClock(),
        onResults: publish,
        ...rawEvents,
        deadLetters,
      });
      return current;
    },
    {
      logger: log,
      onFatal: (err) => {
        log.fatal({ err }, 'engine stopped: fatal pipeline error');
        hooks.onFatal?.(err);
      },
    },
  );
  const supervised = supervisor.start();

  const pipelineStatus = (): PipelineStatus => {
    const p = current;
    if (!p) return { engineWatermarkMs: null, partitions: [] };
    const now = Date.now();
    return {
      engineWatermarkMs: p.engineWatermark() ?? null,
      partitions: p.status().map((s) => ({
        partition: s.partition,
        lag: s.lag,
        watermarkMs: s.watermarkMs,
        idle: s.quietMs > config.engine.idlePartitionTimeoutMs,
        checkpointAgeSeconds: (now - s.lastCheckpointMs) / 1000,
      })),
    };
  };
  const eraseLearnerEverywhere: EraseLearner = async (tenantId, who) => {
    const pseudonym = who.pseudonym ?? pseudonymize(config.privacy.pseudonymSecret, tenantId, who.learnerId ?? '');
    const stateCleared = (await current?.forgetLearner(tenantId, pseudonym)) ?? false;
    const mutations = await eraseLearner(store, tenantId, pseudonym, { wait: true });
    log.info({ tenantId, stateCleared, mutations: mutations.length }, 'learner erased');
    return { tenantId, pseudonym, stateCleared, mutations: mutations.length };
  };
  // HTTP: health, metrics, collector, REST API, live feed and dashboard on one port.
  const { http, liveFeed } = await createHttpSurface({
    config,
    logger,
    store,
    intake: inProcess ? inProcessIntake(inProcess) : kafkaIntake(producer as EventProducer),
    ...(codec.contract ? { contract: codec.contract } : {}),
    pipelineReady: async () => (current ? true : 'starting'),
    pipelineStatus,
    eraseLearner: eraseLearnerEverywhere,
    ...(catalogFeed ? { publishCatalog: catalogFeed.publish } : {}),
  });
  // Pushed the moment a window is final (before the insert is durable) so the
  // feed is not held back by sink batching; a resume reads ClickHouse by seq.
  listeners.push((results) => liveFeed.publish(results, { finalAtMs: Date.now() }));
  const address = await http.listen(config.server.host, config.server.port);

  // Embedded demo traffic: the last N days of simulated activity. Everything before the last
  // `simulateLiveHours` is history, handed over as fast as the engine takes it (the dashboard fills
  // within seconds); the last hours play at `simulateSpeedup`× so windows close visibly; then the
  // simulator goes on live, in real time.
  if (inProcess && config.source.simulate) {
    const days = config.source.simulateDays;
    const now = Date.now();
    const startMs = Math.floor((now - days * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    const records = simulate({
      seed: config.source.simulateSeed,
      learners: config.source.simulateLearners,
      days,
      startMs,
      malformedShare: 0.002,
    });
    const speedup = config.source.simulateSpeedup;
    const liveFrom = Math.max(startMs, now - config.source.simulateLiveHours * HOUR);
    const firstLive = records.findIndex((r) => r.event.receivedAt >= liveFrom);
    const history = firstLive < 0 ? records : records.slice(0, firstLive);
    const tail = firstLive < 0 ? [] : records.slice(firstLive);
    const target = inProcess;
    // The event clock (wall-clock ticks) never runs ahead of what was handed over: a partition quiet
    // while its history waits behind other partitions' would otherwise get a tick past that history,
    // and make it late. Through the history it is the last record's receipt; then the paced clock.
    let delivered = Number.NEGATIVE_INFINITY;
    let tailStart: number | undefined;
    const deliver = (events: LearningEvent[]) => {
      target.push(events);
      // (A malformed record's receipt may be anything: only a plausible one moves the clock.)
      for (const e of events) if (e.receivedAt > delivered && e.receivedAt <= Date.now()) delivered = e.receivedAt;
    };
    eventClock = () =>
      Math.min(
        Date.now(),
        tailStart === undefined ? delivered : Math.max(delivered, liveFrom + (Date.now() - tailStart) * speedup),
      );
    const played = playHistory(history, deliver);
    const feeds: PacedFeed[] = [played];
    let feedsStopped = false;
    stopFeed = () => {
      feedsStopped = true;
      for (const f of feeds) f.stop();
    };
    const live = async () => {
      await played.done;
      if (feedsStopped) return;
      log.info({ records: history.length }, 'simulated history handed over');
      tailStart = Date.now();
      const paced = paceRecords(tail, { speedup, deliver, originMs: liveFrom });
      feeds.push(paced);
      await paced.done;
      if (feedsStopped) return;
      // Live from here: the next week of the simulated platform, from the wall clock on, in real time.
      const from = Date.now();
      const next = simulate({
        seed: config.source.simulateSeed + 1,
        learners: config.source.simulateLearners,
        days: 8,
        startMs: Math.floor(from / (24 * HOUR)) * 24 * HOUR,
        malformedShare: 0.002,
      }).filter((r) => r.event.receivedAt > from);
      feeds.push(paceRecords(next, { speedup: 1, deliver, originMs: from }));
      log.info({ records: next.length }, 'simulated traffic caught up with the clock; continuing live');
    };
    void live();
    log.info(
      { records: records.length, days, speedup, history: history.length, liveHours: config.source.simulateLiveHours },
      `embedded simulator: ${history.length} events of history at once, then ${tail.length} over the last ${config.source.simulateLiveHours} h at ${speedup}x, then live`,
    );
  }

  const retention = scheduleRetention(
    store,
    {
      identifierHorizonDays: config.retention.identifierHorizonDays,
      rawEventsDays: config.retention.rawEventsDays,
      aggregatesDays: config.retention.aggregatesDays,
    },
    { intervalMs: config.retention.intervalMs, logger: logger.child({ component: 'retention' }) },
  );

  if (embedded) {
    const token = await issueDevToken(config.auth);
    log.info({ token }, `development token (admin, embedded mode): ${token}`);
  }
  log.info(
    { address, mode: config.source.kind, store: store.engine },
    `learnstream listening on ${address} — health ${address}/healthz, metrics ${address}/metrics, events POST ${address}/v1/events`,
  );

  let stopped = false;
  return {
    address,
    store,
    pipeline: () => current,
    inProcessSource: inProcess,
    onResults: (l) => void listeners.push(l),
    async stop() {
      if (stopped) return;
      stopped = true;
      const t0 = Date.now();
      const step = (name: string) => log.debug({ ms: Date.now() - t0 }, `shutdown: ${name}`);
      stopFeed?.();
      await retention.stop();
      step('retention stopped');
      await supervisor.stop();
      await supervised;
      step('pipeline stopped, flushed and checkpointed');
      await sink.close().catch((err) => log.warn({ err }, 'sink close failed'));
      await http.close();
      step('http closed');
      await catalogFeed?.stop().catch((err) => log.warn({ err }, 'catalog feed stop failed'));
      await producer?.disconnect();
      await store.close();
      step('store closed');
    },
  };
}

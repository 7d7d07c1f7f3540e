// The throughput section of a run: the simulator's events pre-produced into
// a multi-partition topic, then, on that same topic, the broker limit, raw
// kafkajs, the two reference engines (Kafka Streams, Flink) and learnstream
// end to end (ClickHouse server and embedded chdb); the ratios between them
// and each peer's session count checked against learnstream's.
import { availableParallelism } from 'node:os';
import { defaultEngineSettings } from '../src/processors/index.js';
import { type BenchTopic, produceBenchTopic } from './data.js';
import { measureBrokerLimit } from './measure/broker-limit.js';
import { measureKafkajsRaw, measureLearnstream } from './measure/children-runs.js';
import { measureFlink } from './measure/flink.js';
import { measureKafkaStreams } from './measure/kafka-streams.js';
import type { BenchOptions } from './options.js';
import type { BenchReport, PeerRun, PeerSettings, TargetCheck } from './report/model.js';

/** learnstream processes every partition on its one event-loop thread: the thread count of its per-core figure. */
export const learnstreamThreads = 1;

export interface ThroughputContext {
  brokers: string[];
  clickhouseUrl: string;
  stamp: string;
  profileDir: string;
  /** The secret the topic's ticks are signed with (and the engine runs with). */
  pseudonymSecret: string;
}

export interface ThroughputSection {
  data: BenchTopic;
  throughput: BenchReport['throughput'];
  ratios: BenchReport['ratios'];
  /** Each peer's session count against learnstream's. */
  sessionChecks: TargetCheck[];
}

/** The settings both peers get: learnstream's windows and checkpoint interval, one thread per core. */
export function peerSettings(parallelism: number): PeerSettings {
  const engine = defaultEngineSettings();
  return {
    gapMs: engine.sessionGapMs,
    graceMs: engine.outOfOrdernessMs + engine.allowedLatenessMs,
    capMs: engine.maxSessionMs,
    idleMs: engine.idleThresholdMs,
    parallelism,
    commitMs: engine.checkpointIntervalMs,
  };
}

/** A peer's sessions must equal learnstream's (same data, same gap, grace and cap): off by how many. */
export function sessionCheck(peer: string, run: PeerRun, learnstreamSessions: number): TargetCheck {
  const off = Math.abs(run.sessions - learnstreamSessions);
  return {
    name: `${peer} sessions = learnstream's (${learnstreamSessions.toLocaleString('en-US')})`,
    target: '<= 0 sessions off',
    actual: off,
    unit: 'sessions off',
    met: off === 0,
    missedBy: off === 0 ? null : `${peer} wrote ${run.sessions.toLocaleString('en-US')}`,
    profile: null,
    topFrames: [],
  };
}

export async function runThroughputSection(
  opts: BenchOptions,
  ctx: ThroughputContext,
  say: (msg: string) => void,
): Promise<ThroughputSection> {
  const { brokers, clickhouseUrl, stamp, profileDir, pseudonymSecret } = ctx;
  const parallelism = opts.peerParallelism ?? availableParallelism();
  say(`producing ${opts.events} events into ${opts.partitions} partitions`);
  if (opts.partitions < parallelism) {
    say(`  only ${opts.partitions} partitions for ${parallelism} peer threads: some threads will have no partition`);
  }
  const data = await produceBenchTopic(
    brokers,
    {
      topic: `bench-events-${stamp}`,
      partitions: opts.partitions,
      events: opts.events,
      seed: opts.seed,
      pseudonymSecret,
    },
    say,
  );
  say(
    `produced ${data.records} records (${(data.bytes / 2 ** 20).toFixed(1)} MiB) in ${data.produceSeconds.toFixed(1)} s`,
  );

  say('broker limit: kafka-consumer-perf-test');
  const brokerLimit = await measureBrokerLimit(brokers, data, `bench-perf-${stamp}`);
  say(`  ${Math.round(brokerLimit.recordsPerSecond)} records/s`);
  say('raw kafkajs: eachBatch + avsc decode');
  const kafkajsRaw = await measureKafkajsRaw(brokers, data, `bench-kafkajs-${stamp}`, profileDir);
  say(`  ${Math.round(kafkajsRaw.recordsPerSecond)} records/s`);
  const settings = peerSettings(parallelism);
  say(`Kafka Streams reference app, ${parallelism} stream threads, commit every ${settings.commitMs} ms`);
  const kafkaStreams = await measureKafkaStreams(brokers, data, `bench-streams-${stamp}`, settings, 1_800_000);
  say(`  ${Math.round(kafkaStreams.recordsPerSecond)} records/s (startup ${kafkaStreams.startupSeconds.toFixed(1)} s)`);
  say(`Flink reference job, parallelism ${parallelism}, checkpoint every ${settings.commitMs} ms`);
  const flink = await measureFlink(brokers, data, `bench-flink-${stamp}`, settings, 1_800_000);
  say(`  ${Math.round(flink.recordsPerSecond)} records/s (startup ${flink.startupSeconds.toFixed(1)} s)`);
  say('learnstream end to end → ClickHouse server');
  const server = await measureLearnstream(brokers, data, {
    clickhouseUrl,
    group: `bench-learnstream-${stamp}`,
    database: `bench_${stamp}`,
    name: 'learnstream-server',
    profileDir,
    pseudonymSecret,
  });
  say(`  ${Math.round(server.recordsPerSecond)} records/s`);
  say('learnstream end to end → embedded chdb');
  const chdb = await measureLearnstream(brokers, data, {
    clickhouseUrl: null,
    group: `bench-learnstream-chdb-${stamp}`,
    database: `bench_${stamp}`,
    name: 'learnstream-chdb',
    profileDir,
    pseudonymSecret,
  });
  say(`  ${Math.round(chdb.recordsPerSecond)} records/s`);

  const perCore = (run: { recordsPerSecond: number }, threads: number) => run.recordsPerSecond / threads;
  const ratios = {
    learnstreamVsKafkajs: server.recordsPerSecond / kafkajsRaw.recordsPerSecond,
    learnstreamVsKafkaStreams: server.recordsPerSecond / kafkaStreams.recordsPerSecond,
    learnstreamVsFlink: server.recordsPerSecond / flink.recordsPerSecond,
    learnstreamVsKafkaStreamsPerCore:
      perCore(server, learnstreamThreads) / perCore(kafkaStreams, kafkaStreams.parallelism),
    learnstreamVsFlinkPerCore: perCore(server, learnstreamThreads) / perCore(flink, flink.parallelism),
    kafkajsVsBrokerLimit: kafkajsRaw.recordsPerSecond / brokerLimit.recordsPerSecond,
    learnstreamChdbVsKafkajs: chdb.recordsPerSecond / kafkajsRaw.recordsPerSecond,
  };
  const learnstreamSessions = server.results.sessions ?? Number.NaN;
  return {
    data,
    throughput: { brokerLimit, kafkajsRaw, kafkaStreams, flink, learnstreamServer: server, learnstreamChdb: chdb },
    ratios,
    sessionChecks: [
      sessionCheck('Kafka Streams', kafkaStreams, learnstreamSessions),
      sessionCheck('Flink', flink, learnstreamSessions),
    ],
  };
}

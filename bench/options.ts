// Command-line options of `npm run bench` / `learnstream bench`: how many
// events, partitions, WebSocket clients and tracked keys; --smoke shrinks
// everything to a CI-sized run whose figures are printed, not judged.
import { parseArgs } from 'node:util';
import { LearnstreamError } from '../src/core/errors.js';
import { defaultEngineSettings } from '../src/processors/index.js';
import { BenchOptionInvalid } from './errors.js';

export interface BenchOptions {
  events: number;
  partitions: number;
  seed: number;
  /** WebSocket client counts of the latency runs. */
  clients: number[];
  /** Tracked-key counts of the memory runs. */
  keys: number[];
  /** Seconds of live traffic per latency run. */
  latencySeconds: number;
  outDir: string;
  smoke: boolean;
  /** Keep the node --cpu-prof profiles even where every target is met. */
  keepProfiles: boolean;
  /** Mastery keys of the event-loop run. */
  eventLoopKeys: number;
  /** Learner counts of the state-at-scale runs (× 5 topics, 6 partitions, one instance). */
  stateLearners: number[];
  /** Events per state run (default the largest learner count: each event a 5-topic attempt, so every learner × topic entry exists). */
  stateEvents: number;
  /** Wall-clock interval between the state runs' checkpoints (default: the engine's checkpointIntervalMs). */
  stateCheckpointMs: number;
  /** --max-old-space-size of the state run and restore processes. */
  stateHeapMb: number;
  /** Stream threads of Kafka Streams and parallelism of Flink (default: os.availableParallelism()). */
  peerParallelism: number | undefined;
  /** Run only this section (no services needed for `event-loop`; `live-feed` and `state` need ClickHouse only). */
  only: 'event-loop' | 'live-feed' | 'state' | 'throughput' | undefined;
}

export const usage = `usage: npm run bench -- [options]
  --events N          events the simulator pre-produces (default 2000000)
  --partitions N      partitions of the benchmark topic (default 4)
  --seed N            simulator seed (default 7)
  --clients A,B       WebSocket client counts for the latency runs (default 100,1000)
  --keys A,B          tracked keys for the heap runs (default 100000,1000000)
  --latency-seconds S live traffic per latency run (default 10)
  --out DIR           report directory (default bench/reports)
  --smoke             tiny CI run (2000 events, 10 clients, 10k keys, 10k event-loop keys, state runs of 100 and 1000 learners); figures printed, not judged
  --keep-profiles     keep the CPU profiles even when every target is met
  --event-loop-keys N mastery keys of the event-loop run (default 1000000)
  --only event-loop   run only the event-loop section (no Kafka or ClickHouse needed); report <date>-event-loop.*
  --only live-feed    run only the live-feed latency section (ClickHouse only); report <date>-live-feed.*
  --only state        run only the state-at-scale section (ClickHouse only); report <date>-state.*
  --only throughput   run only the throughput section (broker limit, kafkajs, Kafka Streams, Flink, learnstream); report <date>-throughput.*
  --peer-parallelism N  Kafka Streams stream threads and Flink parallelism (default the core count, os.availableParallelism())
  --state-learners A,B,C  learner counts of the state runs (default 1000,100000,1000000; 5 topics each, 6 partitions)
  --state-events N    events per state run (default the largest learner count: one 5-topic attempt each)
  --state-checkpoint-ms N  wall-clock checkpoint interval of the state runs (default the engine's, 2000)
  --state-heap-mb N   --max-old-space-size of the state run and restore processes (default 16384)
Uses KAFKA_BROKERS / CLICKHOUSE_URL when set, else starts its own services.`;

function positiveInts(name: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isSafeInteger(v) || v <= 0)) {
    throw new LearnstreamError(BenchOptionInvalid, `--${name} wants positive integers, got "${text}"`);
  }
  return values;
}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      partitions: { type: 'string' },
      seed: { type: 'string' },
      clients: { type: 'string' },
      keys: { type: 'string' },
      'latency-seconds': { type: 'string' },
      out: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      'keep-profiles': { type: 'boolean', default: false },
      'event-loop-keys': { type: 'string' },
      only: { type: 'string' },
      'state-learners': { type: 'string' },
      'state-events': { type: 'string' },
      'state-checkpoint-ms': { type: 'string' },
      'state-heap-mb': { type: 'string' },
      'peer-parallelism': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (values.only !== undefined && !['event-loop', 'live-feed', 'state', 'throughput'].includes(values.only)) {
    throw new LearnstreamError(
      BenchOptionInvalid,
      `--only wants "event-loop", "live-feed", "state" or "throughput", got "${values.only}"`,
    );
  }
  const smoke = values.smoke ?? false;
  const stateLearners = values['state-learners']
    ? positiveInts('state-learners', values['state-learners'])
    : smoke
      ? [100, 1000]
      : [1000, 100_000, 1_000_000];
  const one = (name: string, text: string | undefined, fallback: number) =>
    text === undefined ? fallback : (positiveInts(name, text)[0] as number);
  return {
    smoke,
    events: one('events', values.events, smoke ? 2000 : 2_000_000),
    partitions: one('partitions', values.partitions, smoke ? 2 : 4),
    seed: one('seed', values.seed, 7),
    clients: values.clients ? positiveInts('clients', values.clients) : smoke ? [10] : [100, 1000],
    keys: values.keys ? positiveInts('keys', values.keys) : smoke ? [10_000] : [100_000, 1_000_000],
    latencySeconds: one('latency-seconds', values['latency-seconds'], smoke ? 3 : 10),
    outDir: values.out ?? 'bench/reports',
    keepProfiles: values['keep-profiles'] ?? false,
    eventLoopKeys: one('event-loop-keys', values['event-loop-keys'], smoke ? 10_000 : 1_000_000),
    only: values.only as BenchOptions['only'],
    peerParallelism:
      values['peer-parallelism'] === undefined ? undefined : one('peer-parallelism', values['peer-parallelism'], 1),
    stateLearners,
    stateEvents: one('state-events', values['state-events'], Math.max(...stateLearners)),
    stateCheckpointMs: one(
      'state-checkpoint-ms',
      values['state-checkpoint-ms'],
      smoke ? 500 : defaultEngineSettings().checkpointIntervalMs,
    ),
    stateHeapMb: one('state-heap-mb', values['state-heap-mb'], smoke ? 2048 : 16_384),
  };
}

// The benchmark report: every figure of one run, the ratios between figures
// of that same run (the headline numbers: single timings on a shared machine
// are noise), and each target met or missed by how much.
import type { BenchTopic } from '../data.js';
import type { MachineFacts } from './machine.js';
import type { TopFrame } from './profile.js';

export interface Throughput {
  records: number;
  seconds: number;
  recordsPerSecond: number;
}

/** What the Java peers are given: learnstream's window settings, its checkpoint interval, one thread per core. */
export interface PeerSettings {
  gapMs: number;
  /** learnstream's out-of-orderness + allowed lateness: how long past its end a window still takes events. */
  graceMs: number;
  /** learnstream's maxSessionMs: a longer session is split. */
  capMs: number;
  idleMs: number;
  /** Stream threads (Kafka Streams) or parallelism (Flink). */
  parallelism: number;
  /** Commit (Kafka Streams) or checkpoint (Flink) interval: learnstream's checkpointIntervalMs. */
  commitMs: number;
}

/** A Java peer's run, timed from the first record it decoded to its last result durable; startup apart. */
export interface PeerRun extends Throughput, PeerSettings {
  /** JVM start to the first record decoded (not in `seconds`). */
  startupSeconds: number;
  sessions: number;
  /** Kafka Streams: count updates; Flink: final per tenant-week counts. */
  weeklyUpdates: number;
}

export interface LatencyRun {
  clients: number;
  windows: number;
  messages: number;
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface HeapRun {
  kind: 'sessions' | 'mastery';
  keys: number;
  /** V8 heap used plus ArrayBuffer backing stores, after minus before the keys. */
  heapBytes: number;
  /** The ArrayBuffer part of heapBytes (typed-array columns); absent in reports before it was counted. */
  arrayBufferBytes?: number;
  bytesPerKey: number;
}

/** Timing of one kind of bulk work done as many small steps. */
export interface StepFigures {
  steps: number;
  totalMs: number;
  /** The longest single synchronous step (one result, one part, one learner), wall clock. */
  maxStepMs: number;
  /** The same step's longest process CPU time (user + system, all threads; leaves out time the OS ran others). */
  maxStepCpuMs: number;
  /** The longest stretch without yielding to the event loop (slice target plus one step). */
  maxSliceMs: number;
  slices: number;
}

/** The event-loop run: longest synchronous steps of one partition processor holding `keys` mastery keys. */
export interface EventLoopRun {
  keys: number;
  learners: number;
  sliceMs: number;
  cores: number;
  /** 1-minute load average when the run started (other work on the machine stretches wall-clock steps). */
  loadAverage1m: number;
  feedSeconds: number;
  capture: StepFigures & { parts: number; maxPartChars: number };
  restore: StepFigures;
  /** forgetLearner, one learner per step. */
  erasure: StepFigures;
  /** `firstCallMs`: the `process()` call itself, before any result is taken. */
  dayClose: StepFigures & { firstCallMs: number; snapshots: number };
  weekClose: StepFigures & { firstCallMs: number };
  /** perf_hooks.monitorEventLoopDelay max over all of the above (10 ms resolution). */
  eventLoopDelayMaxMs: number;
}

export interface TargetCheck {
  name: string;
  /** e.g. ">= 0.85" or "<= 20 ms" */
  target: string;
  actual: number;
  unit: string;
  met: boolean;
  /** How far off: for a ratio/throughput the missing share; for a bound the excess, in `unit`. */
  missedBy: string | null;
  /** Profile written next to the report where the target is missed. */
  profile: string | null;
  topFrames: TopFrame[];
}

export interface BenchReport {
  version: 1;
  date: string;
  command: string;
  smoke: boolean;
  durationSeconds: number;
  machine: MachineFacts;
  data: BenchTopic;
  throughput: {
    brokerLimit: Throughput & { mbPerSecond: number; withJoinRecordsPerSecond: number };
    kafkajsRaw: Throughput & { decoded: number };
    kafkaStreams: PeerRun;
    /** Absent in reports before the Flink peer. */
    flink?: PeerRun;
    learnstreamServer: Throughput & { results: Record<string, number>; clickhouseVersion?: string };
    learnstreamChdb: Throughput & { results: Record<string, number>; clickhouseVersion?: string };
  };
  ratios: {
    learnstreamVsKafkajs: number;
    learnstreamVsKafkaStreams: number;
    /** The next four are absent in reports before the Flink peer. Per core: records/s over the engine's threads. */
    learnstreamVsFlink?: number;
    learnstreamVsKafkaStreamsPerCore?: number;
    learnstreamVsFlinkPerCore?: number;
    kafkajsVsBrokerLimit: number;
    learnstreamChdbVsKafkajs: number;
  };
  latency: LatencyRun[];
  heap: HeapRun[];
  /** Present when the event-loop section ran. */
  eventLoop?: EventLoopRun;
  /** Present when the state-at-scale section ran: its own report (<date>-state.md/.json) and headline ratio. */
  state?: { report: string; throughputRatio: number };
  targets: TargetCheck[];
}

/** Every field a report must carry (the smoke test checks them). */
export const requiredReportPaths = [
  'machine.cores',
  'machine.node',
  'machine.kafkaBroker',
  'machine.kafkaStreams',
  'machine.flink',
  'machine.clickhouseServer',
  'machine.chdb',
  'data.events',
  'data.partitions',
  'throughput.brokerLimit.recordsPerSecond',
  'throughput.kafkajsRaw.recordsPerSecond',
  'throughput.kafkaStreams.recordsPerSecond',
  'throughput.kafkaStreams.startupSeconds',
  'throughput.flink.recordsPerSecond',
  'throughput.flink.startupSeconds',
  'throughput.learnstreamServer.recordsPerSecond',
  'throughput.learnstreamChdb.recordsPerSecond',
  'ratios.learnstreamVsKafkajs',
  'ratios.learnstreamVsKafkaStreams',
  'ratios.learnstreamVsFlink',
  'ratios.learnstreamVsFlinkPerCore',
  'ratios.kafkajsVsBrokerLimit',
  'latency.0.p50Ms',
  'latency.0.p99Ms',
  'latency.0.maxMs',
  'heap.0.bytesPerKey',
  'targets.0.met',
] as const;

export function missingReportPaths(report: unknown): string[] {
  return requiredReportPaths.filter((path) => {
    let v: unknown = report;
    for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    return typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean';
  });
}

type Check = Omit<TargetCheck, 'profile' | 'topFrames'>;

/** `actual` must be at least `min` (a ratio). */
export function atLeast(name: string, actual: number, min: number): Check {
  const met = actual >= min;
  return {
    name,
    target: `>= ${min}`,
    actual,
    unit: 'x',
    met,
    missedBy: met ? null : `${((1 - actual / min) * 100).toFixed(0)}% short (${actual.toFixed(2)}x of ${min}x)`,
  };
}

/** `actual` must be at most `max` in `unit`. */
export function atMost(name: string, actual: number, max: number, unit: string): Check {
  const met = actual <= max;
  return {
    name,
    target: `<= ${max} ${unit}`,
    actual,
    unit,
    met,
    missedBy: met ? null : `${(actual - max).toFixed(1)} ${unit} over (${(actual / max).toFixed(1)}x the bound)`,
  };
}

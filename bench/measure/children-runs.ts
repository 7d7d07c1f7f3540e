// The measurements that run in their own Node process: raw kafkajs,
// learnstream end to end (server and chdb), live-feed latency, heap per key.
// Throughput and latency children run under `node --cpu-prof` (both sides of
// a ratio, so the profiler's cost cancels out); heap children under
// `--expose-gc`, writing a sampling heap profile while the keys are alive. Each child profiles into its own directory:
// Node writes one file per thread (tsx's loader runs on a worker), and only
// the main thread's (thread id 0 in the default file name) is the workload's.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runChild } from '../children.js';
import type { BenchTopic } from '../data.js';
import type { EventLoopRun, HeapRun, LatencyRun, Throughput } from '../report/model.js';

const ownDir = (dir: string, name: string) => {
  const own = join(dir, name);
  mkdirSync(own, { recursive: true });
  return own;
};
const cpuProf = (dir: string, name: string) => ['--cpu-prof', `--cpu-prof-dir=${ownDir(dir, name)}`];

/** The main thread's profile of child `name` (file names: CPU|Heap.<date>.<time>.<pid>.<thread>.<seq>.<ext>). */
export function profilePath(dir: string, name: string, ext: 'cpuprofile' | 'heapprofile'): string | undefined {
  const own = join(dir, name);
  if (!existsSync(own)) return undefined;
  const main = readdirSync(own).find((f) => f === `main.${ext}` || (f.endsWith(`.${ext}`) && f.split('.')[4] === '0'));
  return main ? join(own, main) : undefined;
}

export function measureKafkajsRaw(brokers: string[], topic: BenchTopic, group: string, profileDir: string) {
  return runChild<Throughput & { decoded: number }>({
    child: 'kafkajs-raw',
    input: { brokers, topic: topic.topic, records: topic.records, group },
    nodeFlags: cpuProf(profileDir, 'kafkajs-raw'),
    timeoutMs: 600_000,
  });
}

export function measureLearnstream(
  brokers: string[],
  topic: BenchTopic,
  opts: {
    clickhouseUrl: string | null;
    group: string;
    database: string;
    name: string;
    profileDir: string;
    /** The secret the topic's ticks were signed with (produceBenchTopic). */
    pseudonymSecret: string;
  },
) {
  return runChild<Throughput & { results: Record<string, number>; clickhouseVersion: string }>({
    child: 'learnstream-e2e',
    input: {
      brokers,
      topic: topic.topic,
      partitions: topic.partitions,
      endOffsets: topic.endOffsets,
      pseudonymSecret: opts.pseudonymSecret,
      group: opts.group,
      clickhouseUrl: opts.clickhouseUrl,
      database: opts.database,
    },
    nodeFlags: cpuProf(opts.profileDir, opts.name),
    timeoutMs: 900_000,
  });
}

export function measureLatency(
  opts: { clickhouseUrl: string; database: string; clients: number; seconds: number; seed: number },
  profileDir: string,
) {
  return runChild<LatencyRun>({
    child: 'latency-engine',
    input: opts,
    nodeFlags: cpuProf(profileDir, `latency-${opts.clients}`),
    timeoutMs: 300_000,
  });
}

export function measureHeap(kind: HeapRun['kind'], keys: number, profileDir: string) {
  return runChild<HeapRun>({
    child: 'heap-per-key',
    input: { kind, keys, profile: join(ownDir(profileDir, `heap-${kind}-${keys}`), 'main.heapprofile') },
    nodeFlags: ['--expose-gc', '--max-old-space-size=4096'],
    timeoutMs: 600_000,
  });
}

/** Longest synchronous steps of one partition processor at `keys` mastery keys, drained in `sliceMs` slices. */
export function measureEventLoop(keys: number, profileDir?: string, sliceMs = 20) {
  return runChild<EventLoopRun>({
    child: 'event-loop',
    input: { keys, sliceMs },
    nodeFlags: ['--max-old-space-size=8192', ...(profileDir ? cpuProf(profileDir, 'event-loop') : [])],
    timeoutMs: 1_800_000,
  });
}

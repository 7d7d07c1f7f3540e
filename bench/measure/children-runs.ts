// The measurements that run in their own Node process: raw kafkajs,
// learnstream end to end (server and chdb), live-feed latency, heap per key.
// Throughput and latency children run under `node --cpu-prof` (both sides of
// a ratio, so the profiler's cost cancels out); heap children under
// `--expose-gc --heap-prof`. The profiles land in `profileDir`.
import { join } from 'node:path';
import { runChild } from '../children.js';
import type { BenchTopic } from '../data.js';
import type { HeapRun, LatencyRun, Throughput } from '../report/model.js';

const cpuProf = (dir: string, name: string) => [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
  `--cpu-prof-name=${name}.cpuprofile`,
];

export const profilePath = (dir: string, name: string, ext: 'cpuprofile' | 'heapprofile') =>
  join(dir, `${name}.${ext}`);

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
  opts: { clickhouseUrl: string | null; group: string; database: string; name: string; profileDir: string },
) {
  return runChild<Throughput & { results: Record<string, number>; clickhouseVersion: string }>({
    child: 'learnstream-e2e',
    input: {
      brokers,
      topic: topic.topic,
      partitions: topic.partitions,
      endOffsets: topic.endOffsets,
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
    input: { kind, keys },
    nodeFlags: [
      '--expose-gc',
      '--max-old-space-size=4096',
      '--heap-prof',
      `--heap-prof-dir=${profileDir}`,
      `--heap-prof-name=heap-${kind}-${keys}.heapprofile`,
    ],
    timeoutMs: 600_000,
  });
}

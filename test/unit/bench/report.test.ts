// The benchmark's report pieces that do arithmetic or promise fields: target
// checks (met / missed by how much), the required-field walk, the options,
// the markdown table and SVG chart, and the profile summaries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../../bench/options.js';
import { reportChart } from '../../../bench/report/chart.js';
import { reportMarkdown } from '../../../bench/report/markdown.js';
import { atLeast, atMost, type BenchReport, missingReportPaths } from '../../../bench/report/model.js';
import { topCpuFrames, topHeapFrames } from '../../../bench/report/profile.js';
import { tempDir } from '../../support/index.js';

const throughput = (records: number, seconds: number) => ({ records, seconds, recordsPerSecond: records / seconds });
const peer = {
  startupSeconds: 3,
  sessions: 5,
  weeklyUpdates: 2,
  gapMs: 1,
  graceMs: 1,
  capMs: 4,
  idleMs: 1,
  parallelism: 2,
  commitMs: 2000,
};

function sampleReport(): BenchReport {
  return {
    version: 1,
    date: '2026-11-22',
    command: 'npm run bench -- --events 1000',
    smoke: false,
    durationSeconds: 60,
    machine: {
      cores: 2,
      cpuModel: 'Test CPU',
      memoryGb: 8,
      os: 'Linux x64',
      loadAverage1m: 1,
      node: 'v20.0.0',
      java: '17',
      kafkaBroker: '4.4.0',
      kafkaTools: '4.3.1',
      kafkaStreams: '4.3.1',
      flink: '2.2.1',
      clickhouseServer: '18.16.1',
      chdb: '26.7.2.1',
    },
    data: {
      topic: 't',
      partitions: 4,
      events: 1000,
      records: 1004,
      bytes: 1,
      endOffsets: [251, 251, 251, 251],
      firstEventMs: 0,
      lastEventMs: 1,
      tickAtMs: 2,
      learners: 10,
      produceSeconds: 1,
    },
    throughput: {
      brokerLimit: { ...throughput(1004, 0.1), mbPerSecond: 1, withJoinRecordsPerSecond: 5000 },
      kafkajsRaw: { ...throughput(1004, 0.2), decoded: 1000 },
      kafkaStreams: { ...throughput(1004, 0.8), ...peer },
      flink: { ...throughput(1004, 0.5), ...peer },
      learnstreamServer: { ...throughput(1004, 0.4), results: {} },
      learnstreamChdb: { ...throughput(1004, 0.5), results: {} },
    },
    ratios: {
      learnstreamVsKafkajs: 0.5,
      learnstreamVsKafkaStreams: 2,
      learnstreamVsFlink: 1.25,
      learnstreamVsKafkaStreamsPerCore: 4,
      learnstreamVsFlinkPerCore: 2.5,
      kafkajsVsBrokerLimit: 0.5,
      learnstreamChdbVsKafkajs: 0.4,
    },
    latency: [{ clients: 100, windows: 10, messages: 1000, missing: 0, p50Ms: 2, p99Ms: 30, maxMs: 40 }],
    heap: [{ kind: 'sessions', keys: 1000, heapBytes: 250_000, bytesPerKey: 250 }],
    targets: [{ ...atLeast('learnstream / kafkajs', 0.5, 0.85), profile: 'p.cpuprofile', topFrames: [] }],
  };
}

describe('target checks', () => {
  it('says a ratio target is missed by the share it falls short', () => {
    // 0.68 of a 0.85 goal is 80% of it: 20% short.
    expect(atLeast('r', 0.68, 0.85)).toMatchObject({ met: false, missedBy: '20% short (0.68x of 0.85x)' });
    expect(atLeast('r', 1.2, 1.0)).toMatchObject({ met: true, missedBy: null });
  });

  it('says a bound is missed by the excess', () => {
    // 30 ms against 20 ms: 10 ms over, 1.5 times the bound.
    expect(atMost('p99', 30, 20, 'ms')).toMatchObject({ met: false, missedBy: '10.0 ms over (1.5x the bound)' });
    expect(atMost('p99', 20, 20, 'ms')).toMatchObject({ met: true, missedBy: null });
  });
});

describe('report fields', () => {
  it('finds nothing missing in a complete report and names what is missing otherwise', () => {
    const report = sampleReport();
    expect(missingReportPaths(report)).toEqual([]);
    const broken = sampleReport() as unknown as { latency: unknown[]; machine: Record<string, unknown> };
    broken.latency = [];
    delete broken.machine.chdb;
    expect(missingReportPaths(broken)).toEqual([
      'machine.chdb',
      'latency.0.p50Ms',
      'latency.0.p99Ms',
      'latency.0.maxMs',
    ]);
  });

  it('renders the ratios, latency and heap figures in the table and every contender in the chart', () => {
    const report = sampleReport();
    const md = reportMarkdown(report);
    expect(md).toContain(
      '**0.50x kafkajs, 2.00x Kafka Streams, 1.25x Flink**; per thread 4.00x Kafka Streams, 2.50x Flink',
    );
    expect(md).toContain('| 100 clients | 10 | 1,000 | 2.0 | 30.0 | 40.0 |');
    expect(md).toContain('| open sessions | 1,000 | 250 |');
    expect(md).toContain('**missed**: 41% short (0.50x of 0.85x) — profile `p.cpuprofile`');
    const svg = reportChart(report);
    // 1004 records in 0.4 s = 2510 records/s.
    expect(svg).toContain('>2,510<');
    for (const label of ['broker limit', 'raw kafkajs', 'Kafka Streams', 'Flink', 'learnstream → chdb'])
      expect(svg).toContain(label);
  });
});

describe('options', () => {
  it('defaults to the issue sizes and shrinks for --smoke', () => {
    expect(parseBenchOptions([])).toMatchObject({
      events: 2_000_000,
      clients: [100, 1000],
      keys: [100_000, 1_000_000],
    });
    expect(parseBenchOptions(['--smoke'])).toMatchObject({ events: 2000, clients: [10], keys: [10_000] });
    expect(parseBenchOptions(['--events', '200000'])).toMatchObject({ events: 200_000 });
    expect(() => parseBenchOptions(['--events', '0'])).toThrow(/--events wants positive integers/);
  });
});

describe('profile summaries', () => {
  const frame = (functionName: string, url: string) => ({
    functionName,
    url,
    lineNumber: 9,
    columnNumber: 0,
    scriptId: '1',
  });

  it('ranks CPU profile functions by self samples, idle left out', () => {
    const path = join(tempDir(), 'p.cpuprofile');
    writeFileSync(
      path,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: frame('(idle)', ''), hitCount: 100 },
          { id: 2, callFrame: frame('decode', 'file:///x/codec.js'), hitCount: 30 },
          { id: 3, callFrame: frame('process', 'file:///x/op.js'), hitCount: 10 },
          { id: 4, callFrame: frame('decode', 'file:///x/codec.js'), hitCount: 10 },
        ],
      }),
    );
    // decode 40 of 50 non-idle samples, process 10 of 50.
    expect(topCpuFrames(path)).toEqual([
      { function: 'decode', location: '/x/codec.js:10', share: 0.8 },
      { function: 'process', location: '/x/op.js:10', share: 0.2 },
    ]);
  });

  it('ranks the project allocation sites of a heap profile by live bytes', () => {
    const path = join(tempDir(), 'h.heapprofile');
    const node = (name: string, url: string, selfSize: number, children: unknown[] = []) => ({
      callFrame: frame(name, url),
      selfSize,
      children,
    });
    writeFileSync(
      path,
      JSON.stringify({
        head: node('(root)', '', 0, [
          node('loader', 'file:///x/node_modules/tsx/a.mjs', 900),
          node('process', 'file:///x/src/op.ts', 300, [node('clusterOf', 'file:///x/src/op.ts', 100)]),
        ]),
      }),
    );
    expect(topHeapFrames(path)).toEqual([
      { function: 'process', location: '/x/src/op.ts:10', share: 0.75 },
      { function: 'clusterOf', location: '/x/src/op.ts:10', share: 0.25 },
    ]);
  });
});

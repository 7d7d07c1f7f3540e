// The benchmark suite in CI size (`npm run bench -- --smoke`: 2,000 events,
// 10 WebSocket clients, 10k keys, state runs of 100 and 1,000 learners) on
// the real services, so the bench never rots. Its figures are printed, not
// asserted: only that the report, table, chart and the profiles of missed
// targets are written with every field, and that each state run's instance
// came back after kill -9 at the offsets it ended at.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReportPaths, parseBenchOptions, runBenchSuite } from '../../bench/index.js';
import type { BenchOptions } from '../../bench/options.js';
import { tempDir, testServices } from '../support/index.js';

describe('benchmark smoke run', () => {
  const saved = { brokers: process.env.KAFKA_BROKERS, url: process.env.CLICKHOUSE_URL };
  beforeAll(() => {
    const services = testServices();
    process.env.KAFKA_BROKERS = services.kafkaBrokers.join(',');
    process.env.CLICKHOUSE_URL = services.clickhouseUrl;
  });
  afterAll(() => {
    for (const [key, value] of [
      ['KAFKA_BROKERS', saved.brokers],
      ['CLICKHOUSE_URL', saved.url],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('writes a report with every figure, a markdown table and an SVG chart', async () => {
    const out = tempDir('learnstream-bench-smoke-');
    const opts = parseBenchOptions(['--smoke', '--out', out]) as BenchOptions;
    const { report, files } = await runBenchSuite(opts, 'npm run bench -- --smoke');
    const markdown = readFileSync(files.markdown, 'utf8');
    process.stdout.write(`\n${markdown}\n`);

    const written = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(missingReportPaths(written)).toEqual([]);
    expect(written.data.events).toBe(2000);
    expect(report.latency.map((l) => l.clients)).toEqual([10]);
    expect(report.heap.map((h) => `${h.kind}:${h.keys}`)).toEqual(['sessions:10000', 'mastery:10000']);
    // Every record pre-produced is read by every contender: the events plus one tick per partition.
    const records = 2000 + report.data.partitions;
    expect(report.throughput.kafkajsRaw.records).toBe(records);
    expect(report.throughput.learnstreamServer.records).toBe(records);
    expect(report.throughput.learnstreamChdb.records).toBe(records);
    expect(report.throughput.brokerLimit.records).toBe(records);
    expect(markdown).toContain('| target | goal | this run |');
    expect(readFileSync(files.chart, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    // The state section: a run per learner count, each instance restored after kill -9 at the offsets it ended at.
    const state = JSON.parse(readFileSync(files.state.json, 'utf8'));
    expect(state.runs.map((r: { learners: number }) => r.learners)).toEqual([100, 1000]);
    expect(state.failures).toEqual([]);
    for (const run of state.runs) {
      expect(run.events).toBe(1000);
      expect(run.masteryEntries).toBe(run.learners * 5);
      expect(run.checkpoints.length).toBeGreaterThanOrEqual(1);
      expect(run.restore).toMatchObject({ error: null, offsetsMatch: true });
      expect(run.restore.partitions).toHaveLength(6);
    }
    expect(readFileSync(files.state.markdown, 'utf8')).toContain('## Targets');
    for (const check of report.targets.filter((c) => !c.met)) {
      expect(check.profile, check.name).not.toBeNull();
      expect(existsSync(check.profile as string)).toBe(true);
    }
  }, 360_000);
});

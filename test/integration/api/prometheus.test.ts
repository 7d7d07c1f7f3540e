// A real Prometheus (Debian's /usr/bin/prometheus) scrapes the engine's
// /metrics: the test starts it with a generated config on free loopback ports
// and a temp TSDB, feeds 25 records through the in-process source (the real
// code path that counts consumed records), makes API requests, and asks
// Prometheus' HTTP API for the counters it scraped.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerApiRoutes } from '../../../src/api/index.js';
import { createHttpServer, type HttpServer } from '../../../src/api/server.js';
import { rootLogger } from '../../../src/core/logger.js';
import { metricsRegistry } from '../../../src/core/metrics.js';
import { createInProcessSource } from '../../../src/ingest/in-process-source.js';
import { freePort } from '../../../src/services/ports.js';
import type { ClickHouseStore } from '../../../src/views/index.js';
import { openTestStore, tempDir, waitFor } from '../../support/index.js';
import { loadFixture, testConfig } from './fixtures.js';

const prometheusBin = '/usr/bin/prometheus';

let http: HttpServer;
let store: ClickHouseStore;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promLog = '';

async function promQuery(expr: string): Promise<number | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  if (body.status !== 'success' || body.data.result.length === 0) return undefined;
  return Number(body.data.result[0]!.value[1]);
}

async function consumedNow(): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find(
    (x) => x.name === 'learnstream_source_records_consumed_total',
  );
  return Number(m?.values[0]?.value ?? 0);
}

beforeAll(async () => {
  if (!existsSync(prometheusBin)) throw new Error(`${prometheusBin} missing: apt-get install prometheus`);
  store = await openTestStore('chdb');
  await loadFixture(store, []);
  http = createHttpServer({ logger: rootLogger() });
  await registerApiRoutes(http.app, { store, config: testConfig(), logger: rootLogger() });
  const target = new URL(await http.listen('127.0.0.1', 0)).host;
  const dir = tempDir('learnstream-prometheus-');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: learnstream',
      '    scrape_interval: 1s',
      '    scrape_timeout: 900ms',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  prometheus = spawn(
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus.stderr?.on('data', (d) => {
    promLog = (promLog + d.toString()).slice(-4000);
  });
  await waitFor(
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
      return (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 30_000, intervalMs: 200, message: 'prometheus ready' },
  );
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await http?.close();
  await store?.close();
});

it('Prometheus scrapes /metrics and its query API returns the consumed counter', async () => {
  // 25 records (watermark ticks) through the in-process source: it counts each delivered record.
  const source = createInProcessSource({ partitions: 3, pseudonymSecret: 'prometheus-test-secret' });
  const before = await consumedNow();
  let delivered = 0;
  await source.run({
    async onBatch(batch) {
      delivered += batch.records.length;
    },
  });
  for (let i = 0; i < 25; i++) await source.appendTick(i % 3, Date.UTC(2026, 10, 2) + i * 1000);
  await waitFor(() => delivered === 25, { message: '25 records delivered' });
  await source.stop();
  const expected = before + 25;
  expect(await consumedNow()).toBe(expected);

  // Two API requests so the API's own histogram has samples too.
  await http.app.inject({ method: 'GET', url: '/v1/privacy/levels' });
  await http.app.inject({ method: 'GET', url: '/v1/privacy/levels' });

  await waitFor(async () => (await promQuery('learnstream_source_records_consumed_total')) === expected, {
    timeoutMs: 30_000,
    intervalMs: 250,
    message: `Prometheus sees learnstream_source_records_consumed_total = ${expected}`,
  });
  expect(await promQuery('up{job="learnstream"}')).toBe(1);
  await waitFor(
    async () =>
      (await promQuery(
        'sum(learnstream_http_request_duration_seconds_count{route="/v1/privacy/levels",status_code="200"})',
      )) === 2,
    { timeoutMs: 30_000, intervalMs: 250, message: 'Prometheus sees 2 API requests' },
  );
  expect(await promQuery('learnstream_live_clients')).toBe(0);
});

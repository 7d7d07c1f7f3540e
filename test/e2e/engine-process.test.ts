// The engine as a user runs it: `learnstream start` on embedded defaults,
// health and metrics over HTTP, a clean exit on SIGTERM, and a fast, named
// failure on an invalid setting.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/services/ports.js';
import { tempDir, waitFor } from '../support/index.js';

const bin = new URL('../../bin/learnstream.mjs', import.meta.url).pathname;

function startEngine(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out };
}

describe('learnstream start', () => {
  let running: ChildProcess | undefined;
  afterEach(() => {
    if (running && running.exitCode === null) running.kill('SIGKILL');
  });

  it('serves /healthz, /readyz and Prometheus /metrics, and exits 0 within 5 s of SIGTERM', async () => {
    const port = await freePort();
    const { child, output } = startEngine({
      LEARNSTREAM_PORT: String(port),
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${tempDir()}/chdb`,
    });
    running = child;
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, { timeoutMs: 60_000, message: output() });
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await waitFor(async () => {
      const r = await fetch(`${base}/readyz`);
      return r.status === 200 ? r : undefined;
    });
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/^# HELP learnstream_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^# TYPE learnstream_process_cpu_user_seconds_total counter$/m);
    // Every sample line is `name{labels} value` in the text exposition format.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eE]+|NaN|[+-]Inf$/);
    }

    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('refuses an invalid setting with a message naming it', async () => {
    const { child, output } = startEngine({ LEARNSTREAM_PORT: 'abc' });
    running = child;
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(output()).toContain('LEARNSTREAM_PORT');
    expect(output()).toContain('"abc"');
  });
});

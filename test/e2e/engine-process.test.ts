// The engine as a user runs it: `learnstream start` on embedded defaults,
// health and metrics over HTTP, a clean exit on SIGTERM, and a fast, named
// failure on an invalid setting and on default secrets outside embedded mode
// on loopback.
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
    // Embedded on loopback keeps the default secrets, with one warning naming them.
    expect(output().match(/default or weak secrets/g)?.length).toBe(1);
    expect(output()).toContain('LEARNSTREAM_AUTH_JWT_SECRET (auth.jwtSecret) is the documented default');
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

  it('on embedded defaults fills the tenant figures from the demo history right after listening; JSON logs on a pipe', async () => {
    const port = await freePort();
    const { child, output } = startEngine({
      LEARNSTREAM_PORT: String(port),
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${tempDir()}/chdb`,
    });
    running = child;
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => output().includes('learnstream listening on'), { timeoutMs: 60_000, message: output() });
    const listening = Date.now();
    const token = /development token \(admin, embedded mode\): ([A-Za-z0-9_.-]+)/.exec(output())?.[1];
    expect(token).toBeDefined();
    // What the dashboard's tenant page reads first: sessions and active learners of the last 30 days.
    const figures = await waitFor(
      async () => {
        const r = await fetch(`${base}/v1/tenants/tenant-01/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await r.json()) as { activeLearners?: number; sessions?: { count?: number } };
        return (body.sessions?.count ?? 0) > 0 && (body.activeLearners ?? 0) > 0 ? body : undefined;
      },
      { timeoutMs: 60_000, message: output() },
    );
    // The README's quick start promises figures within 15 s; printed here, measured in the README.
    console.log(`[first minute] tenant-01 figures ${Date.now() - listening} ms after the listening line`);
    expect(figures.sessions?.count).toBeGreaterThan(0);
    // The history came at once; the last 48 simulated hours play paced after it.
    expect(output()).toMatch(/embedded simulator: \d+ events of history at once, then \d+ over the last 48 h at 1800x/);
    await waitFor(() => output().includes('simulated history handed over'), { timeoutMs: 30_000, message: output() });
    // Not a terminal (a pipe): one JSON object per line.
    for (const line of output()
      .split('\n')
      .filter((l) => l.startsWith('{'))) {
      expect(JSON.parse(line)).toHaveProperty('level');
    }
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 120_000);

  it('refuses an invalid setting with a message naming it', async () => {
    const { child, output } = startEngine({ LEARNSTREAM_PORT: 'abc' });
    running = child;
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(output()).toContain('LEARNSTREAM_PORT');
    expect(output()).toContain('"abc"');
  });

  it('refuses to start with the documented default secrets in Kafka mode or bound to every interface', async () => {
    const secrets = [
      'LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET',
      'LEARNSTREAM_PRIVACY_NOISE_SECRET',
      'LEARNSTREAM_AUTH_JWT_SECRET',
    ];
    const modes: Record<string, string>[] = [
      // No broker at this address: the refusal comes before any connection.
      { LEARNSTREAM_SOURCE_KIND: 'kafka', KAFKA_BROKERS: '127.0.0.1:1' },
      { LEARNSTREAM_SERVER_HOST: '0.0.0.0' },
    ];
    for (const env of modes) {
      const port = await freePort();
      const { child, output } = startEngine({
        ...env,
        LEARNSTREAM_PORT: String(port),
        LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${tempDir()}/chdb`,
        // A strong JWT secret alone is not enough: the other two are still the defaults.
        ...(env.LEARNSTREAM_SERVER_HOST ? { LEARNSTREAM_AUTH_JWT_SECRET: 'b'.repeat(24) + 'c'.repeat(24) } : {}),
      });
      running = child;
      const [code] = await once(child, 'exit');
      expect(code, output()).toBe(1);
      expect(output()).toContain('learnstream start: [LS_CONFIG_DEFAULT_SECRET]');
      const named = env.LEARNSTREAM_SERVER_HOST ? secrets.slice(0, 2) : secrets;
      for (const name of named) expect(output()).toContain(`${name} (`);
      if (env.LEARNSTREAM_SERVER_HOST) expect(output()).not.toContain('LEARNSTREAM_AUTH_JWT_SECRET (');
      expect(output()).toContain('openssl rand -hex 32');
      // Nothing was served: the port is still free.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });
});

// Runs `learnstream start` as a child process, as an operator would: real
// environment variables, real signals. Used by the crash, scale-out and
// end-to-end tests. Each engine gets strong test secrets (the engine refuses
// its documented defaults outside embedded mode on loopback); a test's own
// environment overrides them.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/services/ports.js';
import { waitFor } from './helpers.js';

const bin = new URL('../../bin/learnstream.mjs', import.meta.url).pathname;

export interface EngineProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no flush, no checkpoint, no goodbye. */
  kill(): Promise<void>;
}

/** Distinct secrets of 32+ bytes: what an operator sets with `openssl rand -hex 32`. */
export const testSecrets = {
  LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: 'test-pseudonym-secret-7c2f0a91d4e85b36-0123456789',
  LEARNSTREAM_PRIVACY_NOISE_SECRET: 'test-noise-secret-3e9d1b7a05c6f248-0123456789abcd',
  LEARNSTREAM_AUTH_JWT_SECRET: 'test-jwt-secret-a81f4c27e690d35b-0123456789abcdef',
} as const;

export async function spawnEngine(env: Record<string, string>): Promise<EngineProcess> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [bin, 'start'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LEARNSTREAM_LOG_LEVEL: process.env.LEARNSTREAM_TEST_ENGINE_LOG_LEVEL ?? 'warn',
      LEARNSTREAM_PORT: String(port),
      ...testSecrets,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // LEARNSTREAM_TEST_ENGINE_LOG_DIR keeps each engine's whole output in a file of its own (debugging).
  const logDir = process.env.LEARNSTREAM_TEST_ENGINE_LOG_DIR;
  const logFile = logDir ? join(logDir, `engine-${Date.now()}-${port}.log`) : undefined;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const append = (d: Buffer) => {
    if (logFile) appendFileSync(logFile, d);
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}: ${out}`);
      return (await fetch(`${baseUrl}/healthz`)).ok;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: 'engine /healthz' },
  );
  return {
    child,
    port,
    baseUrl,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

// Shared test helpers: unique names, polling instead of sleeps, and access to
// the services the global setup found or started.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

/** A name no other test (or earlier run) uses: safe for topics, tables, databases, groups. */
export function uniqueName(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9_]/g, '_')}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function tempDir(prefix = 'learnstream-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `check` until it returns a truthy value (returned) or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`waitFor timed out after ${timeoutMs} ms: ${opts.message ?? 'condition not met'}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface TestServices {
  kafkaBrokers: string[];
  clickhouseUrl: string;
  origin: string;
}

export function testServices(): TestServices {
  const brokers = inject('kafkaBrokers');
  const url = inject('clickhouseUrl');
  if (!brokers || !url) {
    throw new Error('no services: run this test in the integration or e2e project (npm test), not as a unit test');
  }
  return { kafkaBrokers: brokers.split(','), clickhouseUrl: url, origin: inject('servicesOrigin') };
}

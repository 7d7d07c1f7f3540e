// The state-at-scale measurements: per learner count, a run child (one
// instance, 6 partitions, checkpoints to ClickHouse) killed with SIGKILL once
// it reported, then a fresh restore child timed on getting the instance back
// from ClickHouse. Each run uses its own database, dropped afterwards.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { runChild, runChildThenKill } from '../children.js';
import type { StateRestoreFigures, StateRun, StateRunFigures } from '../state/model.js';

export interface StateRunOptions {
  learners: number;
  events: number;
  partitions: number;
  seed: number;
  checkpointIntervalMs: number;
  sliceMs: number;
  clickhouseUrl: string;
  /** A plain identifier: bench_state_<stamp>_<learners>. */
  database: string;
  maxOldSpaceMb: number;
  profileDir: string;
}

export async function measureStateRun(o: StateRunOptions): Promise<StateRun> {
  const runDir = join(o.profileDir, `state-${o.learners}`);
  const restoreDir = join(o.profileDir, `state-restore-${o.learners}`);
  mkdirSync(runDir, { recursive: true });
  mkdirSync(restoreDir, { recursive: true });
  try {
    const run = await runChildThenKill<StateRunFigures>({
      child: 'state-run',
      input: {
        learners: o.learners,
        events: o.events,
        partitions: o.partitions,
        seed: o.seed,
        checkpointIntervalMs: o.checkpointIntervalMs,
        sliceMs: o.sliceMs,
        clickhouseUrl: o.clickhouseUrl,
        database: o.database,
        maxOldSpaceMb: o.maxOldSpaceMb,
        profileDir: runDir,
      },
      nodeFlags: [`--max-old-space-size=${o.maxOldSpaceMb}`],
      timeoutMs: 3 * 3_600_000,
    });
    const spawned = performance.now();
    const restoring = runChild<Omit<StateRestoreFigures, 'spawnToRestoredMs' | 'error'>>({
      child: 'state-restore',
      input: {
        partitions: o.partitions,
        clickhouseUrl: o.clickhouseUrl,
        database: o.database,
        sliceMs: o.sliceMs,
        offsets: run.offsets,
      },
      nodeFlags: [`--max-old-space-size=${o.maxOldSpaceMb}`, '--cpu-prof', `--cpu-prof-dir=${restoreDir}`],
      timeoutMs: 3_600_000,
    });
    // A restore that fails (out of memory, a string past V8's limit) is a finding, not the end of the section.
    const restore = await restoring.then(
      (r): StateRestoreFigures => ({ ...r, spawnToRestoredMs: performance.now() - spawned, error: null }),
      (err: unknown): StateRestoreFigures => failedRestore(err),
    );
    return { ...run, restore };
  } finally {
    await dropDatabase(o.clickhouseUrl, o.database).catch(() => undefined);
  }
}

function failedRestore(err: unknown): StateRestoreFigures {
  return {
    partitions: [],
    restoreMs: Number.NaN,
    loadMs: Number.NaN,
    applyMs: Number.NaN,
    spawnToRestoredMs: Number.NaN,
    rssBytes: Number.NaN,
    heapBytes: Number.NaN,
    eventLoopDelayMaxMs: Number.NaN,
    offsetsMatch: false,
    error: (err as Error)?.message ?? String(err),
  };
}

async function dropDatabase(url: string, database: string): Promise<void> {
  // Only names this section makes, checked to be plain identifiers before they reach SQL.
  if (!/^bench_state_[a-z0-9_]+$/.test(database)) throw new Error(`not a state bench database: ${database}`);
  const client = createClient({ url });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await client.close();
  }
}

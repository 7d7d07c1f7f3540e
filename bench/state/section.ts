// The state-at-scale section (`npm run bench -- --only state`, and part of the
// full run): heap per open session and per mastery entry at the largest key
// count, then per learner count one instance run + restore after kill -9;
// judges the targets and writes <date>-state.json and .md, with the
// profile of every missed target next to them.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import { measureHeap, profilePath } from '../measure/children-runs.js';
import { measureStateRun } from '../measure/state-runs.js';
import type { BenchOptions } from '../options.js';
import type { HeapRun, TargetCheck } from '../report/model.js';
import { topCpuFrames, topHeapFrames } from '../report/profile.js';
import type { StateRun, StateSection } from './model.js';
import { stateChecks, stateMarkdown } from './report.js';
import { throughputRatio } from './stats.js';

export const STATE_PARTITIONS = 6;
const SLICE_MS = 20;

export interface StateSectionFiles {
  json: string;
  markdown: string;
  profiles: string[];
}

async function clickhouseVersion(url: string): Promise<string> {
  const client = createClient({ url });
  try {
    const rows = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{
      v: string;
    }>();
    return rows[0]?.v ?? 'unknown';
  } finally {
    await client.close();
  }
}

/**
 * Runs the section. `heap` reuses heap-per-key runs the caller already made
 * (the full suite); otherwise they are measured here at the largest --keys.
 */
export async function runStateSection(
  opts: BenchOptions,
  o: { clickhouseUrl: string; profileDir: string; stamp: string; command: string; heap?: HeapRun[] },
  say: (msg: string) => void,
): Promise<{ section: StateSection; files: StateSectionFiles }> {
  const keys = Math.max(...opts.keys);
  let heap = o.heap?.filter((h) => h.keys === keys) ?? [];
  if (heap.length === 0) {
    heap = [];
    for (const kind of ['sessions', 'mastery'] as const) {
      say(`state: heap per key, ${kind}, ${keys} keys`);
      const run = await measureHeap(kind, keys, o.profileDir);
      say(`  ${run.bytesPerKey.toFixed(0)} bytes/key`);
      heap.push(run);
    }
  }
  const runs: StateRun[] = [];
  const failures: StateSection['failures'] = [];
  for (const learners of opts.stateLearners) {
    say(`state: ${learners} learners × 5 topics, ${opts.stateEvents} events, ${STATE_PARTITIONS} partitions`);
    const run = await measureStateRun({
      learners,
      events: opts.stateEvents,
      partitions: STATE_PARTITIONS,
      seed: opts.seed,
      checkpointIntervalMs: opts.stateCheckpointMs,
      sliceMs: SLICE_MS,
      clickhouseUrl: o.clickhouseUrl,
      database: `bench_state_${o.stamp}_${learners}`,
      maxOldSpaceMb: opts.stateHeapMb,
      profileDir: o.profileDir,
    }).catch((err: unknown) => {
      // A run that dies (out of memory, a string past V8's limit) is a figure of its own.
      const error = (err as Error)?.message ?? String(err);
      say(`  failed: ${error.slice(0, 500)}`);
      failures.push({ learners, error });
      return undefined;
    });
    if (!run) continue;
    say(
      `  ${Math.round(run.eventsPerSecond)} events/s; checkpoint p50 ${run.checkpoint.total.p50.toFixed(0)} ms, ` +
        `p99 ${run.checkpoint.total.p99.toFixed(0)} ms; event-loop delay p99 ${run.eventLoopDelayP99Ms.toFixed(0)} ms; ` +
        `peak RSS ${(run.peakRssBytes / 1e9).toFixed(2)} GB; restore ${(run.restore.restoreMs / 1000).toFixed(1)} s`,
    );
    runs.push(run);
  }
  const bySize = [...runs].sort((a, b) => a.learners - b.learners);
  const smallest = bySize[0];
  const largest = bySize[bySize.length - 1];
  const ratio = smallest && largest ? throughputRatio(largest.eventsPerSecond, smallest.eventsPerSecond) : Number.NaN;

  const date = new Date().toISOString().slice(0, 10);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${date}-state`);
  const profiles: string[] = [];
  const targets: TargetCheck[] = stateChecks({ heap, runs, failures, throughputRatio: ratio }).map(
    ({ check, profile }) => {
      const source = profilePath(o.profileDir, profile.name, profile.ext);
      if ((check.met && !opts.keepProfiles) || !source) return { ...check, profile: null, topFrames: [] };
      const target = `${base}-${profile.name.replace(/^state-/, '')}.${profile.ext}`;
      if (!profiles.includes(target)) {
        copyFileSync(source, target);
        profiles.push(target);
      }
      const topFrames = profile.ext === 'cpuprofile' ? topCpuFrames(source) : topHeapFrames(source);
      return { ...check, profile: relative(process.cwd(), target), topFrames };
    },
  );
  const section: StateSection = {
    version: 1,
    date,
    command: o.command,
    smoke: opts.smoke,
    machine: {
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      clickhouseServer: await clickhouseVersion(o.clickhouseUrl).catch(() => 'unknown'),
    },
    heap,
    runs,
    failures,
    throughputRatio: ratio,
    targets,
  };
  const files = { json: `${base}.json`, markdown: `${base}.md`, profiles };
  writeFileSync(files.json, `${JSON.stringify(section, null, 2)}\n`);
  writeFileSync(files.markdown, stateMarkdown(section));
  return { section, files };
}

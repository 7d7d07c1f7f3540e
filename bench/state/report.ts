// The state section's targets (issue 12, judged in the report, not in tests)
// and its markdown: the heap per key, one row per learner count, the
// checkpoint and restore figures, each target met or missed by how much.
import { defaultEngineSettings } from '../../src/processors/index.js';
import { atLeast, atMost, type TargetCheck } from '../report/model.js';
import type { StateRun, StateSection } from './model.js';

type Check = Omit<TargetCheck, 'profile' | 'topFrames'>;

/** Where a target's evidence lives: a profile of the named child, for when it is missed. */
export interface StateCheck {
  check: Check;
  profile: { name: string; ext: 'cpuprofile' | 'heapprofile' };
}

export const HEAP_PER_KEY_BOUND = 200;
export const RSS_BOUND_GB = 4;
export const CHECKPOINT_P99_BOUND_MS = 1000;
export const EVENT_LOOP_P99_BOUND_MS = 100;
export const RESTORE_BOUND_MS = 30_000;
export const THROUGHPUT_RATIO_FLOOR = 0.9;

const GB = 1e9;

/** The issue's targets against the section's figures; the instance targets are judged on the largest run. */
export function stateChecks(
  section: Pick<StateSection, 'heap' | 'runs' | 'throughputRatio'> & Partial<Pick<StateSection, 'failures'>>,
): StateCheck[] {
  const checks: StateCheck[] = section.heap.map((h) => ({
    check: atMost(
      `heap per ${h.kind === 'sessions' ? 'open session' : 'mastery entry'}, ${h.keys} keys`,
      h.bytesPerKey,
      HEAP_PER_KEY_BOUND,
      'bytes',
    ),
    profile: { name: `heap-${h.kind}-${h.keys}`, ext: 'heapprofile' },
  }));
  for (const f of section.failures ?? []) {
    checks.push({
      check: {
        name: `run at ${f.learners} learners`,
        target: 'completes',
        actual: Number.NaN,
        unit: '',
        met: false,
        missedBy: `failed: ${errorLine(f.error)}`,
      },
      profile: { name: `state-${f.learners}`, ext: 'heapprofile' },
    });
  }
  const largest = [...section.runs].sort((a, b) => b.learners - a.learners)[0];
  if (!largest) return checks;
  const smallest = [...section.runs].sort((a, b) => a.learners - b.learners)[0] as StateRun;
  const at = `${largest.masteryEntries} mastery entries`;
  const run = { name: `state-${largest.learners}`, ext: 'cpuprofile' } as const;
  checks.push(
    {
      check: atMost(`peak RSS, ${at}`, largest.peakRssBytes / GB, RSS_BOUND_GB, 'GB'),
      profile: { name: `state-${largest.learners}`, ext: 'heapprofile' },
    },
    {
      check: atMost(`checkpoint p99, ${at}`, largest.checkpoint.total.p99, CHECKPOINT_P99_BOUND_MS, 'ms'),
      profile: run,
    },
    {
      check: atMost(`event-loop delay p99, ${at}`, largest.eventLoopDelayP99Ms, EVENT_LOOP_P99_BOUND_MS, 'ms'),
      profile: run,
    },
    {
      check: restoreCheck(largest, at),
      profile: { name: `state-restore-${largest.learners}`, ext: 'cpuprofile' },
    },
  );
  if (largest !== smallest) {
    checks.push({
      check: atLeast(
        `events/s at ${largest.learners} learners / at ${smallest.learners} learners`,
        section.throughputRatio,
        THROUGHPUT_RATIO_FLOOR,
      ),
      profile: run,
    });
  }
  return checks;
}

/** An error's first line, fit for a table cell (no stack, no pipes). */
export function errorLine(error: string): string {
  return (error.split('\n')[0] ?? '').slice(0, 400).replaceAll('|', '\\|');
}

function restoreCheck(run: StateRun, at: string): Check {
  const check = atMost(`restore after kill -9, ${at}`, run.restore.restoreMs, RESTORE_BOUND_MS, 'ms');
  if (run.restore.error !== null) return { ...check, met: false, missedBy: `failed: ${errorLine(run.restore.error)}` };
  if (!run.restore.offsetsMatch)
    return { ...check, met: false, missedBy: 'restored at other offsets than the run ended at' };
  return check;
}

/** How many of the partition checkpoints were full ones (the rest deltas on a chain). */
export function fullShare(run: Pick<StateRun, 'checkpoints' | 'partitions'>): string {
  if (run.checkpoints.some((c) => c.fullPartitions === undefined)) return 'all full';
  const full = run.checkpoints.reduce((sum, c) => sum + (c.fullPartitions ?? 0), 0);
  return `${full} of ${run.checkpoints.length * run.partitions}`;
}

/** Events/s with the periodic checkpoint captures' time (processing paused at the barrier) left out. */
export function eventsPerSecondOutsideCaptures(run: Pick<StateRun, 'events' | 'seconds' | 'checkpoints'>): number {
  const capturedMs = run.checkpoints.filter((c) => !c.final).reduce((sum, c) => sum + c.captureMs, 0);
  return run.events / (run.seconds - capturedMs / 1000);
}

// A figure that could not be measured is NaN in memory and null once through JSON: both print as a dash.
const n = (v: number | null, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';
const gb = (bytes: number | null) => n(bytes === null ? null : bytes / GB, 2);
const s = (ms: number | null) => n(ms === null ? null : ms / 1000, 1);

export function stateMarkdown(r: StateSection): string {
  const m = r.machine;
  const first = r.runs[0];
  const rows: string[] = [
    `# State at scale — ${r.date}${r.smoke ? ' (smoke size: figures printed, not meaningful)' : ''}`,
    '',
    `\`${r.command}\` on ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, ClickHouse server ${m.clickhouseServer}. ` +
      'The machine is shared with other work (load average per run below): wall-clock figures are noisy, ratios within one run less so.',
    '',
    '## Heap per tracked key (forced GC)',
    '',
    '| kind | keys | bytes/key |',
    '|---|---:|---:|',
    ...r.heap.map(
      (h) =>
        `| ${h.kind === 'sessions' ? 'open sessions' : 'learner × topic mastery entries'} | ${n(h.keys)} | ${n(h.bytesPerKey)} |`,
    ),
    '',
    '## One instance, 6 partitions: L learners × 5 topics',
    '',
    first
      ? `Question attempts (each item exercising the learner's 5 topics) in event-time order over two ISO weeks (days close in the stream, the first week too), ` +
        `each learner in its murmur2 partition; ${n(first.events)} events per run, drained in slices with the event loop free between them; ` +
        `a checkpoint every ${n(first.checkpointIntervalMs)} ms of wall time${first.checkpointIntervalMs === defaultEngineSettings().checkpointIntervalMs ? ' (the engine default)' : ''}: captured at a barrier ` +
        "(`checkpointParts()` with yields, processing paused: a full checkpoint or a delta on the partition's chain, a rewrite spread over deltas, chosen by the pipeline's own CheckpointChain), " +
        'then saved to the ClickHouse server one partition after another while processing goes on, ' +
        'one checkpoint at a time, plus a final one after the last event. Then the process is killed with SIGKILL and a fresh one restores all 6 partitions ' +
        '(`ClickHouseCheckpointStore.load` + `beginRestore` part by part), one after another as the pipeline does.'
      : 'No run.',
    '',
    '| learners | mastery entries | events/s | events/s outside captures | results | checkpoints (full of partition checkpoints) | checkpoint p50 / p99 ms | capture p50 / p99 ms | save p50 / p99 ms | largest checkpoint MB | event-loop delay p99 / max ms | load avg |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.runs.map((run) => {
      const c = run.checkpoint;
      const largest = run.checkpoints.reduce((mx, f) => Math.max(mx, f.chars), 0);
      return (
        `| ${n(run.learners)} | ${n(run.masteryEntries)} | ${n(run.eventsPerSecond)} | ${n(eventsPerSecondOutsideCaptures(run))} | ${n(run.results)} | ${n(c.total.count)} (${fullShare(run)}) | ` +
        `${n(c.total.p50)} / ${n(c.total.p99)} | ${n(c.capture.p50)} / ${n(c.capture.p99)} | ${n(c.save.p50)} / ${n(c.save.p99)} | ` +
        `${n(largest / 1e6, 1)} | ${n(run.eventLoopDelayP99Ms, 1)} / ${n(run.eventLoopDelayMaxMs, 1)} | ${n(run.loadAverage1m, 1)} |`
      );
    }),
    '',
    '| learners | peak RSS GB | peak heap GB | restore after kill -9 s (load + apply) | restart to restored s | RSS after restore GB | offsets after restore |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...r.runs.map(
      (run) =>
        `| ${n(run.learners)} | ${gb(run.peakRssBytes)} | ${gb(run.peakHeapBytes)} | ` +
        `${s(run.restore.restoreMs)} (${s(run.restore.loadMs)} + ${s(run.restore.applyMs)}) | ` +
        `${s(run.restore.spawnToRestoredMs)} | ${gb(run.restore.rssBytes)} | ${run.restore.error !== null ? 'restore failed' : run.restore.offsetsMatch ? 'as the run ended' : '**differ**'} |`,
    ),
    '',
    ...r.failures.map((f) => `\n**${n(f.learners)} learners: the run failed** — ${errorLine(f.error)}`),
    ...r.runs
      .filter((run) => run.restore.error !== null)
      .map((run) => `\n**${n(run.learners)} learners: the restore failed** — ${errorLine(run.restore.error ?? '')}`),
    '',
    `Throughput at the largest learner count over the smallest: **${n(r.throughputRatio, 2)}x**. ` +
      'Events/s is wall clock from the first event to the last one drained, checkpoint captures (processing paused) included; ' +
      'outside captures, the time of the periodic captures is left out (the saves still share the thread); ' +
      'checkpoint durations run from capture start to save end. Peak RSS is the process high-water mark (getrusage), ' +
      `with --max-old-space-size=${first ? n(first.maxOldSpaceMb) : '—'}.`,
    '',
    '## Targets',
    '',
    '| target | goal | this run | |',
    '|---|---|---:|---|',
    ...r.targets.map(
      (c) =>
        `| ${c.name} | ${c.target} | ${n(c.actual, 2)} ${c.unit} | ${c.met ? 'met' : `**missed**: ${c.missedBy}${c.profile ? ` — profile \`${c.profile}\`` : ''}`} |`,
    ),
  ];
  const missed = r.targets.filter((c) => !c.met && c.topFrames.length > 0);
  if (missed.length > 0) {
    rows.push('', 'Where the time (or heap) goes, for each missed target (self share of the profile):', '');
    for (const c of missed) {
      rows.push(
        `- ${c.name}: ${c.topFrames
          .slice(0, 5)
          .map((f) => `\`${f.function}\` ${(f.share * 100).toFixed(0)}% (${f.location})`)
          .join('; ')}`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

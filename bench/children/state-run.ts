// Child process of the state-at-scale run: one instance's 6 partition
// processors fed L learners × 5 topics (bench/state/workload.ts) in slices of
// `sliceMs` with the event loop free between slices, a checkpoint every
// `checkpointIntervalMs` of wall time (captured at a barrier with yields, then
// saved to ClickHouse while processing goes on, one at a time, as the
// pipeline does), and a final checkpoint after the last event. It prints its
// RESULT line and then waits to be killed with SIGKILL (the restore child
// measures what a fresh process gets back). A CPU profile and a sampling heap
// profile are taken through the inspector, since a killed process writes none.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { ClickHouseCheckpointStore, openServerStore, runMigrations } from '../../src/views/index.js';
import { resultPrefix } from '../children.js';
import { type CapturedPartition, InstanceState } from '../state/instance-state.js';
import type { StateCheckpointFigures, StateRunFigures } from '../state/model.js';
import { distribution } from '../state/stats.js';
import { makeLearners, TOPICS_PER_LEARNER, workloadRecords } from '../state/workload.js';

interface Input {
  learners: number;
  events: number;
  partitions: number;
  seed: number;
  checkpointIntervalMs: number;
  sliceMs: number;
  clickhouseUrl: string;
  database: string;
  maxOldSpaceMb: number;
  /** Where the CPU and heap profiles go (main.cpuprofile, main.heapprofile). */
  profileDir: string;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function run(input: Input): Promise<StateRunFigures> {
  const loadAverage1m = loadavg()[0] as number;
  const store = await openServerStore({
    url: input.clickhouseUrl,
    database: input.database,
    requestTimeoutMs: 600_000,
  });
  await runMigrations(store);
  const checkpoints = new ClickHouseCheckpointStore(store);

  const t = performance.now();
  const learners = makeLearners(input.learners, input.partitions, input.seed);
  const setupSeconds = (performance.now() - t) / 1000;

  const inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 10_000 });
  await inspector.post('Profiler.start');
  await inspector.post('HeapProfiler.startSampling', { samplingInterval: 512 * 1024 });

  const instance = new InstanceState(input.partitions);
  const records = workloadRecords(input, learners);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const figures: StateCheckpointFigures[] = [];
  let saving: Promise<void> | undefined;
  let peakHeap = 0;
  const checkpoint = async (final: boolean) => {
    const started = performance.now();
    const captured: CapturedPartition[] = await instance.capture(input.sliceMs);
    const captureMs = performance.now() - started;
    const parts = captured.reduce((s, c) => s + c.parts, 0);
    const fullPartitions = captured.filter((c) => c.kind === 'full').length;
    const chars = captured.reduce((s, c) => s + c.chars, 0);
    const saveStarted = performance.now();
    // Wrapped: the caller goes on processing while the save runs.
    return {
      saved: instance.save(checkpoints, captured).then(() => {
        const end = performance.now();
        figures.push({
          captureMs,
          saveMs: end - saveStarted,
          totalMs: end - started,
          parts,
          chars,
          fullPartitions,
          final,
        });
      }),
    };
  };

  let processed = 0;
  let results = 0;
  let current: Iterator<unknown> | undefined;
  const started = performance.now();
  let lastCheckpointRun = started;
  let done = false;
  while (!done) {
    const sliceStart = performance.now();
    // The clock is read before every step, so a slice can end right after a record's last result.
    while (performance.now() - sliceStart < input.sliceMs) {
      if (current) {
        if (current.next().done) current = undefined;
        else results++;
        continue;
      }
      const next = records.next();
      if (next.done) {
        done = true;
        break;
      }
      current = instance.process(next.value);
      processed++;
    }
    const heap = getHeapStatistics().used_heap_size;
    if (heap > peakHeap) peakHeap = heap;
    // A checkpoint runs at a barrier: between records, the last one's results drained.
    if (
      !done &&
      !saving &&
      current === undefined &&
      performance.now() - lastCheckpointRun >= input.checkpointIntervalMs
    ) {
      lastCheckpointRun = performance.now();
      saving = (await checkpoint(false)).saved.finally(() => {
        saving = undefined;
      });
    }
    await yieldToLoop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (saving) await saving;
  await (await checkpoint(true)).saved;
  loop.disable();

  const { profile: cpu } = await inspector.post('Profiler.stop');
  writeFileSync(`${input.profileDir}/main.cpuprofile`, JSON.stringify(cpu));
  const { profile: heapProfile } = await inspector.post('HeapProfiler.stopSampling');
  writeFileSync(`${input.profileDir}/main.heapprofile`, JSON.stringify({ head: heapProfile.head }));
  inspector.disconnect();
  const heap = getHeapStatistics().used_heap_size;
  if (heap > peakHeap) peakHeap = heap;
  await store.close();

  const all = figures;
  return {
    learners: input.learners,
    events: processed,
    partitions: input.partitions,
    masteryEntries: Math.min(input.learners, processed) * TOPICS_PER_LEARNER,
    setupSeconds,
    seconds,
    eventsPerSecond: processed / seconds,
    results,
    checkpointIntervalMs: input.checkpointIntervalMs,
    checkpoints: figures,
    checkpoint: {
      total: distribution(all.map((f) => f.totalMs)),
      capture: distribution(all.map((f) => f.captureMs)),
      save: distribution(all.map((f) => f.saveMs)),
    },
    eventLoopDelayP99Ms: loop.percentile(99) / 1e6,
    eventLoopDelayMaxMs: loop.max / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: peakHeap,
    maxOldSpaceMb: input.maxOldSpaceMb,
    loadAverage1m,
    offsets: instance.offsets(),
  };
}

const input = JSON.parse(process.argv[2] ?? '{}') as Input;
run(input).then(
  (result) => {
    process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
    // Stay alive with the state in memory until the parent kills this process (SIGKILL).
    setInterval(() => undefined, 60_000);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

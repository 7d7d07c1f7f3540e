// Child process of the event-loop run: the longest synchronous step of one
// partition processor holding N mastery keys (learner × topic), for each kind
// of bulk work: checkpoint capture (per part), restore (per part), erasure
// (per learner), the day close emitting N snapshots (per result, drained in
// 20 ms slices with the event loop free between slices) and the week close
// after it. perf_hooks.monitorEventLoopDelay watches the loop meanwhile.
// Each step is timed by wall clock and by process CPU time: on a machine
// shared with other work the wall clock includes time the OS gave to others.

import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SourceRecord } from '../../src/ingest/event.js';
import { PartitionProcessor } from '../../src/processors/index.js';
import { questionAttemptEvent } from '../../src/processors/testing/index.js';
import { childMain } from '../children.js';
import type { EventLoopRun, StepFigures } from '../report/model.js';

interface Input {
  keys: number;
  sliceMs: number;
}

const TOPICS = 10;
const T0 = Date.UTC(2026, 0, 6, 8); // a Tuesday
const DAY = 86_400_000;
const pseudonym = (i: number) => i.toString(16).padStart(32, '0');
/** Event ids are UUIDs, as the contract requires of every event that reaches a processor. */
const eventIdOf = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Times each step of `steps` (one `next()` each), yielding to the event loop after every `sliceMs`. */
async function sliced<T>(steps: Iterator<T>, sliceMs: number): Promise<StepFigures & { slices: number }> {
  const figures = { steps: 0, totalMs: 0, maxStepMs: 0, maxStepCpuMs: 0, maxSliceMs: 0, slices: 0 };
  const started = performance.now();
  for (;;) {
    const sliceStart = performance.now();
    let done = false;
    while (performance.now() - sliceStart < sliceMs) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      done = steps.next().done ?? false;
      const step = performance.now() - t;
      const used = process.cpuUsage(cpu);
      if (step > figures.maxStepMs) figures.maxStepMs = step;
      const stepCpu = (used.user + used.system) / 1000;
      if (stepCpu > figures.maxStepCpuMs) figures.maxStepCpuMs = stepCpu;
      if (done) break;
      figures.steps++;
    }
    figures.slices++;
    figures.maxSliceMs = Math.max(figures.maxSliceMs, performance.now() - sliceStart);
    if (done) break;
    await yieldToLoop();
  }
  figures.totalMs = performance.now() - started;
  return figures;
}

childMain(async (input: Input): Promise<EventLoopRun> => {
  const loadAverage1m = loadavg()[0]!;
  const learners = Math.ceil(input.keys / TOPICS);
  const topicIds = Array.from({ length: TOPICS }, (_, i) => `topic-${i}`);
  const processor = new PartitionProcessor(0);
  let offset = 0;
  const fedAt = performance.now();
  for (let i = 0; i < learners; i++) {
    const event = questionAttemptEvent(
      T0 + Math.floor((i / learners) * 10 * 3_600_000), // over 10 h, in time order
      { tenantId: `tenant-${i % 8}`, learnerId: pseudonym(i), eventId: eventIdOf(i) },
      { topicIds, correct: i % 3 !== 0, score: i % 3 !== 0 ? 1 : 0 },
    );
    const record: SourceRecord = { type: 'event', partition: 0, offset: String(offset++), event };
    for (const _ of processor.process(record)) {
      // sessions closing as event time moves on
    }
    if (i % 10_000 === 0) await yieldToLoop();
  }
  const feedSeconds = (performance.now() - fedAt) / 1000;

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  // Capture, part by part.
  const parts: string[] = [];
  let maxPartChars = 0;
  const captureSteps = processor.snapshotParts()[Symbol.iterator]();
  const capture = await sliced(
    {
      next: () => {
        const r = captureSteps.next();
        if (!r.done) {
          parts.push(r.value);
          maxPartChars = Math.max(maxPartChars, r.value.length);
        }
        return r;
      },
    },
    input.sliceMs,
  );

  // Restore into a second processor, part by part (dropped after the erasure: one processor per instance).
  let restored: PartitionProcessor | undefined = new PartitionProcessor(0);
  const restore = restored.beginRestore({ offset: processor.nextOffset, seqs: processor.lastSeqs });
  let p = 0;
  const restoreFigures = await sliced(
    {
      next: () => {
        if (p < parts.length) {
          restore.add(parts[p++]!);
          return { done: false, value: undefined };
        }
        restore.finish();
        return { done: true, value: undefined };
      },
    },
    input.sliceMs,
  );
  parts.length = 0;

  // Erasure of 1,000 learners on the restored copy.
  let f = 0;
  const erasure = await sliced(
    {
      next: () => {
        if (f >= 1000) return { done: true, value: undefined };
        restored?.forgetLearner(`tenant-${(f * 97) % 8}`, pseudonym((f * 97) % learners));
        f++;
        return { done: false, value: undefined };
      },
    },
    input.sliceMs,
  );

  restored = undefined;

  // The day close: N snapshots, drained in slices.
  const tick = (eventTime: number): SourceRecord => ({
    type: 'tick',
    partition: 0,
    offset: String(offset++),
    eventTime,
  });
  let t = performance.now();
  const closing = processor.process(tick(T0 + DAY))[Symbol.iterator]();
  const dayCloseCallMs = performance.now() - t;
  let snapshots = 0;
  const dayClose = await sliced(
    {
      next: () => {
        const r = closing.next();
        if (!r.done && r.value.output === 'mastery') snapshots++;
        return r;
      },
    },
    input.sliceMs,
  );

  // The week close after it (the learners' week and the churn week after).
  t = performance.now();
  const weekClosing = processor.process(tick(T0 + 15 * DAY))[Symbol.iterator]();
  const weekCloseCallMs = performance.now() - t;
  const weekClose = await sliced(weekClosing, input.sliceMs);
  loop.disable();

  return {
    keys: learners * TOPICS,
    learners,
    sliceMs: input.sliceMs,
    cores: availableParallelism(),
    loadAverage1m,
    feedSeconds,
    capture: { ...capture, parts: capture.steps, maxPartChars },
    restore: restoreFigures,
    erasure,
    dayClose: { ...dayClose, firstCallMs: dayCloseCallMs, snapshots },
    weekClose: { ...weekClose, firstCallMs: weekCloseCallMs },
    eventLoopDelayMaxMs: loop.max / 1e6,
  };
});

// The pipeline without services: the in-process source, the real partition
// processors, an in-memory checkpoint store, and a sink port the test holds
// back to prove backpressure, the flush → checkpoint → commit order, and
// exact resumption after a stop.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LearnstreamError } from '../../../src/core/errors.js';
import { Pipeline, type ResultSinkPort } from '../../../src/engine/pipeline.js';
import { createPartitionProcessor } from '../../../src/engine/processor-adapter.js';
import { Supervisor } from '../../../src/engine/supervisor.js';
import { createInProcessSource, generateEvents, type LearningEvent } from '../../../src/ingest/index.js';
import {
  defaultEngineSettings,
  InMemoryCheckpointStore,
  type OutputName,
  type StampedResult,
} from '../../../src/processors/index.js';
import { StoreUnavailable } from '../../../src/views/errors.js';
import { waitFor } from '../../support/index.js';

const logger = pino({ level: 'silent' });
const settings = defaultEngineSettings();
const SECRET = 'pipeline-unit-secret-0123456789';

/** A sink that records what it got, and can be held "full" by the test. */
class HeldSink implements ResultSinkPort {
  written: StampedResult[] = [];
  durable: StampedResult[] = [];
  log: string[] = [];
  full = false;
  private release: (() => void) | undefined;
  async restore(): Promise<Record<OutputName, number>> {
    return { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };
  }
  write(results: readonly StampedResult[]): void {
    this.written.push(...results);
  }
  needsBackpressure(): boolean {
    return this.full;
  }
  whenWritable(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((r) => {
      this.release = r;
    });
  }
  unblock(): void {
    this.full = false;
    this.release?.();
  }
  async flush(): Promise<void> {
    this.durable = [...this.written];
    this.log.push(`flush:${this.durable.length}`);
  }
}

function pipelineWith(
  sink: HeldSink,
  source: ReturnType<typeof createInProcessSource>,
  checkpoints: InMemoryCheckpointStore,
) {
  const commits: string[] = [];
  const originalCommit = source.commit.bind(source);
  source.commit = async (offsets) => {
    sink.log.push(`commit:${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
    commits.push(...offsets.map((o) => `${o.partition}@${o.offset}`));
    return originalCommit(offsets);
  };
  const originalSave = checkpoints.save.bind(checkpoints);
  checkpoints.save = async (cp) => {
    sink.log.push(`checkpoint:${cp.partition}@${cp.offset}`);
    return originalSave(cp);
  };
  return new Pipeline({
    source,
    sink,
    checkpoints,
    createProcessor: (p, cp) => createPartitionProcessor(p, cp, settings),
    group: 'g',
    topic: 't',
    logger,
    checkpointIntervalMs: 60_000,
    tickIntervalMs: 0,
    eventClock: () => Date.now(),
  });
}

const events: LearningEvent[] = generateEvents({ seed: 5, learners: 12, days: 14, tenants: 1, lateShare: 0 });

describe('Pipeline', () => {
  it('pauses consumption while the sink is full and resumes when it drains', async () => {
    const sink = new HeldSink();
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 50 });
    const checkpoints = new InMemoryCheckpointStore();
    const pipeline = pipelineWith(sink, source, checkpoints);
    const run = pipeline.run();
    sink.full = true;
    source.push(events);
    // The first batch that emits results meets a full sink: consumption stops there.
    await waitFor(() => sink.written.length > 0);
    const consumedWhileFull = pipeline.status()[0]?.nextOffset;
    await new Promise((r) => setTimeout(r, 300));
    expect(pipeline.status()[0]?.nextOffset).toBe(consumedWhileFull);
    expect(Number(consumedWhileFull)).toBeLessThan(events.length);
    sink.unblock();
    await waitFor(() => pipeline.status()[0]?.nextOffset === String(events.length));
    await pipeline.stop();
    await run;
  });

  it('makes results durable before the checkpoint, and the checkpoint before the commit', async () => {
    const sink = new HeldSink();
    const source = createInProcessSource({ partitions: 2, pseudonymSecret: SECRET });
    const checkpoints = new InMemoryCheckpointStore();
    const pipeline = pipelineWith(sink, source, checkpoints);
    const run = pipeline.run();
    source.push(events);
    const ends = source.endOffsets();
    await waitFor(
      () => pipeline.status().every((p) => p.nextOffset === ends[p.partition]) && pipeline.status().length === 2,
    );
    await pipeline.stop();
    await run;
    const flush = sink.log.findIndex((l) => l.startsWith('flush'));
    const firstCheckpoint = sink.log.findIndex((l) => l.startsWith('checkpoint'));
    const commit = sink.log.findIndex((l) => l.startsWith('commit'));
    expect(flush).toBeGreaterThanOrEqual(0);
    expect(flush).toBeLessThan(firstCheckpoint);
    expect(firstCheckpoint).toBeLessThan(commit);
    // Both partitions checkpointed at their log end, and committed there.
    for (const p of [0, 1]) {
      const cp = await checkpoints.load('g', 't', p);
      expect(cp?.offset).toBe(ends[p]);
    }
  });

  it('resumes from its checkpoint after a stop: results equal one uninterrupted run', async () => {
    // Uninterrupted reference.
    const refSink = new HeldSink();
    const refSource = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET });
    const ref = pipelineWith(refSink, refSource, new InMemoryCheckpointStore());
    const refRun = ref.run();
    refSource.push(events);
    await waitFor(() => ref.status()[0]?.nextOffset === String(events.length));
    await ref.stop();
    await refRun;

    // Same events, stopped half way and restarted on the same log and checkpoints.
    const sink = new HeldSink();
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
    const checkpoints = new InMemoryCheckpointStore();
    const first = pipelineWith(sink, source, checkpoints);
    const firstRun = first.run();
    const half = Math.floor(events.length / 2);
    source.push(events.slice(0, half));
    await waitFor(() => first.status()[0]?.nextOffset === String(half));
    await first.stop();
    await firstRun;
    const second = pipelineWith(sink, source, checkpoints);
    const secondRun = second.run();
    source.push(events.slice(half));
    await waitFor(() => second.status()[0]?.nextOffset === String(events.length));
    await second.stop();
    await secondRun;
    const key = (r: StampedResult) => JSON.stringify(r);
    expect(sink.written.map(key)).toEqual(refSink.written.map(key));
  });

  it('under the supervisor, a retriable sink failure restarts the pipeline and the results stay exact', async () => {
    const refSink = new HeldSink();
    const refSource = createInProcessSource({ partitions: 2, pseudonymSecret: SECRET });
    const ref = pipelineWith(refSink, refSource, new InMemoryCheckpointStore());
    const refRun = ref.run();
    refSource.push(events);
    const ends = refSource.endOffsets();
    await waitFor(() => ref.status().length === 2 && ref.status().every((p) => p.nextOffset === ends[p.partition]));
    await ref.stop();
    await refRun;

    // The sink refuses its first write with a retriable error (ClickHouse briefly unreachable).
    const sink = new HeldSink();
    let refusals = 0;
    const write = sink.write.bind(sink);
    sink.write = (results) => {
      if (refusals === 0) {
        refusals++;
        throw new LearnstreamError(StoreUnavailable, 'connection refused');
      }
      write(results);
    };
    const source = createInProcessSource({ partitions: 2, pseudonymSecret: SECRET });
    const checkpoints = new InMemoryCheckpointStore();
    let current: Pipeline | undefined;
    let fatal: unknown;
    let created = 0;
    const supervisor = new Supervisor(
      async () => {
        created++;
        current = pipelineWith(sink, source, checkpoints);
        return current;
      },
      {
        logger,
        initialBackoffMs: 10,
        onFatal: (e) => {
          fatal = e;
        },
      },
    );
    const supervised = supervisor.start();
    source.push(events);
    await waitFor(
      () =>
        refusals === 1 &&
        current?.status().length === 2 &&
        current.status().every((p) => p.nextOffset === ends[p.partition]),
    );
    await supervisor.stop();
    await supervised;
    expect(fatal).toBeUndefined();
    expect(created).toBe(2);
    const key = (r: StampedResult) => JSON.stringify(r);
    expect(sink.written.map(key).sort()).toEqual(refSink.written.map(key).sort());
  });
});

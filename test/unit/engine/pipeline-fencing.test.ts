// The pipeline's ownership rules without services: a scripted source the test
// drives (assignments, batches), an in-memory claim store where "another
// instance" can take a partition, the real partition processors. Each rule is
// the one docs/delivery.md states; expected values are worked out here.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type OwnerClaim, type OwnershipPort, Pipeline, type ResultSinkPort } from '../../../src/engine/pipeline.js';
import { createPartitionProcessor } from '../../../src/engine/processor-adapter.js';
import type { LearningEvent, SourceRecord } from '../../../src/ingest/event.js';
import type { EventSource, SourceBatch, SourceHandler } from '../../../src/ingest/source.js';
import {
  defaultEngineSettings,
  InMemoryCheckpointStore,
  type OutputName,
  type StampedResult,
} from '../../../src/processors/index.js';
import { waitFor } from '../../support/index.js';

const logger = pino({ level: 'silent' });
const settings = defaultEngineSettings();
const T0 = Date.UTC(2026, 0, 5, 9);

class ScriptedSource implements EventSource {
  handler: SourceHandler | undefined;
  seeks: [number, string | null][] = [];
  ticks: [number, number][] = [];
  commits = 0;
  failCommits = false;
  /** The log end `seek` reports. */
  high = '1000';
  async run(handler: SourceHandler): Promise<void> {
    this.handler = handler;
  }
  async commit(): Promise<void> {
    this.commits++;
    if (this.failCommits) throw new Error('The coordinator is not aware of this member');
  }
  pause(): void {}
  resume(): void {}
  async seek(partition: number, offset: string | null) {
    this.seeks.push([partition, offset]);
    return { low: '0', high: this.high };
  }
  async appendTick(partition: number, eventTime: number): Promise<void> {
    this.ticks.push([partition, eventTime]);
  }
  async lag() {
    return [];
  }
  async stop(): Promise<void> {}
  assign(partitions: number[]) {
    return this.handler?.onAssignment?.(partitions);
  }
  batch(partition: number, records: SourceRecord[], highWatermark?: string) {
    const b: SourceBatch = {
      partition,
      records,
      deadLetters: [],
      firstOffset: records[0]?.offset,
      lastOffset: records[records.length - 1]?.offset ?? '0',
      highWatermark: highWatermark ?? String(Number(records[records.length - 1]?.offset ?? 0) + 1),
    };
    return this.handler?.onBatch(b);
  }
}

class Claims implements OwnershipPort {
  private readonly current_ = new Map<number, OwnerClaim>();
  async claim(partition: number, owner: string): Promise<OwnerClaim> {
    const claim = { epoch: (this.current_.get(partition)?.epoch ?? 0) + 1, owner };
    this.current_.set(partition, claim);
    return claim;
  }
  async current(partition: number): Promise<OwnerClaim | undefined> {
    return this.current_.get(partition);
  }
  steal(partition: number): void {
    void this.claim(partition, 'another-instance');
  }
}

class MemorySink implements ResultSinkPort {
  written: StampedResult[] = [];
  restored: [number, OwnerClaim | undefined][] = [];
  async restore(partition: number, _seqs?: unknown, claim?: OwnerClaim): Promise<Record<OutputName, number>> {
    this.restored.push([partition, claim]);
    return { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };
  }
  write(results: readonly StampedResult[]): void {
    for (const r of results) this.written.push(r);
  }
  needsBackpressure(): boolean {
    return false;
  }
  async whenWritable(): Promise<void> {}
  async flush(): Promise<void> {}
}

function event(i: number, learner = 'L1', atMs = T0 + i * 60_000): SourceRecord {
  const e: LearningEvent = {
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    tenantId: 't1',
    learnerId: learner,
    occurredAt: atMs,
    receivedAt: atMs,
    source: 'lms',
    schemaVersion: 2,
    body: { kind: 'activity', category: 'page_view', action: 'opened', objectId: null, durationMs: null },
  };
  return { type: 'event', partition: 0, offset: String(i), event: e };
}

function setup(
  opts: {
    tickIntervalMs?: number;
    clock?: () => number;
    checkpointIntervalMs?: number;
    checkpoints?: InMemoryCheckpointStore;
    high?: string;
  } = {},
) {
  const source = new ScriptedSource();
  if (opts.high) source.high = opts.high;
  const claims = new Claims();
  const sink = new MemorySink();
  const checkpoints = opts.checkpoints ?? new InMemoryCheckpointStore();
  const pipeline = new Pipeline({
    source,
    sink,
    checkpoints,
    ownership: claims,
    instanceId: 'me',
    createProcessor: (p, cp) => createPartitionProcessor(p, cp, settings),
    group: 'dep',
    topic: 'events',
    logger,
    checkpointIntervalMs: opts.checkpointIntervalMs ?? 60_000,
    tickIntervalMs: opts.tickIntervalMs ?? 0,
    tickCatchUpAfterMs: 3_600_000,
    outOfOrdernessMs: settings.outOfOrdernessMs,
    eventClock: opts.clock ?? (() => Date.now()),
  });
  const run = pipeline.run();
  run.catch(() => undefined);
  return { source, claims, sink, checkpoints, pipeline, run };
}

describe('Pipeline ownership', () => {
  it('claims, restores and seeks on every assignment; a second assignment starts again from the checkpoint', async () => {
    const { source, sink, checkpoints, pipeline } = setup();
    await waitFor(() => source.handler !== undefined);
    await source.assign([0]);
    expect(source.seeks).toEqual([[0, null]]); // no checkpoint yet: the log start
    expect(sink.restored).toEqual([[0, { epoch: 1, owner: 'me' }]]);
    expect(await source.batch(0, [event(0), event(1), event(2)])).toBe(true);
    await pipeline.checkpoint(true);
    expect((await checkpoints.load('dep', 'events', 0))?.offset).toBe('3');
    expect(await source.batch(0, [event(3), event(4)])).toBe(true);
    expect(pipeline.status()[0]?.nextOffset).toBe('5');

    // Rejoined (e.g. after a pause) with the same partition: state from before is not trusted.
    await source.assign([0]);
    expect(source.seeks).toEqual([
      [0, null],
      [0, '3'],
    ]);
    expect(sink.restored[1]).toEqual([0, { epoch: 2, owner: 'me' }]);
    expect(pipeline.status()[0]?.nextOffset).toBe('3');
    await pipeline.stop();
  });

  it('refuses batches of partitions it does not own, and batches that would leave a gap', async () => {
    const { source, sink, pipeline } = setup();
    await waitFor(() => source.handler !== undefined);
    await source.assign([0]);
    expect(await source.batch(1, [{ ...event(0), partition: 1 }])).toBe(false);
    expect(await source.batch(0, [event(0), event(1)])).toBe(true);
    // Offsets 2..4 were never applied: a batch from 5 (fetched before a seek) is refused and the source sought to 2.
    expect(await source.batch(0, [event(5), event(6)])).toBe(false);
    expect(source.seeks.at(-1)).toEqual([0, '2']);
    expect(pipeline.status()[0]?.nextOffset).toBe('2');
    expect(sink.written.every((r) => r.partition === 0)).toBe(true);
    await pipeline.stop();
  });

  it('keeps running when offset commits fail (rebalance, broker away); the checkpoint is still saved', async () => {
    const { source, checkpoints, pipeline, run } = setup();
    await waitFor(() => source.handler !== undefined);
    await source.assign([0]);
    source.failCommits = true;
    await source.batch(0, [event(0), event(1)]);
    await pipeline.checkpoint(true);
    expect(source.commits).toBe(1);
    expect((await checkpoints.load('dep', 'events', 0))?.offset).toBe('2');
    const outcome = await Promise.race([
      run.then(
        () => 'ended',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(() => r('running'), 200)),
    ]);
    expect(outcome).toBe('running');
    source.failCommits = false;
    await pipeline.stop();
  });

  it('bounds a tick by the partition’s own event time plus the quiet time, and appends none once its claim is gone', async () => {
    let clock = T0 + 86_400_000; // the wall clock is a day ahead of the data (a backfill)
    const { source, claims, pipeline } = setup({ tickIntervalMs: 40, clock: () => clock });
    await waitFor(() => source.handler !== undefined);
    await source.assign([0]);
    // Highest event time: event 4 at T0 + 4 min (occurredAt = receivedAt).
    await source.batch(0, [event(0), event(1), event(2), event(3), event(4)]);
    clock += 45_000; // 45 s of event clock pass while the partition is quiet
    await waitFor(() => source.ticks.length > 0, { timeoutMs: 5000 });
    expect(source.ticks[0]).toEqual([0, T0 + 4 * 60_000 + 45_000]);

    claims.steal(0);
    const before = source.ticks.length;
    clock += 45_000;
    await new Promise((r) => setTimeout(r, 400));
    expect(source.ticks.length).toBe(before);
    await pipeline.stop();
  });

  it('restored at the log end, counts as caught up: ticks close its windows without any new record', async () => {
    const checkpoints = new InMemoryCheckpointStore();
    const first = setup({ checkpoints });
    await waitFor(() => first.source.handler !== undefined);
    await first.source.assign([0]);
    await first.source.batch(0, [event(0), event(1), event(2)]);
    await first.pipeline.stop(); // a final checkpoint at offset 3, the log end
    let clock = T0 + 86_400_000;
    const second = setup({ checkpoints, tickIntervalMs: 40, clock: () => clock, high: '3' });
    const advance = setInterval(() => {
      clock += 1_000;
    }, 20);
    try {
      await waitFor(() => second.source.handler !== undefined);
      await second.source.assign([0]);
      expect(second.source.seeks).toEqual([[0, '3']]);
      await waitFor(() => second.source.ticks.length > 0, { timeoutMs: 5000 });
    } finally {
      clearInterval(advance);
      await second.pipeline.stop();
    }
  });

  it('after a pause at the end of a stream, proves its membership with a commit and appends ticks again', async () => {
    let clock = T0 + 86_400_000;
    const { source, pipeline } = setup({ tickIntervalMs: 40, clock: () => clock, checkpointIntervalMs: 200 });
    const tick = setInterval(() => {
      clock += 1_000;
    }, 20);
    try {
      await waitFor(() => source.handler !== undefined);
      await source.assign([0]);
      await source.batch(0, [event(0), event(1), event(2)]); // the last records of the stream
      await waitFor(() => source.ticks.length > 0 && source.commits > 0, { timeoutMs: 5000 });
      // The process stalls (a long GC, SIGSTOP): housekeeping sees a gap past 2 s and withholds ticks.
      const stallUntil = Date.now() + 2_600;
      while (Date.now() < stallUntil) {
        /* busy: the event loop is blocked */
      }
      const commitsBefore = source.commits;
      await new Promise((r) => setTimeout(r, 150));
      const ticksAfterStall = source.ticks.length;
      // No record will ever come: the next checkpoint commits the offsets it holds, and ticks resume.
      await waitFor(() => source.commits > commitsBefore && source.ticks.length > ticksAfterStall + 2, {
        timeoutMs: 5000,
      });

      // A member the group dropped is refused that commit: its ticks stay withheld.
      source.failCommits = true;
      const stallAgain = Date.now() + 2_600;
      while (Date.now() < stallAgain) {
        /* busy */
      }
      await new Promise((r) => setTimeout(r, 600));
      const withheld = source.ticks.length;
      await new Promise((r) => setTimeout(r, 600));
      expect(source.ticks.length).toBe(withheld);
    } finally {
      clearInterval(tick);
      source.failCommits = false;
      await pipeline.stop();
    }
  });
});

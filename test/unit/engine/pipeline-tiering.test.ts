// Tiered state through the pipeline: an engine stopped in June (its final
// checkpoint takes the learner idle since January out of memory, into the
// cold tier, before the checkpoint that records them gone), restarted from
// that checkpoint, brings the learner back when they return in July. Every
// result equals one uninterrupted run that kept everyone in memory.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type ColdStatePort, Pipeline, type ResultSinkPort } from '../../../src/engine/pipeline.js';
import { createPartitionProcessor } from '../../../src/engine/processor-adapter.js';
import { createInProcessSource, type LearningEvent } from '../../../src/ingest/index.js';
import {
  activityEvent,
  type CheckpointStore,
  type ColdLearner,
  defaultEngineSettings,
  InMemoryCheckpointStore,
  type OutputName,
  type PartitionCheckpoint,
  questionAttemptEvent,
  type StampedResult,
} from '../../../src/processors/index.js';
import { waitFor } from '../../support/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const logger = pino({ level: 'silent' });
const settings = defaultEngineSettings();
const SECRET = 'pipeline-tiering-secret-0123456789';
const MIN = 60_000;
const DAY = 86_400_000;
const RETURN = Date.UTC(2026, 6, 6);

class ListSink implements ResultSinkPort {
  written: StampedResult[] = [];
  async restore(): Promise<Record<OutputName, number>> {
    return { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };
  }
  write(results: readonly StampedResult[]): void {
    this.written.push(...results);
  }
  needsBackpressure(): boolean {
    return false;
  }
  async whenWritable(): Promise<void> {}
  async flush(): Promise<void> {}
}

type VoidRanges = readonly (readonly [number, number])[];
const isVoid = (version: number, voided: VoidRanges) => voided.some(([from, to]) => version >= from && version <= to);

/** The cold tier as ClickHouseColdState keeps it: every row stays; the newest non-void row of a learner wins. */
class MemoryColdState implements ColdStatePort {
  readonly rows: { partition: number; version: number; learner: ColdLearner }[] = [];
  writes: string[] = [];
  async write(partition: number, learners: readonly ColdLearner[], version: number): Promise<void> {
    for (const l of learners) {
      this.rows.push({ partition, version, learner: structuredClone(l) });
      this.writes.push(l.key);
    }
  }
  async read(partition: number, keys: readonly string[], voided: VoidRanges = []): Promise<ColdLearner[]> {
    return keys.flatMap((k) => {
      const rows = this.rows.filter(
        (r) => r.partition === partition && r.learner.key === k && !isVoid(r.version, voided),
      );
      const newest = rows.reduce<(typeof rows)[number] | undefined>(
        (a, r) => (!a || r.version >= a.version ? r : a),
        undefined,
      );
      return newest ? [structuredClone(newest.learner)] : [];
    });
  }
  async any(partition: number, voided: VoidRanges = []): Promise<boolean> {
    return this.rows.some((r) => r.partition === partition && !isVoid(r.version, voided));
  }
  async newestVersion(partition: number): Promise<number> {
    return Math.max(0, ...this.rows.filter((r) => r.partition === partition).map((r) => r.version));
  }
  compactions: { landed: number; voided: VoidRanges }[] = [];
  /** Every row up to `landed` goes but each learner's newest outside `voided`. */
  async compact(partition: number, landed: number, voided: VoidRanges = []): Promise<number> {
    this.compactions.push({ landed, voided: structuredClone(voided) });
    const keep = new Map<string, number>();
    for (const r of this.rows) {
      if (r.partition !== partition || r.version > landed || isVoid(r.version, voided)) continue;
      keep.set(r.learner.key, Math.max(keep.get(r.learner.key) ?? 0, r.version));
    }
    const before = this.rows.length;
    const left = this.rows.filter(
      (r) => r.partition !== partition || r.version > landed || keep.get(r.learner.key) === r.version,
    );
    this.rows.splice(0, this.rows.length, ...left);
    return before - left.length;
  }
}

/** A checkpoint store whose saves never land (as when the fence drops a stale owner's checkpoints). */
class LostSaves implements CheckpointStore {
  constructor(private readonly inner: CheckpointStore) {}
  load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    return this.inner.load(group, topic, partition);
  }
  async save(): Promise<void> {}
  /** What the fence dropped is not in the store: a stale owner asking is told so. */
  async landed(): Promise<boolean> {
    return false;
  }
}

function events(): LearningEvent[] {
  const out: LearningEvent[] = [];
  const t0 = Date.UTC(2026, 0, 5);
  for (let i = 0; i < 3; i++)
    out.push(questionAttemptEvent(t0 + 9 * 60 * MIN + i * 5 * MIN, { tenantId: 't', learnerId: 'a' }));
  for (let day = t0; day < Date.UTC(2026, 7, 1); day += DAY) {
    if (day === RETURN) {
      out.push(questionAttemptEvent(day + 10 * 60 * MIN, { tenantId: 't', learnerId: 'a' }));
      out.push(questionAttemptEvent(day + 10 * 60 * MIN + 5 * MIN, { tenantId: 't', learnerId: 'a' }));
    }
    for (let f = 0; f < 3; f++)
      out.push(activityEvent(day + 12 * 60 * MIN + f * MIN, { tenantId: 't', learnerId: `f${f}` }));
  }
  return out;
}

function pipeline(
  sink: ListSink,
  source: ReturnType<typeof createInProcessSource>,
  checkpoints: CheckpointStore,
  coldState?: ColdStatePort,
  coldCompactIntervalMs = 0,
) {
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
    ...(coldState ? { coldState, stateIdleHorizonMs: 14 * DAY, coldCompactIntervalMs } : {}),
  });
}

async function runUntil(
  p: Pipeline,
  source: ReturnType<typeof createInProcessSource>,
  list: LearningEvent[],
  end: number,
) {
  const run = p.run();
  source.push(list);
  await waitFor(() => p.status()[0]?.nextOffset === String(end));
  await p.stop();
  await run;
}

describe('Pipeline with tiered state', () => {
  it('takes an idle learner out of memory at a checkpoint and brings them back after a restart, results exact', async () => {
    const all = events();
    const split = all.findIndex((e) => e.occurredAt >= Date.UTC(2026, 5, 30));

    const refSink = new ListSink();
    const refSource = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET });
    await runUntil(pipeline(refSink, refSource, new InMemoryCheckpointStore()), refSource, all, all.length);

    const sink = new ListSink();
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
    const checkpoints = new InMemoryCheckpointStore();
    const cold = new MemoryColdState();
    await runUntil(pipeline(sink, source, checkpoints, cold), source, all.slice(0, split), split);
    // The final checkpoint of the stop took 'a' (idle since January) out; the daily learners stayed.
    expect(cold.writes).toHaveLength(1);
    await runUntil(pipeline(sink, source, checkpoints, cold), source, all.slice(split), all.length);

    const json = (r: StampedResult) => JSON.stringify(r);
    expect(sink.written.map(json)).toEqual(refSink.written.map(json));
    // 'a' came back: the July mastery snapshot counts all five attempts.
    const july = sink.written.filter(
      (r) => r.output === 'mastery' && (r.result as { day: string }).day === '2026-07-06',
    );
    expect(july.map((r) => (r.result as { attempts: number }).attempts)).toEqual([5]);
  });

  it.each([
    ['without compaction', 0, 0],
    ['with the cold tier compacted at every landed checkpoint', 1, 0],
    ['with the stale owner trying to compact after each of its fenced checkpoints too', 1, 1],
  ])(
    'never brings a learner back from a cold row whose checkpoint did not land (%s)',
    async (_, compactMs, staleCompactMs) => {
      const all = events();
      const split = all.findIndex((e) => e.occurredAt >= Date.UTC(2026, 5, 30));
      const refSink = new ListSink();
      const refSource = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET });
      await runUntil(pipeline(refSink, refSource, new InMemoryCheckpointStore()), refSource, all, all.length);

      const sink = new ListSink();
      const source = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
      const checkpoints = new InMemoryCheckpointStore();
      const cold = new MemoryColdState();
      await runUntil(pipeline(sink, source, checkpoints, cold), source, all.slice(0, split), split);
      expect(cold.writes).toHaveLength(1); // 'a' went cold at the June checkpoint
      // Another owner whose checkpoints never land (stale, fenced), reading the same log: 'a' comes back in
      // July, goes idle and is evicted again at its last checkpoint. That cold row lands; the checkpoint does not.
      const stale = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
      // With compaction on, it asks after each save whether its checkpoint is in the store (the fence
      // dropped it): it must not delete June's row, which the owner continuing from June needs.
      await runUntil(
        pipeline(new ListSink(), stale, new LostSaves(checkpoints), cold, staleCompactMs),
        stale,
        all,
        all.length,
      );
      expect(cold.rows.map((r) => r.learner.key)).toEqual([cold.writes[0], cold.writes[0]]);
      expect(cold.rows[1]!.version).toBeGreaterThan(cold.rows[0]!.version);
      // The owner that continues from the June checkpoint must thaw 'a' from June's row, not the newer one
      // (which already holds July's attempts): every result as in the run that kept everyone in memory.
      const [june, stray] = cold.rows.map((r) => r.version);
      await sleep(2); // the compaction interval (1 ms) passes between the restore and the landing
      await runUntil(pipeline(sink, source, checkpoints, cold, compactMs), source, all.slice(split), all.length);
      const json = (r: StampedResult) => JSON.stringify(r);
      expect(sink.written.map(json)).toEqual(refSink.written.map(json));
      if (compactMs === 0) return;
      // Its final checkpoint (version past the stray row's) took 'a' out again and landed; compaction then kept
      // only that newest valid row: June's is superseded, the stray one void.
      expect(cold.compactions).toHaveLength(1);
      const { landed, voided } = cold.compactions[0]!;
      expect(voided).toEqual([[june! + 1, stray!]]);
      expect(cold.rows.map((r) => r.version)).toEqual([landed]);
    },
  );

  it('writes the cold row as evicted even when the learner returns before it is written', async () => {
    // Stopped-in-June state; the learner's eviction is captured at a checkpoint's barrier, and while that
    // checkpoint waits on the result sink, their July events arrive and thaw them from the eviction under way.
    const all = events();
    const split = all.findIndex((e) => e.occurredAt >= Date.UTC(2026, 5, 30));
    const back = all.findIndex((e) => e.occurredAt >= RETURN + DAY); // both July attempts of 'a' before this
    const refSink = new ListSink();
    const refSource = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET });
    await runUntil(pipeline(refSink, refSource, new InMemoryCheckpointStore()), refSource, all, all.length);

    const sink = new GatedSink();
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
    const inner = new InMemoryCheckpointStore();
    const checkpoints = new SwitchableSaves(inner);
    const cold = new MemoryColdState();
    const first = pipeline(sink, source, checkpoints, cold);
    const run = first.run();
    source.push(all.slice(0, split));
    await waitFor(() => first.status()[0]?.nextOffset === String(split));
    sink.close();
    const checkpoint = first.checkpoint(); // captures 'a' leaving, then waits on the sink
    await waitFor(() => sink.waiting);
    source.push(all.slice(split, back));
    await waitFor(() => first.status()[0]?.nextOffset === String(back));
    sink.open();
    await checkpoint;
    expect(cold.writes).toHaveLength(1);
    // The process dies here: nothing it does afterwards lands.
    checkpoints.lose = true;
    await first.stop();
    await run;

    // The next owner restores the checkpoint that recorded 'a' gone and reads the same log from its offset.
    const cp = await inner.load('g', 't', 0);
    if (!cp) throw new Error('no checkpoint');
    const next = new ListSink();
    const log = createInProcessSource({ partitions: 1, pseudonymSecret: SECRET, maxBatch: 100 });
    await runUntil(pipeline(next, log, inner, cold), log, all, all.length);
    const json = (r: StampedResult) => JSON.stringify(r);
    const tail = refSink.written.filter((r) => r.seq > cp.seqs[r.output]);
    expect(next.written.map(json)).toEqual(tail.map(json));
    const july = next.written.filter(
      (r) => r.output === 'mastery' && (r.result as { day: string }).day === '2026-07-06',
    );
    expect(july.map((r) => (r.result as { attempts: number }).attempts)).toEqual([5]);
  });
});

/** A result sink whose flush waits while closed (a slow ClickHouse during a checkpoint). */
class GatedSink extends ListSink {
  waiting = false;
  private gate: Promise<void> | undefined;
  private release: () => void = () => undefined;
  close(): void {
    this.gate = new Promise((r) => {
      this.release = r;
    });
  }
  open(): void {
    this.gate = undefined;
    this.release();
  }
  override async flush(): Promise<void> {
    if (!this.gate) return;
    this.waiting = true;
    await this.gate;
    this.waiting = false;
  }
}

/** Saves land until `lose` is set (the process is gone from then on). */
class SwitchableSaves implements CheckpointStore {
  lose = false;
  constructor(private readonly inner: CheckpointStore) {}
  load(group: string, topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    return this.inner.load(group, topic, partition);
  }
  async save(cp: PartitionCheckpoint): Promise<void> {
    if (!this.lose) await this.inner.save(cp);
  }
}

// The pipeline: source → partition processors → ClickHouse sink → live feed.
// Per batch it restores a partition's checkpoint on first sight, skips records
// the checkpoint already covers, feeds the processor, and hands results to the
// sink (awaiting it when it signals backpressure). Periodically it makes
// everything durable in order: results flushed → checkpoints saved → Kafka
// offsets committed. Quiet partitions get watermark ticks appended to the log.
import type { Logger } from '../core/logger.js';
import { counter, gauge, histogram } from '../core/metrics.js';
import type { EventKind, LearningEvent, SourceRecord } from '../ingest/event.js';
import type { EventSource, SourceBatch } from '../ingest/source.js';
import {
  type CheckpointStore,
  type OutputName,
  type PartitionCheckpoint,
  recordsSkippedTotal,
  type StampedResult,
} from '../processors/index.js';
import type { SupervisedTask } from './supervisor.js';

/** What the pipeline needs from a partition's processor. */
export interface PartitionProcessorPort {
  /** Results that became final with this record, stamped with partition and seq; lazy, drain fully before the next call. */
  process(record: SourceRecord): Iterable<StampedResult>;
  /** Marks offsets up to `offset` (exclusive) as consumed, e.g. past dead-lettered records. */
  advanceTo(offset: string): void;
  /** Next offset to process; undefined before the first record. */
  nextOffset(): string | undefined;
  /** Current partition watermark, epoch ms (−Infinity before any record). */
  watermark(): number;
  /** Last emitted seq per output. */
  seqs(): Record<OutputName, number>;
  /** Serialized operator state in bounded parts; lazy, drain with no record processed in between. */
  snapshotParts(): Iterable<string>;
  /** Erasure: drops one learner from the operators' state; true if anything was held. */
  forgetLearner(tenantId: string, learnerId: string): boolean;
}

/** What the pipeline needs from the sink (ClickHouseSink implements it). */
export interface ResultSinkPort {
  restore(partition: number, checkpointSeqs?: Partial<Record<OutputName, number>>): Promise<Record<OutputName, number>>;
  write(results: readonly StampedResult[]): void;
  needsBackpressure(): boolean;
  whenWritable(): Promise<void>;
  flush(): Promise<void>;
  forget?(partition: number): void;
}

/**
 * Optional drill-down copy of every accepted event (raw_events). Its natural
 * key is (partition, offset): `floor` tells the highest offset already stored,
 * so a replay after a crash does not store an event twice.
 */
export interface RawEventsPort {
  floor(partition: number): Promise<bigint | undefined>;
  write(records: { event: LearningEvent; partition: number; offset: string }[]): Promise<void>;
}

export interface PipelineOptions {
  rawEvents?: RawEventsPort;
  /** Only events of these kinds go to raw_events (all when unset). */
  rawEventKinds?: readonly EventKind[];
  /** Raw events buffered before an early checkpoint is forced. @default 20000 */
  rawEventsMaxBuffered?: number;
  source: EventSource;
  sink: ResultSinkPort;
  checkpoints: CheckpointStore;
  createProcessor: (partition: number, checkpoint: PartitionCheckpoint | undefined) => PartitionProcessorPort;
  group: string;
  topic: string;
  logger: Logger;
  /** Results are flushed, checkpointed and committed at least this often. */
  checkpointIntervalMs: number;
  /** A partition quiet this long (wall clock) gets a watermark tick. 0 disables ticks. */
  tickIntervalMs: number;
  /** Event-time "now" carried by ticks: wall clock in production, the simulated clock in embedded mode. */
  eventClock: () => number;
  /** Called with every batch of final results, right after they are emitted (the live feed). */
  onResults?: (results: StampedResult[]) => void;
}

const m = {
  records: counter({
    name: 'learnstream_pipeline_records_total',
    help: 'Records processed by the pipeline.',
    labelNames: ['type'] as const,
  }),
  checkpoints: counter({ name: 'learnstream_checkpoints_total', help: 'Partition checkpoints written.' }),
  lag: gauge({
    name: 'learnstream_consumer_lag_records',
    help: 'Records between the last consumed offset and the log end, per owned partition.',
    labelNames: ['partition'] as const,
  }),
  checkpointAge: gauge({
    name: 'learnstream_checkpoint_age_seconds',
    help: 'Seconds since the oldest owned partition was last checkpointed.',
  }),
  checkpointDuration: histogram({
    name: 'learnstream_checkpoint_duration_seconds',
    help: 'Flush + checkpoint + commit duration.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  watermarkLag: gauge({
    name: 'learnstream_watermark_lag_seconds',
    help: 'Event clock minus the engine watermark (min over owned partitions).',
  }),
  partitions: gauge({ name: 'learnstream_owned_partitions', help: 'Source partitions this instance owns.' }),
  ticks: counter({ name: 'learnstream_watermark_ticks_total', help: 'Watermark ticks appended to quiet partitions.' }),
  backpressure: counter({
    name: 'learnstream_backpressure_pauses_total',
    help: 'Times consumption paused because the sink was full.',
  }),
};

interface OwnedPartition {
  processor: PartitionProcessorPort;
  version: number;
  dirty: boolean;
  lastCheckpointWallMs: number;
  lastRecordWallMs: number;
  /** The last batch reached the partition's log end (no backlog). */
  caughtUp: boolean;
  /** Records behind the log end at the last batch. */
  lag: number;
  /** Highest offset raw_events already holds for this partition. */
  rawFloor: bigint | undefined;
}

export interface PartitionStatus {
  partition: number;
  watermarkMs: number | null;
  nextOffset: string | null;
  /** Records behind the log end at the last batch. */
  lag: number;
  /** Wall-clock ms since the partition's last record. */
  quietMs: number;
  lastCheckpointMs: number;
  seqs: Record<OutputName, number>;
}

export class Pipeline implements SupervisedTask {
  private readonly owned = new Map<number, OwnedPartition>();
  private readonly loading = new Map<number, Promise<OwnedPartition>>();
  private stopped = false;
  private paused = false;
  private failed = false;
  private sourceStopped = false;
  private inflight: Promise<void> | undefined;
  private rawBuffer: { event: LearningEvent; partition: number; offset: string }[] = [];
  private fail: ((err: unknown) => void) | undefined;
  private finish: (() => void) | undefined;
  private checkpointing: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lastCheckpointRun = Date.now();
  private readonly log: Logger;

  constructor(private readonly o: PipelineOptions) {
    this.log = o.logger.child({ component: 'pipeline' });
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      this.fail = (err) => {
        if (this.stopped) return;
        this.stopped = true;
        this.failed = true;
        this.clearTimers();
        reject(err);
      };
      this.o.source
        .run({
          onBatch: (batch) => {
            const work = this.onBatch(batch);
            this.inflight = work;
            return work.catch((err) => {
              this.fail?.(err);
              throw err;
            });
          },
          onAssignment: (partitions) => this.onAssignment(partitions),
        })
        .catch((err) => this.fail?.(err));
      this.timers.push(
        setInterval(
          () => {
            if (Date.now() - this.lastCheckpointRun >= this.o.checkpointIntervalMs) {
              this.checkpoint().catch((err) => this.fail?.(err));
            }
            this.updateGauges();
          },
          Math.max(50, Math.min(1000, this.o.checkpointIntervalMs / 2)),
        ),
      );
      if (this.o.tickIntervalMs > 0) {
        this.timers.push(
          setInterval(
            () => this.appendTicks().catch((err) => this.log.warn({ err }, 'tick append failed')),
            Math.max(20, this.o.tickIntervalMs / 4),
          ),
        );
      }
    });
  }

  /**
   * Stops intake, lets the batch in progress finish, then flushes, checkpoints
   * and commits what was processed, and only then leaves the group.
   */
  async stop(): Promise<void> {
    if (this.failed) {
      // After a failure the supervisor stops us before building the next
      // pipeline: leave the group (no checkpoint of a failed run), once.
      if (!this.sourceStopped) {
        this.sourceStopped = true;
        await this.o.source.stop().catch(() => undefined);
      }
      return;
    }
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    this.o.source.pause();
    await this.inflight?.catch(() => undefined);
    try {
      await this.checkpoint(true);
    } finally {
      this.sourceStopped = true;
      await this.o.source.stop();
      this.finish?.();
    }
  }

  status(): PartitionStatus[] {
    return [...this.owned.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([partition, p]) => ({
        partition,
        watermarkMs: Number.isFinite(p.processor.watermark()) ? p.processor.watermark() : null,
        nextOffset: p.processor.nextOffset() ?? null,
        lag: p.lag,
        quietMs: Date.now() - p.lastRecordWallMs,
        lastCheckpointMs: p.lastCheckpointWallMs,
        seqs: p.processor.seqs(),
      }));
  }

  /**
   * Erasure: drops the learner from every owned partition's state, then makes
   * that durable (results flushed, checkpoints rewritten without the learner),
   * so a following table erasure leaves nothing behind.
   */
  async forgetLearner(tenantId: string, learnerId: string): Promise<boolean> {
    let found = false;
    for (const p of this.owned.values()) {
      if (p.processor.forgetLearner(tenantId, learnerId)) {
        found = true;
        p.dirty = true;
      }
    }
    this.rawBuffer = this.rawBuffer.filter((r) => !(r.event.tenantId === tenantId && r.event.learnerId === learnerId));
    await this.checkpoint(true);
    return found;
  }

  /** Min over owned partitions' watermarks (the engine watermark). */
  engineWatermark(): number | undefined {
    let min: number | undefined;
    for (const p of this.owned.values()) {
      const wm = p.processor.watermark();
      if (Number.isFinite(wm)) min = min === undefined ? wm : Math.min(min, wm);
    }
    return min;
  }

  private clearTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async onAssignment(partitions: number[]): Promise<void> {
    const keep = new Set(partitions);
    this.rawBuffer = this.rawBuffer.filter((r) => keep.has(r.partition));
    for (const p of [...this.owned.keys()]) {
      if (!keep.has(p)) {
        // Another instance owns it now and replays from the last checkpoint; the
        // sink skips what we already wrote by sequence number.
        this.owned.delete(p);
        this.o.sink.forget?.(p);
        m.lag.remove({ partition: String(p) });
        this.log.info({ partition: p }, 'partition revoked');
      }
    }
    m.partitions.set(this.owned.size);
  }

  private async own(partition: number): Promise<OwnedPartition> {
    const existing = this.owned.get(partition);
    if (existing) return existing;
    let pending = this.loading.get(partition);
    if (!pending) {
      pending = (async () => {
        const cp = await this.o.checkpoints.load(this.o.group, this.o.topic, partition);
        const processor = this.o.createProcessor(partition, cp);
        await this.o.sink.restore(partition, cp?.seqs);
        const owned: OwnedPartition = {
          processor,
          version: cp?.version ?? 0,
          dirty: false,
          lastCheckpointWallMs: Date.now(),
          lastRecordWallMs: Date.now(),
          caughtUp: false,
          lag: 0,
          rawFloor: await this.o.rawEvents?.floor(partition),
        };
        this.owned.set(partition, owned);
        m.partitions.set(this.owned.size);
        this.log.info(
          { partition, offset: cp?.offset ?? null, version: owned.version },
          cp ? 'partition restored from checkpoint' : 'partition started fresh',
        );
        return owned;
      })();
      this.loading.set(partition, pending);
    }
    try {
      return await pending;
    } finally {
      this.loading.delete(partition);
    }
  }

  private async onBatch(batch: SourceBatch): Promise<void> {
    if (this.stopped) return;
    const owned = await this.own(batch.partition);
    const proc = owned.processor;
    const emitted: StampedResult[] = [];
    // Records arrive in offset order: only a prefix can be below the checkpoint.
    const next = proc.nextOffset();
    const floor = next === undefined ? undefined : BigInt(next);
    let replaying = floor !== undefined;
    let events = 0;
    let ticks = 0;
    for (const record of batch.records) {
      if (replaying) {
        if (BigInt(record.offset) < (floor as bigint)) {
          recordsSkippedTotal.inc();
          continue;
        }
        replaying = false;
      }
      if (record.type === 'event') events++;
      else ticks++;
      const results = proc.process(record);
      for (const r of results) emitted.push(r);
      if (
        this.o.rawEvents &&
        record.type === 'event' &&
        (this.o.rawEventKinds === undefined || this.o.rawEventKinds.includes(record.event.body.kind)) &&
        (owned.rawFloor === undefined || BigInt(record.offset) > owned.rawFloor)
      ) {
        this.rawBuffer.push({ event: record.event, partition: batch.partition, offset: record.offset });
      }
    }
    if (events > 0) m.records.inc({ type: 'event' }, events);
    if (ticks > 0) m.records.inc({ type: 'tick' }, ticks);
    proc.advanceTo((BigInt(batch.lastOffset) + 1n).toString());
    owned.dirty = true;
    owned.lastRecordWallMs = Date.now();
    const behind = BigInt(batch.highWatermark) - (BigInt(batch.lastOffset) + 1n);
    owned.caughtUp = behind <= 0n;
    owned.lag = Number(behind > 0n ? behind : 0n);
    m.lag.set({ partition: String(batch.partition) }, Number(behind > 0n ? behind : 0n));
    if (emitted.length > 0) {
      // windows-closed and late-event counters are kept by the processors themselves.
      this.o.sink.write(emitted);
      this.o.onResults?.(emitted);
    }
    if (this.rawBuffer.length >= (this.o.rawEventsMaxBuffered ?? 20_000)) await this.checkpoint();
    if (this.o.sink.needsBackpressure()) {
      m.backpressure.inc();
      this.paused = true;
      this.o.source.pause();
      try {
        await this.o.sink.whenWritable();
      } finally {
        this.paused = false;
        this.o.source.resume();
      }
    }
  }

  /** Results durable → checkpoints durable → offsets committed, in that order. */
  checkpoint(final = false): Promise<void> {
    if (this.checkpointing) return final ? this.checkpointing.then(() => this.checkpoint(true)) : this.checkpointing;
    this.lastCheckpointRun = Date.now();
    this.checkpointing = (async () => {
      const end = m.checkpointDuration.startTimer();
      const started = Date.now();
      for (const p of this.owned.values()) if (!p.dirty) p.lastCheckpointWallMs = started; // its checkpoint is current
      const dirty = [...this.owned.entries()].filter(([, p]) => p.dirty);
      // Capture state before awaiting: the flush below covers every result emitted up to here.
      const captured = dirty.map(([partition, p]) => {
        p.dirty = false;
        return {
          partition,
          owned: p,
          offset: p.processor.nextOffset(),
          seqs: p.processor.seqs(),
          parts: Array.from(p.processor.snapshotParts()),
        };
      });
      const raw = this.rawBuffer;
      this.rawBuffer = [];
      await this.o.sink.flush();
      if (raw.length > 0) {
        try {
          await this.o.rawEvents?.write(raw);
        } catch (err) {
          this.rawBuffer = raw.concat(this.rawBuffer);
          throw err;
        }
        for (const r of raw) {
          const owned = this.owned.get(r.partition);
          const o = BigInt(r.offset);
          if (owned && (owned.rawFloor === undefined || o > owned.rawFloor)) owned.rawFloor = o;
        }
      }
      const commits: { partition: number; offset: string }[] = [];
      for (const c of captured) {
        if (c.offset === undefined) continue;
        if (this.owned.get(c.partition) !== c.owned) continue; // revoked meanwhile
        c.owned.version++;
        await this.o.checkpoints.save({
          group: this.o.group,
          topic: this.o.topic,
          partition: c.partition,
          offset: c.offset,
          seqs: c.seqs,
          parts: c.parts,
          version: c.owned.version,
          createdAtMs: Date.now(),
        });
        c.owned.lastCheckpointWallMs = Date.now();
        m.checkpoints.inc();
        commits.push({ partition: c.partition, offset: c.offset });
      }
      if (commits.length > 0) await this.o.source.commit(commits);
      end();
    })().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  /**
   * A partition is quiet when it has no backlog and nothing new arrived for
   * the tick interval. A partition merely waiting its turn behind a backlog is
   * not quiet: a wall-clock tick there would make its pending events late.
   */
  private async appendTicks(): Promise<void> {
    if (this.stopped || this.paused) return;
    const now = Date.now();
    for (const [partition, p] of this.owned) {
      if (p.caughtUp && now - p.lastRecordWallMs >= this.o.tickIntervalMs) {
        p.lastRecordWallMs = now;
        m.ticks.inc();
        await this.o.source.appendTick(partition, this.o.eventClock());
      }
    }
  }

  private updateGauges(): void {
    const now = Date.now();
    let oldest = now;
    for (const p of this.owned.values()) oldest = Math.min(oldest, p.lastCheckpointWallMs);
    m.checkpointAge.set((now - oldest) / 1000);
    const wm = this.engineWatermark();
    if (wm !== undefined) m.watermarkLag.set(Math.max(0, (this.o.eventClock() - wm) / 1000));
  }
}

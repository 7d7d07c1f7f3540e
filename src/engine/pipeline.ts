// The pipeline: source → partition processors → ClickHouse sink → live feed.
//
// Ownership is fenced (docs/delivery.md): a partition's state lives only as
// long as its assignment. Every (re)assignment drops all state, claims each
// assigned partition (a new owner epoch), restores it from its latest
// checkpoint and seeks the source to that checkpoint's offset. A batch of a
// partition this instance does not own (or that does not continue where the
// state stands) is refused, not applied. Results and checkpoints carry the
// claim; ClickHouse drops rows of a stale claim.
//
// Periodically, at a barrier between batches, everything becomes durable in
// order: state captured → results flushed up to the barrier → side tables →
// checkpoints saved → Kafka offsets committed (a failed commit is logged and
// retried next time; the checkpoint is what restores). Quiet partitions get
// watermark ticks appended to the log, never ahead of the partition's own
// event time by more than the quiet time, and never by an instance that may
// be stale (after a pause, or when its claim is no longer current).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LearnstreamError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { counter, gauge, histogram } from '../core/metrics.js';
import type { EventKind, LearningEvent, SourceRecord } from '../ingest/event.js';
import type { EventSource, SourceBatch } from '../ingest/source.js';
import {
  type CheckpointCapture,
  type CheckpointOptions,
  type CheckpointStore,
  type ColdLearner,
  learnerKey,
  type OutputName,
  type PartitionCheckpoint,
  recordsSkippedTotal,
  type StampedResult,
} from '../processors/index.js';
import { CheckpointChain } from './checkpoint-chain.js';
import { CheckpointBeyondLog } from './errors.js';
import type { SupervisedTask } from './supervisor.js';

/** An owner's claim on a partition (epoch 0 = unfenced). */
export interface OwnerClaim {
  epoch: number;
  owner: string;
}

/** Where ownership claims live (ClickHouseOwnership implements it). */
export interface OwnershipPort {
  /** Claims the partition with the next epoch; undefined when a newer claim won. */
  claim(partition: number, owner: string): Promise<OwnerClaim | undefined>;
  current(partition: number): Promise<OwnerClaim | undefined>;
}

/** What the pipeline needs from a partition's processor. */
export interface PartitionProcessorPort {
  /**
   * Results that became final with this record, stamped with partition and
   * seq, drained lazily; the pipeline drains it fully before the next record.
   */
  process(record: SourceRecord): Iterable<StampedResult>;
  /** Marks offsets up to `offset` (exclusive) as consumed, e.g. past dead-lettered records. */
  advanceTo(offset: string): void;
  /** Next offset to process; undefined before the first record. */
  nextOffset(): string | undefined;
  /** Current partition watermark, epoch ms (−Infinity before any record). */
  watermark(): number;
  /** Last emitted seq per output. */
  seqs(): Record<OutputName, number>;
  /**
   * The next checkpoint's state in bounded parts (the pipeline yields to the
   * event loop between parts): a delta on the partition's chain, or the whole
   * state when `full` is asked or there is no chain; after `maxDeltas` deltas
   * (or when `compact` is asked) a rewrite spreads the whole state over the
   * next deltas, `rewriteSlice` learners each (PartitionProcessor.checkpointParts).
   */
  checkpointParts(options: CheckpointOptions): CheckpointCapture;
  /** The last captured checkpoint did not become durable: the next one must be full. */
  checkpointLost(): void;
  /** Tiered state: whether the learner's state is in memory (else it may be in the cold tier). */
  holds?(tenantId: string, learnerId: string): boolean;
  /** Takes learners idle past the horizon out of memory (at most `max`), returning what they held. */
  evictIdle?(horizonMs: number, max: number): ColdLearner[];
  /** Brings learners back from the cold tier before their records. */
  thaw?(learners: ColdLearner[]): void;
  /** Cold-tier version ranges whose rows are void (their checkpoints never landed). */
  coldVoid?(): readonly (readonly [number, number])[];
  /** Marks cold-tier versions `from`..`to` void; the next checkpoint starts a new chain. */
  voidColdVersions?(from: number, to: number): void;
  /** Erasure: drops one learner from the operators' state; true if anything was held. */
  forgetLearner(tenantId: string, learnerId: string): boolean;
}

/** The cold tier of tiered state (ClickHouseColdState implements it). */
export interface ColdStatePort {
  /** Durable when resolved; fenced by the claim. */
  write(partition: number, learners: readonly ColdLearner[], version: number, claim?: OwnerClaim): Promise<void>;
  /** The newest cold state of each of these learners that has one, rows of `voided` versions left out. */
  read(
    partition: number,
    keys: readonly string[],
    voided?: readonly (readonly [number, number])[],
  ): Promise<ColdLearner[]>;
  /** Whether any learner of the partition was ever evicted (rows of `voided` versions left out). */
  any(partition: number, voided?: readonly (readonly [number, number])[]): Promise<boolean>;
  /** The highest version of the partition's cold rows (0 if none). */
  newestVersion(partition: number): Promise<number>;
  /**
   * Deletes the rows no restore can need once checkpoint `landed` is durable (every row up to it but
   * each learner's newest outside `voided`); resolves with how many it found.
   */
  compact?(partition: number, landed: number, voided?: readonly (readonly [number, number])[]): Promise<number>;
}

/** What the pipeline needs from the sink (ClickHouseSink implements it). */
export interface ResultSinkPort {
  restore(
    partition: number,
    checkpointSeqs?: Partial<Record<OutputName, number>>,
    claim?: OwnerClaim,
  ): Promise<Record<OutputName, number>>;
  write(results: readonly StampedResult[]): void;
  needsBackpressure(): boolean;
  whenWritable(): Promise<void>;
  /** Resolves when every result written before the call is durable (a barrier, not an empty buffer). */
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
  write(
    records: { event: LearningEvent; partition: number; offset: string }[],
    claims: ReadonlyMap<number, OwnerClaim>,
  ): Promise<void>;
}

/** The dead_letters table, keyed like raw_events by (partition, offset). */
export interface DeadLettersPort<D extends { partition: number; offset: string }> {
  floor(partition: number): Promise<bigint | undefined>;
  write(records: D[], claims: ReadonlyMap<number, OwnerClaim>): Promise<void>;
}

export interface PipelineOptions {
  rawEvents?: RawEventsPort;
  /** Only events of these kinds go to raw_events (all when unset). */
  rawEventKinds?: readonly EventKind[];
  /** Raw events buffered before an early checkpoint is forced. @default 20000 */
  rawEventsMaxBuffered?: number;
  /** Rows of the dead_letters table, from each batch's rejected records. */
  deadLetters?: {
    port: DeadLettersPort<{ partition: number; offset: string }>;
    fromBatch(batch: SourceBatch): { partition: number; offset: string }[];
  };
  source: EventSource;
  sink: ResultSinkPort;
  checkpoints: CheckpointStore;
  createProcessor: (
    partition: number,
    checkpoint: PartitionCheckpoint | undefined,
  ) => PartitionProcessorPort | Promise<PartitionProcessorPort>;
  /** Ownership claims; without it every partition is written unfenced (tests, tools). */
  ownership?: OwnershipPort;
  /** This engine instance, unique per process (`host-pid-random`). */
  instanceId?: string;
  /** Deployment id: the checkpoint key and part of the result identity. */
  group: string;
  topic: string;
  logger: Logger;
  /** Results are flushed, checkpointed and committed at least this often. */
  checkpointIntervalMs: number;
  /** Deltas after a chain's restore point before a rewrite of the state starts. @default 100 */
  checkpointMaxDeltas?: number;
  /** Learners a rewrite writes per partition and checkpoint; 0 writes a full checkpoint instead. @default 5000 */
  checkpointRewriteSlice?: number;
  /** Tiered state: where idle learners go. Without it every learner stays in memory. */
  coldState?: ColdStatePort;
  /** Event time a learner must be idle before leaving memory; 0 keeps everyone. @default 0 */
  stateIdleHorizonMs?: number;
  /** Learners taken out of memory per partition and checkpoint at most. @default 50000 */
  evictMaxPerCheckpoint?: number;
  /** How often (wall clock, per partition) the cold tier drops rows no restore can need; 0 never. @default 3600000 */
  coldCompactIntervalMs?: number;
  /** A partition quiet this long (wall clock) gets a watermark tick. 0 disables ticks. */
  tickIntervalMs: number;
  /** The processors' bounded out-of-orderness: the watermark is the highest event time minus this. */
  outOfOrdernessMs?: number;
  /** Event-time "now" carried by ticks: wall clock in production, the simulated clock in embedded mode. */
  eventClock: () => number;
  /** Quiet time after which a tick may jump to the event clock. @default 5 × tickIntervalMs */
  tickCatchUpAfterMs?: number;
  /** Longest synchronous slice of work before yielding to the event loop. @default 20 */
  sliceMs?: number;
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
  evicted: counter({
    name: 'learnstream_state_evicted_learners_total',
    help: 'Learners taken out of memory into the cold tier (idle past engine.stateIdleHorizonMs).',
  }),
  thawed: counter({
    name: 'learnstream_state_thawed_learners_total',
    help: 'Learners brought back from the cold tier by a record of theirs.',
  }),
  coldCompacted: counter({
    name: 'learnstream_state_cold_rows_compacted_total',
    help: 'Cold-tier rows deleted because no restore can need them (older evictions, rows of checkpoints that never landed).',
  }),
  coldCompactSkipped: counter({
    name: 'learnstream_state_cold_compact_skipped_total',
    help: 'Cold-tier compactions not run because the checkpoint they follow is not in the store under this instance claim (fenced: the partition has a newer owner).',
  }),
  coldCompactFailures: counter({
    name: 'learnstream_state_cold_compact_failures_total',
    help: 'Cold-tier compactions that failed (retried at the next checkpoint).',
  }),
  checkpointBytes: histogram({
    name: 'learnstream_checkpoint_size_chars',
    help: 'Size of each partition checkpoint written (characters of its parts), by kind: full state or delta.',
    labelNames: ['kind'] as const,
    buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9],
  }),
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
  ticksWithheld: counter({
    name: 'learnstream_watermark_ticks_withheld_total',
    help: 'Ticks not appended because this instance may be stale (after a pause, or its claim is not current).',
  }),
  backpressure: counter({
    name: 'learnstream_backpressure_pauses_total',
    help: 'Times consumption paused because the sink was full.',
  }),
  assignments: counter({
    name: 'learnstream_partition_assignments_total',
    help: 'Partition (re)assignments: each restores the partition from its checkpoint under a new owner epoch.',
  }),
  refused: counter({
    name: 'learnstream_batches_refused_total',
    help: 'Batches refused: partition not owned, claim lost, or the batch does not continue the restored state.',
    labelNames: ['reason'] as const,
  }),
  commitFailures: counter({
    name: 'learnstream_offset_commit_failures_total',
    help: 'Kafka offset commits that failed (rebalance, broker unreachable); retried at the next checkpoint.',
  }),
};

/** Learners evicted per synchronous step (each one's entries are copied out: ~20 µs). */
const EVICT_STEP = 500;

interface OwnedPartition {
  partition: number;
  processor: PartitionProcessorPort;
  claim: OwnerClaim;
  /** The partition's checkpoint chain: its last version, restore point, and the rules of the next checkpoint. */
  chain: CheckpointChain;
  /** Learners taken out of memory whose cold rows are not durable yet (a record of theirs thaws from here). */
  evicting: Map<string, ColdLearner>;
  /** The cold tier may hold learners of this partition (asked at restore, set by an eviction). */
  coldPossible: boolean;
  /** Wall clock of the partition's last cold-tier compaction (or of its restore). */
  lastColdCompactWallMs: number;
  dirty: boolean;
  lastCheckpointWallMs: number;
  lastRecordWallMs: number;
  /** Wall clock and event clock at the partition's last batch with events, and its highest event time then. */
  lastEventWallMs: number;
  lastEventClock: number;
  eventHigh: number;
  /** Wall clock of the last tick this instance appended to the partition. */
  lastTickWallMs: number;
  /** The last batch reached the partition's log end (no backlog). */
  caughtUp: boolean;
  /** Records behind the log end at the last batch. */
  lag: number;
  /** Highest offset raw_events already holds for this partition. */
  rawFloor: bigint | undefined;
  /** Highest offset dead_letters already holds for this partition. */
  deadFloor: bigint | undefined;
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
  /** Partitions of the latest assignment still being restored. */
  private readonly restoring = new Map<number, Promise<OwnedPartition | undefined>>();
  private assigned = new Set<number>();
  private generation = 0;
  private stopped = false;
  private paused = false;
  private failed = false;
  private sourceStopped = false;
  private inflight: Promise<unknown> | undefined;
  private rawBuffer: { event: LearningEvent; partition: number; offset: string }[] = [];
  private deadBuffer: { partition: number; offset: string }[] = [];
  private fail: ((err: unknown) => void) | undefined;
  private finish: (() => void) | undefined;
  private checkpointing: Promise<void> | undefined;
  /** While set, batches wait: a checkpoint capture or an erasure is in progress. */
  private barrier: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lastCheckpointRun = Date.now();
  private lastHousekeepingWallMs = Date.now();
  /** Set after a pause of the process (timer gap): ticks stay off until this instance proves it is current. */
  private maybeStale = false;
  private readonly log: Logger;
  private readonly instanceId: string;
  private readonly sliceMs: number;

  constructor(private readonly o: PipelineOptions) {
    this.log = o.logger.child({ component: 'pipeline' });
    this.instanceId = o.instanceId ?? `instance-${process.pid}`;
    this.sliceMs = o.sliceMs ?? 20;
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
          onFailure: (err) => this.fail?.(err),
        })
        .catch((err) => this.fail?.(err));
      const housekeepingMs = Math.max(50, Math.min(1000, this.o.checkpointIntervalMs / 2));
      this.lastHousekeepingWallMs = Date.now();
      this.timers.push(
        setInterval(() => {
          const now = Date.now();
          // A gap far beyond the interval means this process was paused (SIGSTOP, a long GC, a frozen
          // VM): the group may have moved our partitions meanwhile. No ticks until we know better.
          if (now - this.lastHousekeepingWallMs > housekeepingMs + Math.max(2000, this.o.tickIntervalMs)) {
            if (!this.maybeStale) this.log.warn({ gapMs: now - this.lastHousekeepingWallMs }, 'process was paused');
            this.maybeStale = true;
          }
          this.lastHousekeepingWallMs = now;
          if (now - this.lastCheckpointRun >= this.o.checkpointIntervalMs) {
            this.checkpoint().catch((err) => this.fail?.(err));
          }
          this.updateGauges();
        }, housekeepingMs),
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
    return [...this.owned.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => ({
        partition: p.partition,
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
    const key = learnerKey(tenantId, learnerId);
    // An eviction of this learner captured but not yet written must not land after the erasure.
    this.erasing.add(key);
    await this.atBarrier(async () => {
      for (const p of this.owned.values()) {
        if (p.processor.forgetLearner(tenantId, learnerId)) {
          found = true;
          p.dirty = true;
        }
        if (p.evicting.delete(key)) found = true;
        await yieldToLoop();
      }
      this.rawBuffer = this.rawBuffer.filter(
        (r) => !(r.event.tenantId === tenantId && r.event.learnerId === learnerId),
      );
    });
    try {
      await this.checkpoint(true);
    } finally {
      this.erasing.delete(key);
    }
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

  /** Runs `fn` while no batch is being applied (and holds new batches until it ends). */
  private async atBarrier<T>(fn: () => Promise<T>): Promise<T> {
    while (this.barrier) await this.barrier;
    let release: () => void = () => undefined;
    this.barrier = new Promise<void>((r) => {
      release = r;
    });
    try {
      await this.inflight?.catch(() => undefined);
      return await fn();
    } finally {
      this.barrier = undefined;
      release();
    }
  }

  /**
   * Every (re)assignment — including a rejoin after this instance was paused
   * or evicted without seeing a revoke — starts from durable state: all
   * in-memory state is dropped and each assigned partition is claimed under a
   * new epoch, restored from its checkpoint, and the source is sought there.
   */
  private async onAssignment(partitions: number[]): Promise<void> {
    const generation = ++this.generation;
    m.assignments.inc(partitions.length);
    this.assigned = new Set(partitions);
    for (const p of this.owned.keys()) {
      this.o.sink.forget?.(p);
      m.lag.remove({ partition: String(p) });
    }
    this.owned.clear();
    this.restoring.clear();
    this.rawBuffer = [];
    this.deadBuffer = [];
    m.partitions.set(0);
    this.log.info({ partitions, generation }, 'partitions assigned; restoring from checkpoints');
    for (const partition of partitions) {
      const pending = this.restore(partition, generation);
      this.restoring.set(partition, pending);
      pending.catch(() => undefined);
    }
    // Restores run one after another in restore(); wait for all before batches flow.
    for (const pending of [...this.restoring.values()]) await pending.catch(() => undefined);
    if (generation === this.generation) this.maybeStale = false;
  }

  private restoreChain: Promise<unknown> = Promise.resolve();
  /** Learners being erased: their evictions captured but not yet written are dropped. */
  private readonly erasing = new Set<string>();

  private restore(partition: number, generation: number): Promise<OwnedPartition | undefined> {
    const run = async (): Promise<OwnedPartition | undefined> => {
      if (generation !== this.generation || this.stopped) return undefined;
      const claim = this.o.ownership
        ? await this.o.ownership.claim(partition, this.instanceId)
        : { epoch: 0, owner: '' };
      if (!claim) {
        m.refused.inc({ reason: 'claim_lost' });
        return undefined;
      }
      const cp = await this.o.checkpoints.load(this.o.group, this.o.topic, partition);
      const processor = await this.o.createProcessor(partition, cp);
      await this.o.sink.restore(partition, cp?.seqs, claim);
      let version = cp?.version ?? 0;
      let base = cp?.base;
      // Cold rows newer than the checkpoint were written for checkpoints that never landed (the save
      // failed or was fenced after the cold write). A learner cold in this state must not come back
      // from them: those versions become void, and this owner's versions continue past them.
      const newestCold =
        this.o.coldState && processor.voidColdVersions ? await this.o.coldState.newestVersion(partition) : 0;
      if (newestCold > version) {
        processor.voidColdVersions?.(version + 1, newestCold);
        this.log.warn({ partition, checkpoint: version, newestCold }, 'cold rows past the checkpoint are void');
        version = newestCold;
        base = undefined;
      }
      const owned: OwnedPartition = {
        partition,
        processor,
        claim,
        chain: new CheckpointChain(
          { maxDeltas: this.o.checkpointMaxDeltas ?? 100, rewriteSlice: this.o.checkpointRewriteSlice ?? 5_000 },
          version,
          base,
        ),
        evicting: new Map(),
        coldPossible: this.o.coldState ? await this.o.coldState.any(partition, processor.coldVoid?.()) : false,
        lastColdCompactWallMs: Date.now(),
        dirty: false,
        lastCheckpointWallMs: Date.now(),
        lastRecordWallMs: Date.now(),
        lastEventWallMs: Date.now(),
        lastEventClock: this.o.eventClock(),
        eventHigh: Number.NEGATIVE_INFINITY,
        lastTickWallMs: 0,
        caughtUp: false,
        lag: 0,
        rawFloor: await this.o.rawEvents?.floor(partition),
        deadFloor: await this.o.deadLetters?.port.floor(partition),
      };
      if (Number.isFinite(processor.watermark()))
        owned.eventHigh = processor.watermark() + (this.o.outOfOrdernessMs ?? 0);
      if (generation !== this.generation || this.stopped) return undefined;
      const position = await this.o.source.seek(partition, cp?.offset ?? null);
      if (cp && position && BigInt(cp.offset) > BigInt(position.high)) {
        throw new LearnstreamError(
          CheckpointBeyondLog,
          `${this.o.topic}/${partition}: checkpoint offset ${cp.offset}, log end ${position.high}`,
          { details: { topic: this.o.topic, partition, checkpointOffset: cp.offset, logEnd: position.high } },
        );
      }
      // Restored at the log end (the checkpoint holds everything): no batch will come to say so, and a
      // partition never caught up gets no wall-clock tick — its last windows would never close.
      if (cp && position && BigInt(cp.offset) >= BigInt(position.high)) owned.caughtUp = true;
      if (generation !== this.generation || this.stopped) return undefined;
      this.owned.set(partition, owned);
      m.partitions.set(this.owned.size);
      this.log.info(
        { partition, offset: cp?.offset ?? null, version: owned.chain.version, epoch: claim.epoch },
        cp ? 'partition restored from checkpoint' : 'partition started fresh',
      );
      return owned;
    };
    const next = this.restoreChain.then(run, run);
    this.restoreChain = next.catch(() => undefined);
    return next.catch((err) => {
      // A retriable failure (ClickHouse down) fails the pipeline; the supervisor rebuilds it and the
      // rejoin restores again. A fatal one (checkpoint beyond the log) stops the engine.
      this.fail?.(err);
      throw err;
    });
  }

  private async onBatch(batch: SourceBatch): Promise<boolean> {
    if (this.stopped) return false;
    while (this.barrier) await this.barrier;
    const pending = this.restoring.get(batch.partition);
    const owned = this.owned.get(batch.partition) ?? (pending ? await pending.catch(() => undefined) : undefined);
    if (!owned || !this.assigned.has(batch.partition) || this.owned.get(batch.partition) !== owned) {
      m.refused.inc({ reason: 'not_owned' });
      return false;
    }
    const proc = owned.processor;
    // Records arrive in offset order: only a prefix can be below the checkpoint. A batch starting
    // past the next offset would leave a hole (fetched before a seek): refuse it and seek again.
    const next = proc.nextOffset();
    const floor = next === undefined ? undefined : BigInt(next);
    const first = batch.firstOffset ?? batch.records[0]?.offset;
    if (floor !== undefined && first !== undefined && BigInt(first) > floor) {
      m.refused.inc({ reason: 'gap' });
      this.log.warn(
        { partition: batch.partition, expected: next, first },
        'batch does not continue the state; seeking',
      );
      await this.o.source.seek(batch.partition, next ?? null);
      return false;
    }
    if (this.o.coldState && (owned.coldPossible || owned.evicting.size > 0)) await this.thawFor(owned, batch);
    const generation = this.generation;
    const emitted: StampedResult[] = [];
    let replaying = floor !== undefined;
    let events = 0;
    let ticks = 0;
    let sliceStart = performance.now();
    let sinceCheck = 0;
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
      for (const r of proc.process(record)) {
        emitted.push(r);
        if (++sinceCheck >= 256) {
          sinceCheck = 0;
          if (performance.now() - sliceStart >= this.sliceMs) {
            await yieldToLoop();
            sliceStart = performance.now();
          }
        }
      }
      if (
        this.o.rawEvents &&
        record.type === 'event' &&
        (this.o.rawEventKinds === undefined || this.o.rawEventKinds.includes(record.event.body.kind)) &&
        (owned.rawFloor === undefined || BigInt(record.offset) > owned.rawFloor)
      ) {
        this.rawBuffer.push({ event: record.event, partition: batch.partition, offset: record.offset });
      }
      if (++sinceCheck >= 256) {
        sinceCheck = 0;
        if (performance.now() - sliceStart >= this.sliceMs) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
    }
    if (generation !== this.generation || this.owned.get(batch.partition) !== owned) {
      // Reassigned while this batch ran: its state is gone; nothing of it is emitted.
      m.refused.inc({ reason: 'reassigned' });
      return false;
    }
    if (this.o.deadLetters) {
      for (const d of this.o.deadLetters.fromBatch(batch)) {
        if (owned.deadFloor === undefined || BigInt(d.offset) > owned.deadFloor) this.deadBuffer.push(d);
      }
    }
    if (events > 0) m.records.inc({ type: 'event' }, events);
    if (ticks > 0) m.records.inc({ type: 'tick' }, ticks);
    proc.advanceTo((BigInt(batch.lastOffset) + 1n).toString());
    owned.dirty = true;
    owned.lastRecordWallMs = Date.now();
    if (events > 0) {
      owned.lastEventWallMs = owned.lastRecordWallMs;
      owned.lastEventClock = this.o.eventClock();
      owned.eventHigh = proc.watermark() + (this.o.outOfOrdernessMs ?? 0);
    }
    const behind = BigInt(batch.highWatermark) - (BigInt(batch.lastOffset) + 1n);
    owned.caughtUp = behind <= 0n;
    owned.lag = Number(behind > 0n ? behind : 0n);
    m.lag.set({ partition: String(batch.partition) }, owned.lag);
    if (emitted.length > 0) {
      // windows-closed and late-event counters are kept by the processors themselves.
      this.o.sink.write(emitted);
      this.o.onResults?.(emitted);
    }
    if (this.rawBuffer.length + this.deadBuffer.length >= (this.o.rawEventsMaxBuffered ?? 20_000)) {
      // Not awaited here: the checkpoint waits for this batch to end (its barrier).
      this.checkpoint().catch((err) => this.fail?.(err));
    }
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
    return true;
  }

  /**
   * At a checkpoint's barrier: learners idle past the horizon leave memory
   * (kept here until their cold rows land), in steps of EVICT_STEP learners
   * with the event loop free between them.
   */
  private async evict(p: OwnedPartition): Promise<ColdLearner[]> {
    const horizon = this.o.stateIdleHorizonMs ?? 0;
    const evictIdle = p.processor.evictIdle?.bind(p.processor);
    if (!this.o.coldState || horizon <= 0 || !evictIdle) return [];
    const max = this.o.evictMaxPerCheckpoint ?? 50_000;
    const evicted: ColdLearner[] = [];
    while (evicted.length < max) {
      const step = evictIdle(horizon, Math.min(EVICT_STEP, max - evicted.length));
      for (const l of step) {
        p.evicting.set(l.key, l);
        evicted.push(l);
      }
      if (step.length < EVICT_STEP) break;
      await yieldToLoop();
    }
    return evicted;
  }

  private coldCompaction: Promise<void> | undefined;

  /**
   * After a checkpoint of `landed` is durable, at most every
   * coldCompactIntervalMs per partition and one at a time: the cold tier
   * deletes the rows no restore can need (docs/delivery.md, "Tiered state").
   * In the background; a failure is logged and retried at a later checkpoint.
   */
  private maybeCompactCold(p: OwnedPartition, landed: number): void {
    const interval = this.o.coldCompactIntervalMs ?? 60 * 60 * 1000;
    const cold = this.o.coldState;
    if (!cold?.compact || interval <= 0 || !p.coldPossible || this.coldCompaction) return;
    if (Date.now() - p.lastColdCompactWallMs < interval) return;
    p.lastColdCompactWallMs = Date.now();
    const voided = (p.processor.coldVoid?.() ?? []).map(([from, to]) => [from, to] as const);
    const compact = cold.compact.bind(cold);
    this.coldCompaction = (async () => {
      // A save under a claim gone stale returns like one that landed, but the fence dropped it: the
      // next owner restores from an older checkpoint and may need the very rows this would delete (a
      // learner's older eviction, superseded only by rows its restore voids). Only a checkpoint seen
      // in the store under this instance's claim moves the line.
      const landedHere = this.o.checkpoints.landed
        ? await this.o.checkpoints.landed(this.o.group, this.o.topic, p.partition, landed, p.claim)
        : true;
      if (!landedHere || this.owned.get(p.partition) !== p) {
        m.coldCompactSkipped.inc();
        this.log.warn(
          { partition: p.partition, landed },
          'cold tier not compacted: the checkpoint is not in the store under this claim',
        );
        return;
      }
      const rows = await compact(p.partition, landed, voided);
      m.coldCompacted.inc(rows);
      if (rows > 0) this.log.debug({ partition: p.partition, landed, rows }, 'cold tier compacted');
    })()
      .catch((err) => {
        m.coldCompactFailures.inc();
        p.lastColdCompactWallMs = 0;
        this.log.warn({ partition: p.partition, err: (err as Error).message }, 'cold tier compaction failed');
      })
      .finally(() => {
        this.coldCompaction = undefined;
      });
  }

  /** Before a batch: learners of its events not in memory come back from the cold tier (or the eviction under way). */
  private async thawFor(owned: OwnedPartition, batch: SourceBatch): Promise<void> {
    const proc = owned.processor;
    if (!proc.holds || !proc.thaw) return;
    const wanted = new Map<string, true>();
    for (const r of batch.records) {
      if (r.type !== 'event' || proc.holds(r.event.tenantId, r.event.learnerId)) continue;
      wanted.set(learnerKey(r.event.tenantId, r.event.learnerId), true);
    }
    if (wanted.size === 0) return;
    const found: ColdLearner[] = [];
    const ask: string[] = [];
    for (const key of wanted.keys()) {
      const pending = owned.evicting.get(key);
      // A copy: the operators take the entries they restore as their own state and change them with the
      // learner's next events, while the cold tier writes this eviction (as of its checkpoint) later.
      if (pending)
        found.push({ ...pending, entries: JSON.parse(JSON.stringify(pending.entries)) as ColdLearner['entries'] });
      else ask.push(key);
    }
    if (owned.coldPossible && ask.length > 0 && this.o.coldState) {
      for (const l of await this.o.coldState.read(owned.partition, ask, proc.coldVoid?.())) found.push(l);
    }
    if (found.length === 0) return;
    proc.thaw(found);
    m.thawed.inc(found.length);
  }

  /** Results durable → checkpoints durable → offsets committed, in that order. */
  checkpoint(final = false): Promise<void> {
    if (this.checkpointing) return final ? this.checkpointing.then(() => this.checkpoint(true)) : this.checkpointing;
    this.lastCheckpointRun = Date.now();
    this.checkpointing = (async () => {
      const end = m.checkpointDuration.startTimer();
      // Capture at a barrier: no batch is half applied, so state, offset and seqs agree.
      const captured = await this.atBarrier(async () => {
        const started = Date.now();
        const out: {
          owned: OwnedPartition;
          offset: string | undefined;
          seqs: Record<OutputName, number>;
          kind: 'full' | 'delta';
          rewrite: CheckpointCapture['rewrite'];
          parts: string[];
          chars: number;
          evicted: ColdLearner[];
        }[] = [];
        for (const p of this.owned.values()) {
          if (!p.dirty) {
            p.lastCheckpointWallMs = started; // its checkpoint is current
            continue;
          }
          p.dirty = false;
          const evicted = await this.evict(p);
          const parts: string[] = [];
          let chars = 0;
          let sliceStart = performance.now();
          // Restore reads the chain from its restore point; a rewrite spread over several checkpoints moves
          // it up (CheckpointChain).
          const capture = p.processor.checkpointParts(p.chain.options());
          for (const part of capture.parts) {
            parts.push(part);
            chars += part.length;
            if (performance.now() - sliceStart >= this.sliceMs) {
              await yieldToLoop();
              sliceStart = performance.now();
            }
          }
          out.push({
            owned: p,
            offset: p.processor.nextOffset(),
            seqs: p.processor.seqs(),
            kind: capture.kind,
            rewrite: capture.rewrite,
            parts,
            chars,
            evicted,
          });
        }
        const raw = this.rawBuffer;
        const dead = this.deadBuffer;
        this.rawBuffer = [];
        this.deadBuffer = [];
        return { out, raw, dead };
      });
      const claims = new Map<number, OwnerClaim>();
      for (const p of this.owned.values()) claims.set(p.partition, p.claim);
      try {
        await this.o.sink.flush();
        if (captured.raw.length > 0) await this.o.rawEvents?.write(captured.raw, claims);
        if (captured.dead.length > 0) await this.o.deadLetters?.port.write(captured.dead, claims);
      } catch (err) {
        this.rawBuffer = captured.raw.concat(this.rawBuffer);
        this.deadBuffer = captured.dead.concat(this.deadBuffer);
        for (const c of captured.out) {
          c.owned.dirty = true;
          c.owned.processor.checkpointLost();
          c.owned.chain.lost();
        }
        throw err;
      }
      for (const r of captured.raw) {
        const owned = this.owned.get(r.partition);
        const o = BigInt(r.offset);
        if (owned && (owned.rawFloor === undefined || o > owned.rawFloor)) owned.rawFloor = o;
      }
      for (const d of captured.dead) {
        const owned = this.owned.get(d.partition);
        const o = BigInt(d.offset);
        if (owned && (owned.deadFloor === undefined || o > owned.deadFloor)) owned.deadFloor = o;
      }
      const commits: { partition: number; offset: string }[] = [];
      for (const c of captured.out) {
        if (c.offset === undefined) {
          // Nothing was ever processed here: no chain to continue either (the next capture starts one).
          c.owned.processor.checkpointLost();
          c.owned.chain.lost();
          continue;
        }
        if (this.owned.get(c.owned.partition) !== c.owned) continue; // reassigned meanwhile
        const { version, base } = c.owned.chain.next(c);
        try {
          // The cold tier first: the checkpoint that records these learners gone must find them there.
          const evicted = c.evicted.filter((l) => !this.erasing.has(l.key));
          if (evicted.length > 0) {
            await this.o.coldState?.write(c.owned.partition, evicted, version, c.owned.claim);
            c.owned.coldPossible = true;
            m.evicted.inc(evicted.length);
          }
          await this.o.checkpoints.save({
            group: this.o.group,
            topic: this.o.topic,
            partition: c.owned.partition,
            offset: c.offset,
            seqs: c.seqs,
            parts: c.parts,
            version,
            kind: c.kind,
            ...(c.kind === 'delta' ? { base } : {}),
            createdAtMs: Date.now(),
            claim: c.owned.claim,
          });
        } catch (err) {
          // Unknown whether it landed: the next checkpoint starts a new chain (at a higher version).
          for (const rest of captured.out) {
            rest.owned.processor.checkpointLost();
            rest.owned.chain.lost();
          }
          throw err;
        }
        for (const l of c.evicted) if (c.owned.evicting.get(l.key) === l) c.owned.evicting.delete(l.key);
        c.owned.chain.landed(c);
        this.maybeCompactCold(c.owned, version);
        m.checkpointBytes.observe({ kind: c.kind }, c.chars);
        c.owned.lastCheckpointWallMs = Date.now();
        m.checkpoints.inc();
        commits.push({ partition: c.owned.partition, offset: c.offset });
      }
      if (commits.length === 0 && this.maybeStale) {
        // Nothing new to commit, but this process may have been paused: committing the offsets its
        // checkpoints already hold proves it is still a member holding these partitions (a stale
        // member's commit is refused), so wall-clock ticks resume. At the end of a stream no record
        // would ever bring a commit, and the last windows would never close.
        for (const p of this.owned.values()) {
          const offset = p.processor.nextOffset();
          if (offset !== undefined) commits.push({ partition: p.partition, offset });
        }
      }
      if (commits.length > 0) {
        // The checkpoint is what restores; committed offsets are only where a fresh consumer starts.
        // A commit refused during a rebalance or while the broker is away is retried next time.
        try {
          await this.o.source.commit(commits);
          this.maybeStale = false;
        } catch (err) {
          m.commitFailures.inc();
          this.log.warn(
            { err: (err as Error).message, partitions: commits.length },
            'offset commit failed; will retry',
          );
        }
      }
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
   * The tick's time is bounded by the partition's own event time plus the
   * quiet time, so a producer running behind real time (a backfill, a replay)
   * is not made late; and an instance that may be stale appends nothing.
   */
  private async appendTicks(): Promise<void> {
    if (this.stopped || this.paused || this.barrier) return;
    const now = Date.now();
    for (const p of [...this.owned.values()]) {
      if (!p.caughtUp || now - Math.max(p.lastEventWallMs, p.lastTickWallMs) < this.o.tickIntervalMs) continue;
      const wm = p.processor.watermark();
      if (!Number.isFinite(wm)) continue; // nothing seen yet: no event time to advance
      if (this.maybeStale) {
        m.ticksWithheld.inc();
        continue;
      }
      if (this.o.ownership) {
        const current = await this.o.ownership.current(p.partition);
        if (!current || current.epoch !== p.claim.epoch || current.owner !== p.claim.owner) {
          m.ticksWithheld.inc();
          this.maybeStale = true;
          continue;
        }
      }
      if (this.owned.get(p.partition) !== p) continue;
      const highest = wm + (this.o.outOfOrdernessMs ?? 0);
      const clock = this.o.eventClock();
      // Quiet a while: caught up with real time, the tick may jump to the clock. Before that it
      // advances the partition only by the quiet time since its last events (a backfill pausing
      // briefly is not made late).
      const catchUpAfter = this.o.tickCatchUpAfterMs ?? 5 * this.o.tickIntervalMs;
      const bound =
        now - p.lastEventWallMs >= catchUpAfter || !Number.isFinite(p.eventHigh)
          ? clock
          : p.eventHigh + (clock - p.lastEventClock);
      const eventTime = Math.floor(Math.min(clock, bound));
      p.lastTickWallMs = now;
      if (eventTime <= highest) continue;
      m.ticks.inc();
      await this.o.source.appendTick(p.partition, eventTime);
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

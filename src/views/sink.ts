// ClickHouseSink: the end of the pipeline. Buffers stamped results per output,
// inserts them in batches (row or time threshold), retries retriable failures
// with exponential backoff, and tells the pipeline to pause when too many rows
// wait. Idempotent through sequence numbers: a result whose seq is not above
// the highest one ClickHouse holds for its (partition, output) is skipped.
// Fenced (docs/delivery.md): every row carries the result identity (deployment,
// source topic) and the owner's claim on its partition, and goes in through
// `<table>_in`, where a row of a stale claim is dropped by the server. A batch
// goes to the base table's input, then to each of its rollups' inputs (one
// target per insert, so each insert is atomic); every target keeps its own
// high-water mark (base: max(seq); rollup: max_seq per identity). A retry after
// an unknown outcome first waits until the earlier attempt (same query id) no
// longer runs, then asks that target what landed, and resends the rest there.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isRetriable, LearnstreamError } from '../core/errors.js';
import { componentLogger, type Logger } from '../core/logger.js';
import { counter, gauge, histogram } from '../core/metrics.js';
import type { OutputName, StampedResult } from '../processors/results.js';
import { SinkClosed, SinkFailed } from './errors.js';
import { insertQueryIdPrefix, type OwnerClaim, unfencedClaim } from './ownership.js';
import { type Row, resultRow } from './rows.js';
import { ident, quoteString, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import { fencedInput, outputTables, rollupInputs, type TableName } from './tables.js';

export interface ClickHouseSinkOptions {
  /** Rows per insert; a buffer this full is flushed at once. @default 5000 */
  maxBatchRows?: number;
  /** Longest time a row waits in the buffer before a flush. @default 1000 */
  flushIntervalMs?: number;
  /** Buffered plus in-flight rows above which the sink asks for backpressure. @default 50000 */
  maxBufferedRows?: number;
  /** Backpressure ends when buffered rows drop to this. @default maxBufferedRows / 2 */
  resumeBelowRows?: number;
  /** First retry delay; doubles each attempt. @default 100 */
  retryInitialMs?: number;
  /** Cap of the retry delay. @default 5000 */
  retryMaxMs?: number;
  /** Retries of a retriable failure before giving up. @default Infinity (a down server is waited for) */
  maxRetries?: number;
  /** Result identity stamped on every row; the owner names this instance in query ids. */
  identity?: SinkIdentity;
  logger?: Logger;
}

export interface SinkIdentity {
  deployment: string;
  topic: string;
  /** This engine instance (`host-pid-random`); a random one when unset. */
  owner?: string;
}

interface Pending {
  partition: number;
  seq: number;
  row: Row;
}

const outputs = Object.keys(outputTables) as OutputName[];

const metrics = {
  rows: counter<'output'>({
    name: 'learnstream_sink_rows_total',
    help: 'Rows written to ClickHouse by the sink.',
    labelNames: ['output'],
  }),
  skipped: counter<'output'>({
    name: 'learnstream_sink_skipped_rows_total',
    help: 'Results skipped because ClickHouse already holds their sequence number (replays).',
    labelNames: ['output'],
  }),
  batches: counter<'output'>({
    name: 'learnstream_sink_batches_total',
    help: 'Batched inserts that succeeded.',
    labelNames: ['output'],
  }),
  retries: counter<'output'>({
    name: 'learnstream_sink_retries_total',
    help: 'Insert attempts retried after a retriable error.',
    labelNames: ['output'],
  }),
  failures: counter<'output'>({
    name: 'learnstream_sink_failures_total',
    help: 'Batches the sink gave up on (fatal error or retries exhausted).',
    labelNames: ['output'],
  }),
  latency: histogram<'output'>({
    name: 'learnstream_sink_insert_duration_seconds',
    help: 'Duration of one successful batched insert.',
    labelNames: ['output'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
  buffered: gauge({ name: 'learnstream_sink_buffered_rows', help: 'Rows buffered or in flight in the sink.' }),
  backpressure: gauge({
    name: 'learnstream_sink_backpressure',
    help: '1 while the sink asks the pipeline to pause consumption.',
  }),
};

const key = (output: OutputName, partition: number) => `${output}/${partition}`;
const targetKey = (table: TableName, partition: number) => `${table}/${partition}`;

/** Where one output's rows land: its base table, then each rollup, each through its own fenced input. */
interface Target {
  table: TableName;
  input: string;
  /** The rollup keeps the highest seq per identity in `max_seq` (an aggregate state); the base table has `seq`. */
  rollup: boolean;
}

function targetsOf(o: OutputName): readonly Target[] {
  const table = outputTables[o];
  return [
    { table, input: fencedInput[table], rollup: false },
    ...rollupInputs[o].map((r): Target => ({ table: r.table, input: r.input, rollup: true })),
  ];
}

const targets: Record<OutputName, readonly Target[]> = {
  sessions: targetsOf('sessions'),
  mastery: targetsOf('mastery'),
  weekly_active: targetsOf('weekly_active'),
  late_events: targetsOf('late_events'),
};

export interface ClickHouseSinkEvents {
  backpressure: [];
  writable: [];
  error: [LearnstreamError];
}

export class ClickHouseSink extends EventEmitter<ClickHouseSinkEvents> {
  private readonly store: ClickHouseStore;
  private readonly maxBatchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly resumeBelowRows: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetries: number;
  private readonly log: Logger;

  private readonly buffers = new Map<OutputName, Pending[]>(outputs.map((o) => [o, []]));
  /** Highest seq known to be in each target table per partition (`table/partition`); absent = ask ClickHouse. */
  private readonly durable = new Map<string, number>();
  /** Sequence floors from checkpoints, kept across re-queries. */
  private readonly floors = new Map<string, number>();
  /** Highest seq accepted into the buffers per (output, partition). */
  private readonly accepted = new Map<string, number>();
  private inFlightRows = 0;
  /** Rows ever buffered / ever done (landed, skipped or forgotten) per output, for flush barriers. */
  private readonly enqueued = new Map<OutputName, number>(outputs.map((o) => [o, 0]));
  private readonly completed = new Map<OutputName, number>(outputs.map((o) => [o, 0]));
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: LearnstreamError | undefined;
  private closed = false;
  private readonly identity: Required<SinkIdentity>;
  /** The claim each partition's rows are stamped with (unfenced when the pipeline gave none). */
  private readonly claims = new Map<number, OwnerClaim>();
  private batchNo = 0;

  constructor(
    store: ClickHouseStore,
    {
      maxBatchRows = 5000,
      flushIntervalMs = 1000,
      maxBufferedRows = 50_000,
      resumeBelowRows,
      retryInitialMs = 100,
      retryMaxMs = 5000,
      maxRetries = Number.POSITIVE_INFINITY,
      identity,
      logger,
    }: ClickHouseSinkOptions = {},
  ) {
    super();
    if (maxBatchRows < 1) throw new Error('maxBatchRows must be at least 1');
    if (maxBufferedRows < maxBatchRows) {
      throw new Error('maxBufferedRows must be at least maxBatchRows, or backpressure would stop every batch filling');
    }
    this.store = store;
    this.maxBatchRows = maxBatchRows;
    this.flushIntervalMs = flushIntervalMs;
    this.maxBufferedRows = maxBufferedRows;
    this.resumeBelowRows = resumeBelowRows ?? Math.floor(maxBufferedRows / 2);
    this.retryInitialMs = retryInitialMs;
    this.retryMaxMs = retryMaxMs;
    this.maxRetries = maxRetries;
    this.log = logger ?? componentLogger('sink');
    this.identity = {
      deployment: identity?.deployment ?? '',
      topic: identity?.topic ?? '',
      owner: identity?.owner ?? randomUUID(),
    };
  }

  /**
   * Highest sequence number ClickHouse holds for this partition and output in
   * its base table (0 when none; at least the checkpoint floor). Asks every
   * rollup of the output too: a replayed result is skipped only when every
   * table holds it.
   */
  async highestSeq(partition: number, output: OutputName): Promise<number> {
    let base = 0;
    for (const target of targets[output]) {
      const seq = await this.landed(target, output, partition);
      if (!target.rollup) base = seq;
    }
    return base;
  }

  /** Highest seq of this partition the target table holds (at least the output's checkpoint floor). */
  private async landed(target: Target, output: OutputName, partition: number): Promise<number> {
    const high = target.rollup ? sql`maxMerge(${ident('max_seq')})` : sql`max(${ident('seq')})`;
    const rows = await this.store.query<{ s: number | string | null }>(
      sql`SELECT ${high} AS s FROM ${ident(target.table)}
          WHERE ${ident('deployment')} = ${this.identity.deployment} AND ${ident('source_topic')} = ${this.identity.topic}
            AND ${ident('source_partition')} = ${partition}`.text,
    );
    const seq = Math.max(Number(rows[0]?.s ?? 0), this.floors.get(key(output, partition)) ?? 0);
    this.durable.set(targetKey(target.table, partition), seq);
    return seq;
  }

  /** Highest seq of the partition known to be in every table of the output (0 when one is unknown). */
  private durableEverywhere(output: OutputName, partition: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const t of targets[output]) lowest = Math.min(lowest, this.durable.get(targetKey(t.table, partition)) ?? 0);
    return lowest;
  }

  /**
   * Called when the pipeline takes ownership of a partition: learns what
   * ClickHouse already holds, so replayed results are skipped. `checkpointSeqs`
   * (from the partition's checkpoint) is a floor, in case retention removed rows.
   * `claim` is the ownership claim the partition's rows are stamped with from now on.
   */
  async restore(
    partition: number,
    checkpointSeqs?: Partial<Record<OutputName, number>>,
    claim?: OwnerClaim,
  ): Promise<Record<OutputName, number>> {
    // A new claim starts from what ClickHouse holds: rows buffered under an earlier claim (a pipeline
    // that failed without releasing the partition) are dropped — the new owner replays them.
    const previous = this.claims.get(partition);
    const next = claim ?? unfencedClaim;
    if (previous && (previous.epoch !== next.epoch || previous.owner !== next.owner)) this.forget(partition);
    this.claims.set(partition, next);
    const out = {} as Record<OutputName, number>;
    for (const output of outputs) {
      const k = key(output, partition);
      const floor = checkpointSeqs?.[output];
      if (floor !== undefined) this.floors.set(k, floor);
      // What ClickHouse holds is the truth for a newly owned partition; a stale
      // in-memory mark from an earlier ownership must not hide a replay.
      if (!(this.buffers.get(output) as Pending[]).some((p) => p.partition === partition)) this.accepted.delete(k);
      out[output] = await this.highestSeq(partition, output);
    }
    return out;
  }

  /** Buffers results; never blocks. Check `needsBackpressure()` or await `whenWritable()` after. */
  write(results: readonly StampedResult[]): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new LearnstreamError(SinkClosed);
    let added = 0;
    for (const r of results) {
      const k = key(r.output, r.partition);
      const floor = Math.max(this.accepted.get(k) ?? 0, this.durableEverywhere(r.output, r.partition));
      if (r.seq <= floor) {
        metrics.skipped.inc({ output: r.output });
        continue;
      }
      this.accepted.set(k, r.seq);
      const claim = this.claims.get(r.partition) ?? unfencedClaim;
      const row = resultRow(r);
      row.deployment = this.identity.deployment;
      row.source_topic = this.identity.topic;
      row.owner_epoch = claim.epoch;
      row.owner = claim.owner;
      (this.buffers.get(r.output) as Pending[]).push({ partition: r.partition, seq: r.seq, row });
      this.enqueued.set(r.output, (this.enqueued.get(r.output) ?? 0) + 1);
      added++;
    }
    if (added === 0) return;
    this.updatePressure();
    if (outputs.some((o) => (this.buffers.get(o) as Pending[]).length >= this.maxBatchRows)) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.flushIntervalMs).unref();
  }

  /**
   * The pipeline lost `partition` in a rebalance: drop its buffered rows (the
   * new owner replays them from its checkpoint) and what we knew of its
   * sequence numbers, so a later re-assignment asks ClickHouse afresh. A batch
   * already in flight still lands; the new owner skips it by sequence number.
   */
  forget(partition: number): void {
    for (const [output, buffer] of this.buffers) {
      const kept = buffer.filter((b) => b.partition !== partition);
      this.completed.set(output, (this.completed.get(output) ?? 0) + buffer.length - kept.length);
      buffer.length = 0;
      for (const b of kept) buffer.push(b);
      const k = key(output, partition);
      this.accepted.delete(k);
      for (const t of targets[output]) this.durable.delete(targetKey(t.table, partition));
      this.floors.delete(k);
    }
    this.claims.delete(partition);
    this.updatePressure();
  }

  /** Rows waiting in buffers plus the batch being inserted. */
  bufferedRows(): number {
    let n = this.inFlightRows;
    for (const b of this.buffers.values()) n += b.length;
    return n;
  }

  /** True while the pipeline should stop consuming (too many rows wait). */
  needsBackpressure(): boolean {
    return this.paused;
  }

  /** Resolves at once, or when backpressure ends; rejects if the sink failed. */
  whenWritable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.paused) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Resolves when every result written before the call is durable in
   * ClickHouse: a barrier, so sustained writes cannot starve a checkpoint.
   */
  async flush(): Promise<void> {
    const target = new Map(this.enqueued);
    const reached = () => outputs.every((o) => (this.completed.get(o) ?? 0) >= (target.get(o) ?? 0));
    for (;;) {
      if (this.failure) throw this.failure;
      if (reached()) return;
      this.kick();
      await this.draining;
    }
  }

  /** Flushes, then refuses further writes. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** The fatal error the sink stopped on, if any. */
  get failed(): LearnstreamError | undefined {
    return this.failure;
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // Rows written while the last batch was in flight start their own timer.
      if (!this.failure && this.bufferedRows() > 0) this.timer ??= setTimeout(() => this.kick(), 0).unref();
    });
  }

  private async drain(): Promise<void> {
    while (!this.failure) {
      const output = this.fullestOutput();
      if (!output) return;
      const buffer = this.buffers.get(output) as Pending[];
      const batch = buffer.splice(0, this.maxBatchRows);
      this.inFlightRows += batch.length;
      try {
        await this.insertWithRetry(output, batch);
        this.completed.set(output, (this.completed.get(output) ?? 0) + batch.length);
      } catch (err) {
        this.fail(output, err);
        // Put the batch back so buffered counts and a later inspection stay truthful.
        buffer.unshift(...batch);
      } finally {
        this.inFlightRows -= batch.length;
        this.updatePressure();
      }
    }
  }

  private fullestOutput(): OutputName | undefined {
    let best: OutputName | undefined;
    let size = 0;
    for (const o of outputs) {
      const n = (this.buffers.get(o) as Pending[]).length;
      if (n > size) {
        best = o;
        size = n;
      }
    }
    return best;
  }

  /** Rows the target does not hold yet (asking it for any partition not known), of claims this sink still holds. */
  private async unwritten(target: Target, output: OutputName, batch: Pending[]): Promise<Pending[]> {
    const live = batch.filter((b) => this.current(b));
    for (const p of new Set(live.map((b) => b.partition))) {
      if (!this.durable.has(targetKey(target.table, p))) await this.landed(target, output, p);
    }
    return live.filter((b) => b.seq > (this.durable.get(targetKey(target.table, b.partition)) ?? 0));
  }

  /** The row was stamped with the partition's current claim (a forgotten or re-claimed partition's rows are not). */
  private current(b: Pending): boolean {
    const claim = this.claims.get(b.partition) ?? unfencedClaim;
    return b.row.owner_epoch === claim.epoch && b.row.owner === claim.owner;
  }

  /** The batch into the base table, then into each rollup: one target per insert, so each lands whole or not at all. */
  private async insertWithRetry(output: OutputName, batch: Pending[]): Promise<void> {
    const batchNo = ++this.batchNo;
    for (const [i, target] of targets[output].entries()) {
      const queryId = `${insertQueryIdPrefix(this.identity.deployment, this.identity.owner)}${output}-${batchNo}-${i}`;
      await this.insertIntoTarget(target, output, batch, queryId);
    }
  }

  private async insertIntoTarget(target: Target, output: OutputName, batch: Pending[], queryId: string): Promise<void> {
    const base = !target.rollup;
    for (let attempt = 0; ; attempt++) {
      try {
        // An earlier attempt may still run on the server (client timeout): let it end before asking what landed.
        if (attempt > 0) await this.waitUntilDone(queryId);
        const rows = await this.unwritten(target, output, batch);
        if (base && rows.length < batch.length) metrics.skipped.inc({ output }, batch.length - rows.length);
        if (rows.length === 0) return;
        const end = base ? metrics.latency.startTimer({ output }) : undefined;
        await this.store.insert(
          target.input,
          rows.map((r) => r.row),
          { queryId, dedupToken: rows.length === batch.length ? queryId : `${queryId}-${rows.length}` },
        );
        end?.();
        if (base) {
          metrics.rows.inc({ output }, rows.length);
          metrics.batches.inc({ output });
        }
        for (const r of rows) {
          // A partition re-claimed while this insert ran learns what landed from ClickHouse, not from us.
          if (!this.current(r)) continue;
          const k = targetKey(target.table, r.partition);
          if (r.seq > (this.durable.get(k) ?? 0)) this.durable.set(k, r.seq);
        }
        return;
      } catch (err) {
        if (!isRetriable(err) || attempt >= this.maxRetries) throw err;
        // The insert may have landed before the connection broke: ask again before retrying.
        for (const p of new Set(batch.map((b) => b.partition))) this.durable.delete(targetKey(target.table, p));
        const delay = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(attempt, 30));
        const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
        metrics.retries.inc({ output });
        this.log.warn(
          {
            output,
            table: target.table,
            rows: batch.length,
            attempt: attempt + 1,
            delayMs: jittered,
            err: (err as Error).message,
          },
          'ClickHouse insert failed; retrying',
        );
        await new Promise((r) => setTimeout(r, jittered));
      }
    }
  }

  /** Resolves when no query with this id runs on the server (killing it after a minute). */
  private async waitUntilDone(queryId: string): Promise<void> {
    if (this.store.engine !== 'server') return;
    // system.processes is outside the identifier allow-list: fixed names, the value quoted.
    const where = `query_id = ${quoteString(queryId)}`;
    const deadline = Date.now() + 60_000;
    for (let delay = 25; ; delay = Math.min(delay * 2, 1000)) {
      const [row] = await this.store.query<{ n: number | string }>(
        `SELECT count() AS n FROM system.processes WHERE ${where}`,
      );
      if (Number(row?.n ?? 0) === 0) return;
      if (Date.now() >= deadline) {
        await this.store.command(`KILL QUERY WHERE ${where} SYNC`);
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private fail(output: OutputName, err: unknown): void {
    metrics.failures.inc({ output });
    this.failure = new LearnstreamError(SinkFailed, `${outputTables[output]}: ${(err as Error).message}`, {
      cause: err,
      details: { output, table: outputTables[output] },
    });
    this.log.error({ err: this.failure, output }, 'ClickHouse sink stopped: a batch could not be written');
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    if (this.listenerCount('error') > 0) this.emit('error', this.failure);
  }

  private updatePressure(): void {
    const n = this.bufferedRows();
    metrics.buffered.set(n);
    if (!this.paused && n > this.maxBufferedRows) {
      this.paused = true;
      metrics.backpressure.set(1);
      this.emit('backpressure');
    } else if (this.paused && n <= this.resumeBelowRows) {
      this.paused = false;
      metrics.backpressure.set(0);
      for (const w of this.waiters.splice(0)) w.resolve();
      this.emit('writable');
    }
  }
}

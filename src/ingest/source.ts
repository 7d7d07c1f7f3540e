// The EventSource port: what the engine pipeline consumes. Two implementations
// share it — the Kafka source (kafka-source.ts) and the in-process source of
// embedded mode (in-process-source.ts).
import type { DeadLetterPayload } from './dead-letter.js';
import type { SourceRecord } from './event.js';

export interface SourceBatch {
  partition: number;
  /**
   * Decoded, pseudonymised records in partition order. May be empty when every
   * record of the fetch was rejected (they went to the dead-letter output):
   * `lastOffset` still advances so the engine can commit past them.
   */
  records: SourceRecord[];
  /**
   * Every record of this batch that was rejected (events and ticks), in
   * partition order, as written to the dead-letter output: the rows of the
   * `dead_letters` table. Bounded: `value_base64` holds at most the first
   * 256 KiB of the value (`truncated`, `value_size`, `value_sha256` say what was cut).
   */
  deadLetters: DeadLetterPayload[];
  /** Offset of the first record this batch covers (rejected ones included). */
  firstOffset?: string;
  /** Offset of the last record this batch covers (rejected ones included). */
  lastOffset: string;
  /** The partition's log end offset when the batch was fetched. */
  highWatermark: string;
}

export interface SourceHandler {
  /**
   * Awaited before the next batch of that partition is delivered: backpressure.
   * Resolving `false` means the batch was not applied (the partition is not
   * owned, or the handler sought elsewhere): the source must not mark it consumed.
   */
  onBatch(batch: SourceBatch): Promise<boolean | void>;
  /** The partitions this instance owns after each (re)balance; batches wait until it resolves. */
  onAssignment?(partitions: number[]): Promise<void> | void;
  /** The source stopped for good (a consumer crash it will not recover from). */
  onFailure?(err: unknown): void;
}

/** A partition's log bounds when a seek happened. */
export interface LogBounds {
  low: string;
  high: string;
}

export interface PartitionLag {
  partition: number;
  /** Records between what was consumed (or committed) and the log end. */
  lag: number;
}

export interface EventSource {
  /** Starts delivery; resolves once the source runs (delivery continues until stop()). */
  run(handler: SourceHandler): Promise<void>;
  /** Commits `offset` = the next offset to read, per partition. */
  commit(offsets: { partition: number; offset: string }[]): Promise<void>;
  pause(): void;
  resume(): void;
  /**
   * Next delivery of `partition` starts at `offset` (null: the log start).
   * Batches fetched before the seek are not delivered. Resolves with the log bounds.
   */
  seek(partition: number, offset: string | null): Promise<LogBounds | undefined>;
  /** Appends a watermark tick to `partition`; it comes back as `{ type: 'tick' }` in partition order. */
  appendTick(partition: number, eventTime: number): Promise<void>;
  lag(): Promise<PartitionLag[]>;
  stop(): Promise<void>;
}

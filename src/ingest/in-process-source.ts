// The in-process source of embedded mode: an in-memory partitioned log with
// the EventSource shape. push() validates and pseudonymises raw events and
// appends them to the partition Kafka would pick for the learner; run()
// delivers per-partition batches, awaiting the handler (backpressure).
import { LearnstreamError } from '../core/errors.js';
import { componentLogger } from '../core/logger.js';
import { type ContractOptions, contractViolations } from './contract.js';
import { IngestOptionInvalid, SourceStopped } from './errors.js';
import type { LearningEvent, SourceRecord } from './event.js';
import { deadLetters, recordsConsumed, recordsRejected } from './metrics.js';
import { learnerKey, partitionOf } from './partitioner.js';
import { pseudonymizeEvent } from './pseudonym.js';
import type { Rejection } from './rejection.js';
import type { EventSource, PartitionLag, SourceHandler } from './source.js';

export interface InProcessSourceOptions {
  partitions: number;
  pseudonymSecret: string;
  /** Most records per delivered batch. */
  maxBatch?: number;
  contract?: ContractOptions;
  /** Rejected events kept in memory for inspection (oldest dropped first). */
  deadLetterCapacity?: number;
  /** Wait before redelivering a batch whose onBatch failed. */
  retryDelayMs?: number;
}

export type PushResult =
  | { ok: true; eventId: string; partition: number; offset: string }
  | (Rejection & { eventId: string | null });

export interface InProcessDeadLetter {
  reason: string;
  message: string;
  field: string | null;
  /** The rejected event with its learner id already pseudonymised. */
  preview: LearningEvent | null;
}

export interface InProcessSource extends EventSource {
  /** Raw ids in; the log holds pseudonyms only. Results in input order. */
  push(events: LearningEvent[]): PushResult[];
  /** Next offset per partition (the log end). */
  endOffsets(): string[];
  deadLetters(): InProcessDeadLetter[];
}

export function createInProcessSource(opts: InProcessSourceOptions): InProcessSource {
  const { partitions, pseudonymSecret, maxBatch = 500, deadLetterCapacity = 1000, retryDelayMs = 1000 } = opts;
  const log = componentLogger('in-process-source');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new LearnstreamError(IngestOptionInvalid, `partitions must be a positive integer (got ${partitions})`);
  }
  const queues: SourceRecord[][] = Array.from({ length: partitions }, () => []);
  const nextOffset: bigint[] = Array.from({ length: partitions }, () => 0n);
  const committed: bigint[] = Array.from({ length: partitions }, () => 0n);
  const delivered: bigint[] = Array.from({ length: partitions }, () => 0n);
  const dead: InProcessDeadLetter[] = [];
  let paused = false;
  let state: 'new' | 'running' | 'stopped' = 'new';
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  function append(partition: number, make: (offset: string) => SourceRecord): string {
    const offset = (nextOffset[partition] as bigint).toString();
    nextOffset[partition] = (nextOffset[partition] as bigint) + 1n;
    queues[partition]?.push(make(offset));
    notify();
    return offset;
  }

  async function deliver(handler: SourceHandler): Promise<void> {
    await handler.onAssignment?.(Array.from({ length: partitions }, (_, p) => p));
    while (state === 'running') {
      let progressed = false;
      if (!paused) {
        for (let p = 0; p < partitions && state === 'running' && !paused; p++) {
          const queue = queues[p] as SourceRecord[];
          if (queue.length === 0) continue;
          const records = queue.splice(0, maxBatch);
          const last = records[records.length - 1] as SourceRecord;
          try {
            await handler.onBatch({
              partition: p,
              records,
              lastOffset: last.offset,
              highWatermark: (nextOffset[p] as bigint).toString(),
            });
          } catch (err) {
            // Like a Kafka consumer after a failed batch: nothing is skipped, the batch comes again.
            queue.unshift(...records);
            log.error({ err, partition: p }, 'onBatch failed; redelivering after a pause');
            await new Promise((r) => setTimeout(r, retryDelayMs));
            continue;
          }
          recordsConsumed.inc(records.length);
          delivered[p] = BigInt(last.offset) + 1n;
          progressed = true;
        }
      }
      if (!progressed && state === 'running') await new Promise<void>((r) => (wake = r));
    }
  }

  return {
    push(events) {
      if (state === 'stopped') throw new LearnstreamError(SourceStopped, 'push after stop()');
      return events.map((event): PushResult => {
        let problems: Rejection[];
        try {
          problems = contractViolations(event, opts.contract);
        } catch (err) {
          problems = [{ ok: false, reason: 'invalid_field', message: `not an event: ${(err as Error).message}` }];
        }
        const first = problems[0];
        if (first) {
          recordsRejected.inc({ reason: first.reason });
          deadLetters.inc({ reason: first.reason });
          const preview =
            typeof event?.tenantId === 'string' && typeof event?.learnerId === 'string'
              ? pseudonymizeEvent(pseudonymSecret, event)
              : null;
          dead.push({ reason: first.reason, message: first.message, field: first.field ?? null, preview });
          if (dead.length > deadLetterCapacity) dead.shift();
          return { ...first, eventId: typeof event?.eventId === 'string' ? event.eventId : null };
        }
        const partition = partitionOf(learnerKey(event.tenantId, event.learnerId), partitions);
        const clean = pseudonymizeEvent(pseudonymSecret, { ...event, clientSessionId: event.clientSessionId ?? null });
        const offset = append(partition, (o) => ({ type: 'event', partition, offset: o, event: clean }));
        return { ok: true, eventId: event.eventId, partition, offset };
      });
    },
    async run(handler) {
      if (state !== 'new') throw new LearnstreamError(SourceStopped, 'run() may be called once');
      state = 'running';
      loop = deliver(handler);
      loop.catch(() => {});
    },
    async commit(offsets) {
      for (const { partition, offset } of offsets) {
        if (partition >= 0 && partition < partitions) committed[partition] = BigInt(offset);
      }
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      notify();
    },
    async appendTick(partition, eventTime) {
      if (partition < 0 || partition >= partitions) {
        throw new LearnstreamError(IngestOptionInvalid, `no partition ${partition} (source has ${partitions})`);
      }
      append(partition, (offset) => ({ type: 'tick', partition, offset, eventTime }));
    },
    async lag(): Promise<PartitionLag[]> {
      return nextOffset.map((end, partition) => ({
        partition,
        lag: Number(end - (delivered[partition] as bigint)),
      }));
    },
    endOffsets() {
      return nextOffset.map((o) => o.toString());
    },
    deadLetters() {
      return [...dead];
    },
    async stop() {
      if (state === 'stopped') return;
      const wasRunning = state === 'running';
      state = 'stopped';
      notify();
      if (wasRunning) await loop?.catch(() => {});
    },
  };
}

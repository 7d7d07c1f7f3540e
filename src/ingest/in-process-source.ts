// The in-process source of embedded mode: an in-memory partitioned log with
// the EventSource shape. push() validates and pseudonymises raw events and
// appends them to the partition Kafka would pick for the learner; run()
// delivers per-partition batches, awaiting the handler (backpressure).
// Records stay in the log until committed, so a stopped and re-run source
// (a supervisor restart) redelivers from the last commit, as Kafka would. A
// rejected event takes an offset too (in its learner's partition, else 0) and
// comes back as a dead letter of the batch that covers it, as in Kafka mode.
import { LearnstreamError } from '../core/errors.js';
import { componentLogger } from '../core/logger.js';
import { type ContractOptions, contractViolations } from './contract.js';
import { type DeadLetterPayload, deadLetterPayload } from './dead-letter.js';
import { IngestOptionInvalid, SourceStopped } from './errors.js';
import type { LearningEvent, SourceRecord } from './event.js';
import { eventToJson } from './json-event.js';
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
  /** Topic name in dead letters (the engine calls the embedded log `embedded`). */
  topic?: string;
}

/** An entry of the in-memory log: a record for the processors, or the place of a rejected event. */
type LogEntry = SourceRecord | { type: 'dead'; offset: string; deadLetter: DeadLetterPayload };

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
  /** Raw ids in; the log holds pseudonyms only. Results in input order. Accepted also while stopped. */
  push(events: LearningEvent[]): PushResult[];
  /** Next offset per partition (the log end). */
  endOffsets(): string[];
  deadLetters(): InProcessDeadLetter[];
}

export function createInProcessSource(opts: InProcessSourceOptions): InProcessSource {
  const {
    partitions,
    pseudonymSecret,
    maxBatch = 500,
    deadLetterCapacity = 1000,
    retryDelayMs = 1000,
    topic = 'embedded',
  } = opts;
  const log = componentLogger('in-process-source');
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new LearnstreamError(IngestOptionInvalid, `partitions must be a positive integer (got ${partitions})`);
  }
  const all = Array.from({ length: partitions }, (_, p) => p);
  /** Uncommitted records per partition; `base[p]` is the offset of `retained[p][0]`. */
  const retained: LogEntry[][] = all.map(() => []);
  const base: bigint[] = all.map(() => 0n);
  const nextOffset: bigint[] = all.map(() => 0n);
  const committed: bigint[] = all.map(() => 0n);
  /** Next offset to deliver in the current run. */
  const position: bigint[] = all.map(() => 0n);
  const dead: InProcessDeadLetter[] = [];
  let paused = false;
  let seeks = 0;
  let running = false;
  let generation = 0;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  function append(partition: number, make: (offset: string) => LogEntry): string {
    const offset = (nextOffset[partition] as bigint).toString();
    nextOffset[partition] = (nextOffset[partition] as bigint) + 1n;
    retained[partition]?.push(make(offset));
    notify();
    return offset;
  }

  async function deliver(handler: SourceHandler, run: number): Promise<void> {
    const live = () => running && generation === run;
    await handler.onAssignment?.(all);
    while (live()) {
      let progressed = false;
      for (let p = 0; p < partitions && live() && !paused; p++) {
        const from = Number((position[p] as bigint) - (base[p] as bigint));
        const entries = (retained[p] as LogEntry[]).slice(from, from + maxBatch);
        if (entries.length === 0) continue;
        const last = entries[entries.length - 1] as LogEntry;
        const records: SourceRecord[] = [];
        const deadLetters: DeadLetterPayload[] = [];
        for (const e of entries) {
          if (e.type === 'dead') deadLetters.push(e.deadLetter);
          else records.push(e);
        }
        const sought = seeks;
        let applied: boolean | void;
        try {
          applied = await handler.onBatch({
            partition: p,
            records,
            deadLetters,
            firstOffset: (entries[0] as LogEntry).offset,
            lastOffset: last.offset,
            highWatermark: (nextOffset[p] as bigint).toString(),
          });
        } catch (err) {
          // Like a Kafka consumer after a failed batch: nothing is skipped, the batch comes again.
          log.error({ err, partition: p }, 'onBatch failed; redelivering after a pause');
          await new Promise((r) => setTimeout(r, retryDelayMs));
          continue;
        }
        if (applied === false || seeks !== sought) {
          // Not applied, or the handler sought meanwhile: the position is the handler's now.
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        recordsConsumed.inc(entries.length);
        position[p] = BigInt(last.offset) + 1n;
        progressed = true;
      }
      if (!progressed && live()) await new Promise<void>((r) => (wake = r));
    }
  }

  return {
    push(events) {
      // Pushing is receiving: the push time is the reference of the future rule and the record's append time.
      const appendedAtMs = (opts.contract?.now ?? Date.now)();
      return events.map((event): PushResult => {
        let problems: Rejection[];
        try {
          problems = contractViolations(event, opts.contract, appendedAtMs);
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
          const partition = partitionOfAny(event, partitions);
          append(partition, (offset) => ({
            type: 'dead',
            offset,
            deadLetter: deadLetterPayload(
              // The raw event's wire form: deadLetterPayload pseudonymises its learner_id.
              { ...first, ...(preview ? { preview: jsonPreview(event) } : {}) },
              { topic, partition, offset, timestamp: String(appendedAtMs) },
              null,
              pseudonymSecret,
            ),
          }));
          return { ...first, eventId: typeof event?.eventId === 'string' ? event.eventId : null };
        }
        const partition = partitionOf(learnerKey(event.tenantId, event.learnerId), partitions);
        const clean = pseudonymizeEvent(pseudonymSecret, { ...event, clientSessionId: event.clientSessionId ?? null });
        const offset = append(partition, (o) => ({ type: 'event', partition, offset: o, event: clean, appendedAtMs }));
        return { ok: true, eventId: event.eventId, partition, offset };
      });
    },
    async run(handler) {
      if (running) throw new LearnstreamError(SourceStopped, 'run() while already running; stop() first');
      running = true;
      // A new run is a new consumer: it starts unpaused, like a fresh Kafka consumer.
      paused = false;
      const run = ++generation;
      for (const p of all) position[p] = committed[p] as bigint;
      loop = deliver(handler, run);
      loop.catch((err) => log.error({ err }, 'delivery stopped'));
    },
    async commit(offsets) {
      for (const { partition, offset } of offsets) {
        if (partition < 0 || partition >= partitions) continue;
        const to = BigInt(offset);
        if (to <= (committed[partition] as bigint)) continue;
        committed[partition] = to;
        // Committed records are never redelivered: drop them from memory.
        const drop = Number(to - (base[partition] as bigint));
        (retained[partition] as LogEntry[]).splice(0, drop);
        base[partition] = to;
      }
    },
    async seek(partition, offset) {
      if (partition < 0 || partition >= partitions) return undefined;
      const low = base[partition] as bigint;
      const to = offset === null ? low : BigInt(offset);
      // Records below the commit are gone; a checkpoint never lies below the commit.
      position[partition] = to < low ? low : to;
      seeks++;
      notify();
      return { low: low.toString(), high: (nextOffset[partition] as bigint).toString() };
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
      return all.map((partition) => ({
        partition,
        lag: Number(
          (nextOffset[partition] as bigint) -
            (running ? (position[partition] as bigint) : (committed[partition] as bigint)),
        ),
      }));
    },
    endOffsets() {
      return nextOffset.map((o) => o.toString());
    },
    deadLetters() {
      return [...dead];
    },
    async stop() {
      if (!running) return;
      running = false;
      notify();
      await loop?.catch(() => {});
    },
  };
}

/** The learner's partition when the event names tenant and learner, else 0. */
function partitionOfAny(event: LearningEvent, partitions: number): number {
  const e = event as Partial<LearningEvent> | null | undefined;
  return typeof e?.tenantId === 'string' && typeof e.learnerId === 'string'
    ? partitionOf(learnerKey(e.tenantId, e.learnerId), partitions)
    : 0;
}

/** The wire (snake_case) form of an event, as a Kafka dead letter's preview; undefined if it is not an event. */
function jsonPreview(event: LearningEvent): Record<string, unknown> | undefined {
  try {
    return eventToJson(event);
  } catch {
    return undefined;
  }
}

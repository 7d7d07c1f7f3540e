// The Kafka source: a consumer-group member reading the events topic batch by
// batch (heartbeats, manual commits, pause/resume), decoding and
// pseudonymising each record, and sending every rejected record to the
// dead-letter topic before the batch reaches the engine. The future rule is
// judged against each record's broker timestamp; ticks count only when signed.
import { LearnstreamError } from '../core/errors.js';
import { componentLogger } from '../core/logger.js';
import type { BatchControl, BrokerClient, FetchedBatch } from './broker.js';
import { createEventCodec, type EventCodec, type EventCodecOptions } from './codec.js';
import { type DeadLetterPayload, deadLetterMessage, deadLetterPayload, minimalDeadLetter } from './dead-letter.js';
import { KafkaUnavailable, SourceStopped } from './errors.js';
import type { SourceRecord } from './event.js';
import { createKafkajsClient, isRetriableKafkaError } from './kafkajs-broker.js';
import { deadLetters, deadLettersCut, recordsConsumed, recordsRejected } from './metrics.js';
import { pseudonymizeEvent } from './pseudonym.js';
import { reject } from './rejection.js';
import type { EventSource, PartitionLag, SourceHandler } from './source.js';
import { decodeTick, isTick, tickMessage } from './tick.js';

export interface KafkaSourceOptions {
  brokers: string[];
  clientId: string;
  topic: string;
  groupId: string;
  deadLetterTopic: string;
  pseudonymSecret: string;
  /** Where a new group starts: the earliest offset (default) or only new records. */
  fromBeginning?: boolean;
  /** Partitions processed at the same time by this instance (onBatch may then run concurrently across partitions). */
  partitionsConsumedConcurrently?: number;
  /** Heartbeat at least every this many records inside a batch. */
  heartbeatEvery?: number;
  codec?: EventCodecOptions | EventCodec;
  /** Most raw bytes of a rejected record kept in its dead letter (default 256 KiB). */
  deadLetterMaxValueBytes?: number;
  /** Swap the Kafka client (default: kafkajs). */
  client?: BrokerClient;
}

export function createKafkaSource(opts: KafkaSourceOptions): EventSource {
  const {
    topic,
    groupId,
    deadLetterTopic,
    pseudonymSecret,
    fromBeginning = true,
    partitionsConsumedConcurrently = 1,
    heartbeatEvery = 500,
  } = opts;
  const log = componentLogger('kafka-source').child({ topic, groupId });
  const client = opts.client ?? createKafkajsClient({ brokers: opts.brokers, clientId: opts.clientId });
  const codec = opts.codec && 'decode' in opts.codec ? opts.codec : createEventCodec(opts.codec);
  const consumer = client.consumer({ groupId });
  const producer = client.producer({ idempotent: true });
  const admin = client.admin();
  let assigned: number[] = [];
  // Batches wait for the handler's onAssignment (e.g. restoring checkpoints) of the latest rebalance.
  let assignmentSettled: Promise<void> = Promise.resolve();
  let paused = false;
  let fetching = false;
  const nextToRead = new Map<number, string>();
  // A refused batch or a seek back reads a record again; the rejection metric counts records, not
  // reads, so a partition's rejections are counted only past the highest offset already counted.
  const rejectionsCountedThrough = new Map<number, bigint>();
  const countRejection = (partition: number, offset: string, reason: string): void => {
    const at = BigInt(offset);
    const through = rejectionsCountedThrough.get(partition);
    if (through !== undefined && at <= through) return;
    rejectionsCountedThrough.set(partition, at);
    recordsRejected.inc({ reason });
  };
  let state: 'new' | 'running' | 'stopped' = 'new';
  let producerReady: Promise<void> | undefined;
  let adminReady: Promise<void> | undefined;
  const connectProducer = () => (producerReady ??= producer.connect());
  const connectAdmin = () => (adminReady ??= admin.connect());

  /**
   * Dead letters are durable before the batch moves on: a crash re-reads them,
   * never loses them. One the topic refuses as too large goes again without
   * its value and preview, so a dead letter never holds up the partition.
   */
  async function sendDeadLetters(partition: number, payloads: DeadLetterPayload[]): Promise<void> {
    const minimal = new Set<DeadLetterPayload>();
    try {
      await producer.send(deadLetterTopic, payloads.map(deadLetterMessage));
    } catch (err) {
      if (!refusedAsTooLarge(err)) throw err;
      log.warn({ err, partition, count: payloads.length }, 'dead letters refused as too large; sending one by one');
      for (const payload of payloads) {
        try {
          await producer.send(deadLetterTopic, [deadLetterMessage(payload)]);
        } catch (one) {
          if (!refusedAsTooLarge(one)) throw one;
          log.warn(
            { partition, offset: payload.source.offset },
            'dead letter refused as too large; sent without its value',
          );
          await producer.send(deadLetterTopic, [deadLetterMessage(minimalDeadLetter(payload))]);
          minimal.add(payload);
        }
      }
    }
    for (const p of payloads) {
      deadLetters.inc({ reason: p.reason });
      if (minimal.has(p)) deadLettersCut.inc({ form: 'minimal' });
      else if (p.truncated) deadLettersCut.inc({ form: 'truncated' });
    }
    log.warn({ partition, count: payloads.length, reasons: payloads.map((p) => p.reason) }, 'records dead-lettered');
  }

  async function processBatch(handler: SourceHandler, batch: FetchedBatch, control: BatchControl): Promise<void> {
    const records: SourceRecord[] = [];
    const dead: DeadLetterPayload[] = [];
    const limits = { maxValueBytes: opts.deadLetterMaxValueBytes };
    const signing = { secret: pseudonymSecret, topic, partition: batch.partition };
    let lastOffset: string | undefined;
    const firstOffset = batch.records[0]?.offset;
    let sinceHeartbeat = 0;
    for (const record of batch.records) {
      if (!control.isRunning() || control.isStale()) break;
      recordsConsumed.inc();
      lastOffset = record.offset;
      const origin = { topic, partition: batch.partition, offset: record.offset, timestamp: record.timestamp };
      if (isTick(record.headers)) {
        const tick = decodeTick(record.value, record.headers, signing);
        if (tick.ok) {
          records.push({ type: 'tick', partition: batch.partition, offset: record.offset, eventTime: tick.eventTime });
        } else {
          countRejection(batch.partition, record.offset, tick.reason);
          dead.push(deadLetterPayload(tick, origin, record.value, pseudonymSecret, limits));
        }
      } else {
        const appendedAtMs = brokerTime(record.timestamp);
        const decoded = record.value
          ? codec.decode(record.value, { referenceTimeMs: appendedAtMs })
          : reject('truncated', 'record has no value (tombstone)');
        if (decoded.ok) {
          const event = pseudonymizeEvent(pseudonymSecret, decoded.event);
          records.push(
            appendedAtMs === undefined
              ? { type: 'event', partition: batch.partition, offset: record.offset, event }
              : { type: 'event', partition: batch.partition, offset: record.offset, event, appendedAtMs },
          );
        } else {
          countRejection(batch.partition, record.offset, decoded.reason);
          dead.push(deadLetterPayload(decoded, origin, record.value, pseudonymSecret, limits));
        }
      }
      if (++sinceHeartbeat >= heartbeatEvery) {
        sinceHeartbeat = 0;
        await control.heartbeat();
      }
    }
    if (lastOffset === undefined) return;
    if (dead.length > 0) await sendDeadLetters(batch.partition, dead);
    // Heartbeats keep flowing while the engine restores an assignment or waits out backpressure:
    // a member silent past the session timeout is evicted.
    const beat = setInterval(() => {
      control.heartbeat().catch(() => undefined);
    }, 1000);
    let applied: boolean | void;
    try {
      await assignmentSettled;
      if (!control.isRunning() || control.isStale()) return;
      applied = await handler.onBatch({
        partition: batch.partition,
        records,
        deadLetters: dead,
        firstOffset,
        lastOffset,
        highWatermark: batch.highWatermark,
      });
    } finally {
      clearInterval(beat);
    }
    // Not applied: not consumed either (the handler sought where its state continues).
    if (applied === false) return;
    control.resolveOffset(lastOffset);
    nextToRead.set(batch.partition, (BigInt(lastOffset) + 1n).toString());
    await control.heartbeat();
  }

  return {
    async run(handler) {
      if (state !== 'new') throw new LearnstreamError(SourceStopped, 'run() may be called once');
      state = 'running';
      await Promise.all([connectProducer(), consumer.connect(), connectAdmin()]);
      await consumer.subscribe(topic, fromBeginning);
      await consumer.run({
        concurrency: partitionsConsumedConcurrently,
        eachBatch: (batch, control) => processBatch(handler, batch, control),
        onAssignment: (partitions) => {
          assigned = partitions;
          log.info({ partitions }, 'partitions assigned');
          assignmentSettled = Promise.resolve()
            .then(() => handler.onAssignment?.(partitions))
            .catch((err) => log.error({ err }, 'onAssignment failed'));
        },
        onCrash: (err, willRestart) => {
          log.error({ err, willRestart }, 'consumer crashed');
          // kafkajs restarts itself after retriable errors; otherwise the pipeline must rebuild the source.
          // Retriable unless credentials, permissions or configuration are wrong (the supervisor then stops).
          if (!willRestart) {
            handler.onFailure?.(
              err instanceof LearnstreamError
                ? err
                : new LearnstreamError(
                    KafkaUnavailable,
                    `consumer crashed: ${(err as Error)?.message ?? String(err)}`,
                    {
                      cause: err,
                      retriable: isRetriableKafkaError(err),
                    },
                  ),
            );
          }
        },
      });
      fetching = true;
      if (paused) consumer.pause(topic);
    },
    async commit(offsets) {
      if (offsets.length > 0) await consumer.commit(topic, offsets);
    },
    async seek(partition, offset) {
      await connectAdmin();
      const bounds = (await admin.topicOffsets(topic)).find((o) => o.partition === partition);
      const to = offset ?? bounds?.low ?? '0';
      consumer.seek(topic, partition, to);
      nextToRead.set(partition, to);
      return bounds ? { low: bounds.low, high: bounds.high } : undefined;
    },
    // kafkajs can only pause a running consumer: before run() the flag is applied when it starts.
    pause() {
      paused = true;
      if (fetching) consumer.pause(topic);
    },
    resume() {
      paused = false;
      if (fetching) consumer.resume(topic);
    },
    async appendTick(partition, eventTime) {
      if (state === 'stopped') throw new LearnstreamError(SourceStopped, 'appendTick after stop()');
      await connectProducer();
      await producer.send(topic, [
        { ...tickMessage(eventTime, { secret: pseudonymSecret, topic, partition }), partition },
      ]);
    },
    async lag(): Promise<PartitionLag[]> {
      await connectAdmin();
      const ends = await admin.topicOffsets(topic);
      const committed = new Map((await admin.groupOffsets(groupId, topic)).map((o) => [o.partition, o.offset]));
      return ends
        .filter((e) => assigned.length === 0 || assigned.includes(e.partition))
        .map((e) => {
          const position = nextToRead.get(e.partition) ?? committed.get(e.partition) ?? '-1';
          const from = BigInt(position) < 0n ? BigInt(e.low) : BigInt(position);
          const lag = BigInt(e.high) - from;
          return { partition: e.partition, lag: Number(lag > 0n ? lag : 0n) };
        })
        .sort((a, b) => a.partition - b.partition);
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      fetching = false;
      await consumer.disconnect();
      await Promise.all([producerReady && producer.disconnect(), adminReady && admin.disconnect()]);
    },
  };
}

/** The broker timestamp in epoch ms, or undefined when the broker gave none (-1, empty). */
function brokerTime(timestamp: string): number | undefined {
  const ms = Number(timestamp);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

const tooLargeTypes = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** True when the broker (or client) refused a produce because of its size, following the cause chain. */
function refusedAsTooLarge(err: unknown): boolean {
  for (let e = err as { type?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 8; i++) {
    if (typeof e.type === 'string' && tooLargeTypes.has(e.type)) return true;
    if (typeof e.message === 'string' && /too large|larger than/i.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

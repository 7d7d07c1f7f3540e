// The producer library for upstream services: validates each event against the
// contract, encodes it (single-object Avro by default), keys it by tenant and
// learner so a learner's events stay in one partition, and sends through an
// idempotent producer. Returns one result per event, in input order.
import { componentLogger } from '../core/logger.js';
import { bounded } from './bounded.js';
import type { BrokerClient, BrokerProducer, OutgoingMessage } from './broker.js';
import { createEventCodec, type EventCodec, type EventCodecOptions, type WireFormat } from './codec.js';
import type { LearningEvent } from './event.js';
import { createKafkajsClient } from './kafkajs-broker.js';
import { learnerKey } from './partitioner.js';
import type { Rejection } from './rejection.js';

export interface EventProducerOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  /** `single-object` (default) or `confluent` (needs `codec.confluentSchemaIds` for the version written). */
  wireFormat?: WireFormat;
  /** Envelope version to write (default: the current one in schemas/). */
  schemaVersion?: number;
  codec?: EventCodecOptions | EventCodec;
  client?: BrokerClient;
}

export type SendResult =
  | { ok: true; eventId: string; partition: number; offset: string | null }
  | (Rejection & { eventId: string | null })
  | { ok: false; reason: 'produce_failed'; message: string; eventId: string | null };

export interface EventProducer {
  connect(): Promise<void>;
  /** Invalid events are rejected individually; valid ones are sent in one request. */
  send(events: LearningEvent[]): Promise<SendResult[]>;
  disconnect(): Promise<void>;
}

export function createEventProducer(opts: EventProducerOptions): EventProducer {
  const { topic, wireFormat = 'single-object', schemaVersion } = opts;
  const log = componentLogger('event-producer').child({ topic });
  const client =
    opts.client ?? createKafkajsClient({ brokers: opts.brokers, clientId: opts.clientId ?? 'learnstream-producer' });
  const codec = opts.codec && 'decode' in opts.codec ? opts.codec : createEventCodec(opts.codec);
  const producer: BrokerProducer = client.producer({ idempotent: true });
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= producer.connect());

  return {
    connect,
    async send(events) {
      const results: SendResult[] = new Array(events.length);
      const outgoing: { index: number; message: OutgoingMessage }[] = [];
      events.forEach((event, index) => {
        const encoded = codec.encode(event, { format: wireFormat, version: schemaVersion });
        if (encoded.ok) {
          outgoing.push({ index, message: { key: learnerKey(event.tenantId, event.learnerId), value: encoded.bytes } });
        } else {
          results[index] = { ...encoded, eventId: typeof event?.eventId === 'string' ? event.eventId : null };
        }
      });
      if (outgoing.length > 0) {
        await connect();
        try {
          const delivered = await producer.send(
            topic,
            outgoing.map((o) => o.message),
          );
          outgoing.forEach(({ index }, i) => {
            const at = delivered[i] ?? { partition: -1, offset: null };
            results[index] = { ok: true, eventId: (events[index] as LearningEvent).eventId, ...at };
          });
        } catch (err) {
          log.error({ err, count: outgoing.length }, 'produce failed');
          for (const { index } of outgoing) {
            results[index] = {
              ok: false,
              reason: 'produce_failed',
              message: bounded((err as Error).message),
              eventId: (events[index] as LearningEvent).eventId,
            };
          }
        }
      }
      return results;
    },
    async disconnect() {
      if (connected) {
        await connected.catch(() => {});
        await producer.disconnect();
        connected = undefined;
      }
    },
  };
}

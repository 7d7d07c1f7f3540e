// Every kind through the producer library → a real Kafka broker → back:
// decoded bytes equal the input; the Kafka source yields the same events with
// pseudonymised learner ids; v1-written records read as v2 with the default;
// one learner's events share a partition; ticks land on the asked partition.
import { afterAll, describe, expect, it } from 'vitest';
import {
  createEventCodec,
  createEventProducer,
  createKafkaSource,
  type EventSource,
  type LearningEvent,
  pseudonymize,
  type SourceRecord,
} from '../../../src/ingest/index.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import { everyKind, fixedNow } from '../../unit/ingest/fixtures.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

const secret = 'roundtrip-test-secret';
const contract = { now: fixedNow };

describe('encode → Kafka → decode (real broker)', () => {
  const kafka = testKafka();
  const brokers = testServices().kafkaBrokers;
  const sources: EventSource[] = [];
  afterAll(async () => {
    for (const s of sources) await s.stop();
  });

  it('round-trips every kind, through the raw topic and through the Kafka source', async () => {
    const topic = await createTopic(kafka, 'ingest_rt', 3);
    const producer = createEventProducer({ brokers, topic, codec: { contract } });
    // Same learner for all four (one partition); a second learner in another tenant.
    const other: LearningEvent = {
      ...(everyKind[1] as LearningEvent),
      eventId: '9e107d9d-372b-4b6e-8d5a-1c2b3a4d5e6f',
      tenantId: 'tenant-02',
      learnerId: 'lms-02-u00099',
    };
    const sent = [...everyKind, other];
    const results = await producer.send(sent);
    await producer.disconnect();
    expect(results.every((r) => r.ok)).toBe(true);
    const ok = results as Extract<(typeof results)[number], { ok: true }>[];
    expect(new Set(ok.slice(0, 4).map((r) => r.partition)).size).toBe(1);

    const raw = await readTopic(kafka, topic, sent.length);
    const codec = createEventCodec({ contract });
    for (const [i, event] of sent.entries()) {
      const msg = raw.find((m) => m.partition === ok[i]?.partition && m.offset === ok[i]?.offset);
      expect(msg, `event ${i} at ${ok[i]?.partition}/${ok[i]?.offset}`).toBeDefined();
      expect(msg?.key?.toString()).toBe(`${event.tenantId}/${event.learnerId}`);
      expect(codec.decode(msg?.value as Buffer)).toEqual({ ok: true, event, writerVersion: 3 }); // the producer writes the current version
    }

    const records: SourceRecord[] = [];
    const source = createKafkaSource({
      brokers,
      clientId: 'rt-test',
      topic,
      groupId: uniqueName('rt_group'),
      deadLetterTopic: `${topic}.dlq`,
      pseudonymSecret: secret,
      codec: { contract },
    });
    sources.push(source);
    await source.run({ onBatch: async (b) => void records.push(...b.records) });
    await waitFor(() => records.length === sent.length, { message: 'source delivered every event' });
    for (const event of sent) {
      const got = records.find((r) => r.type === 'event' && r.event.eventId === event.eventId);
      expect(got?.type === 'event' && got.event).toEqual({
        ...event,
        learnerId: pseudonymize(secret, event.tenantId, event.learnerId),
      });
    }
  });

  it('reads v1-written records with a v2 reader (client_session_id = null), and ticks on their partition', async () => {
    const topic = await createTopic(kafka, 'ingest_v1', 2);
    const v1Producer = createEventProducer({ brokers, topic, schemaVersion: 1, codec: { contract } });
    const results = await v1Producer.send(everyKind);
    await v1Producer.disconnect();
    expect(results.every((r) => r.ok)).toBe(true);

    const records: SourceRecord[] = [];
    const source = createKafkaSource({
      brokers,
      clientId: 'v1-test',
      topic,
      groupId: uniqueName('v1_group'),
      deadLetterTopic: `${topic}.dlq`,
      pseudonymSecret: secret,
      codec: { contract },
    });
    sources.push(source);
    await source.run({ onBatch: async (b) => void records.push(...b.records) });
    await waitFor(() => records.length === everyKind.length);
    for (const r of records) {
      expect(r.type === 'event' && r.event.clientSessionId).toBeNull();
    }
    const tickTime = Date.UTC(2026, 0, 5, 12);
    await source.appendTick(1, tickTime);
    await source.appendTick(0, tickTime + 1);
    await waitFor(() => records.filter((r) => r.type === 'tick').length === 2, { message: 'two ticks' });
    const ticks = records.filter((r) => r.type === 'tick');
    expect(ticks.map((t) => [t.partition, t.type === 'tick' && t.eventTime]).sort()).toEqual([
      [0, tickTime + 1],
      [1, tickTime],
    ]);
  });
});

// 1 % corrupt records mixed into a real topic: the Kafka source hands every
// valid record to the engine, puts every corrupt one in the dead-letter topic
// (reason, source topic/partition/offset, original bytes), keeps consuming
// afterwards, counts everything, and lets no raw learner id through.
import { afterAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../../src/core/metrics.js';
import {
  createEventCodec,
  createKafkajsClient,
  createKafkaSource,
  type DeadLetterPayload,
  type EventSource,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { type Defect, defects, kafkaMessages, malformedBytes, simulate } from '../../../src/ingest/simulator/index.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

const secret = 'dead-letter-test-secret';
const now = () => Date.UTC(2026, 5, 1);

async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((s, v) => s + v.value, 0);
}

/** What a consumer must answer for each defect, worked out from the contract (not from the decoder). */
const expectedReasons: Record<Defect, string[]> = {
  score_out_of_range: ['out_of_range'],
  missing_tenant: ['missing_field'],
  future_occurred_at: ['future_occurred_at'],
  bad_event_id: ['invalid_field'],
  truncated_bytes: ['truncated'],
  garbage_bytes: ['truncated', 'corrupt', 'unknown_format', 'unknown_fingerprint'],
};

describe('Kafka source with 1 % corrupt records (real broker)', () => {
  const kafka = testKafka();
  const brokers = testServices().kafkaBrokers;
  let source: EventSource | undefined;
  afterAll(async () => {
    await source?.stop();
  });

  it('processes every valid record, dead-letters every corrupt one with reason and offset, never stops', async () => {
    const topic = await createTopic(kafka, 'ingest_dlq', 3);
    const deadLetterTopic = await createTopic(kafka, 'ingest_dlq_out', 1);
    const codec = createEventCodec({ contract: { now } });
    const valid = simulate({ seed: 21, learners: 30, days: 14 }).slice(0, 1980);
    expect(valid).toHaveLength(1980);
    // 20 corrupt among 2000 (1 %): every defect, at positions spread over the stream.
    const messages = kafkaMessages(valid, codec);
    const corrupt: { defect: Defect; at: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const defect = defects[i % defects.length] as Defect;
      const at = 50 + i * 97;
      const base = valid[at]?.event;
      if (!base) throw new Error('fixture');
      const value = malformedBytes(codec, base, defect, 1000 + i);
      messages.splice(at, 0, { key: `${base.tenantId}/${base.learnerId}`, value });
      corrupt.push({ defect, at });
    }
    expect(messages).toHaveLength(2000);

    const client = createKafkajsClient({ brokers, clientId: 'dlq-test-producer' });
    const producer = client.producer({ idempotent: true });
    await producer.connect();
    const placed = await producer.send(topic, messages);
    const corruptAt = new Map(
      corrupt.map((c) => [
        `${placed[c.at]?.partition}/${placed[c.at]?.offset}`,
        { ...c, bytes: messages[c.at]?.value as Buffer },
      ]),
    );
    expect(corruptAt.size).toBe(20);

    const before = {
      consumed: await counter('learnstream_source_records_consumed_total'),
      rejected: await counter('learnstream_source_records_rejected_total'),
      dead: await counter('learnstream_dead_letters_total'),
    };
    const batches: SourceBatch[] = [];
    source = createKafkaSource({
      brokers,
      clientId: 'dlq-test',
      topic,
      groupId: uniqueName('dlq_group'),
      deadLetterTopic,
      pseudonymSecret: secret,
      codec: { contract: { now } },
    });
    const committed: { partition: number; offset: string }[] = [];
    await source.run({
      onBatch: async (b) => {
        batches.push(b);
        const c = { partition: b.partition, offset: (BigInt(b.lastOffset) + 1n).toString() };
        await source?.commit([c]);
        committed.push(c);
      },
    });
    const events = () => batches.flatMap((b) => b.records).filter((r) => r.type === 'event');
    await waitFor(() => events().length === 1980, { timeoutMs: 60_000, message: 'all 1980 valid records' });
    const got = events().map((r) => (r.type === 'event' ? r.event.eventId : ''));
    expect(new Set(got)).toEqual(new Set(valid.map((r) => r.event.eventId)));
    expect(got).toHaveLength(1980);

    // Every corrupt record is in the dead-letter topic, with its reason and original coordinates.
    const dead = await readTopic(kafka, deadLetterTopic, 20);
    expect(dead).toHaveLength(20);
    for (const d of dead) {
      const where = `${d.headers.source_partition}/${d.headers.source_offset}`;
      const original = corruptAt.get(where);
      expect(original, `dead letter for ${where}`).toBeDefined();
      expect(d.headers.source_topic).toBe(topic);
      expect(expectedReasons[original!.defect]).toContain(d.headers.reason);
      const payload = JSON.parse(d.value?.toString('utf8') ?? '') as DeadLetterPayload;
      expect(payload.reason).toBe(d.headers.reason);
      expect(payload.source).toMatchObject({
        topic,
        partition: Number(d.headers.source_partition),
        offset: d.headers.source_offset,
      });
      expect(Buffer.from(payload.value_base64 ?? '', 'base64').equals(original!.bytes)).toBe(true);
      const readable = ['score_out_of_range', 'missing_tenant', 'future_occurred_at', 'bad_event_id'].includes(
        original!.defect,
      );
      expect(payload.preview !== null).toBe(readable);
      if (readable) expect(payload.field).toBeTruthy();
    }

    // Counters moved by exactly what went through.
    expect((await counter('learnstream_source_records_consumed_total')) - before.consumed).toBe(2000);
    expect((await counter('learnstream_source_records_rejected_total')) - before.rejected).toBe(20);
    expect((await counter('learnstream_dead_letters_total')) - before.dead).toBe(20);
    const metricsText = await metricsRegistry.metrics();
    expect(metricsText).toMatch(/learnstream_dead_letters_total\{reason="out_of_range"\} \d+/);

    // The consumer keeps going: records produced after the corrupt ones still arrive.
    const more = simulate({ seed: 22, learners: 5, days: 7 }).slice(0, 25);
    await producer.send(topic, kafkaMessages(more, codec));
    await producer.disconnect();
    await waitFor(() => events().length === 2005, { message: 'records produced afterwards' });

    // Offsets: what the engine committed reaches the end of every partition; lag is zero.
    await waitFor(async () => (await source!.lag()).every((l) => l.lag === 0), { message: 'lag 0' });
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    for (const e of ends) {
      const last = committed.filter((c) => c.partition === e.partition).at(-1);
      expect(last?.offset).toBe(e.high);
    }

    // No raw learner id anywhere downstream of the source: the records handed on and the dead letters (bar the original bytes).
    const rawIds = new Set([...valid, ...more].map((r) => r.event.learnerId));
    const downstream = JSON.stringify(batches);
    const deadText = dead
      .map((d) => {
        const { value_base64: _bytes, ...rest } = JSON.parse(d.value?.toString('utf8') ?? '{}');
        return JSON.stringify({ key: d.key?.toString(), headers: d.headers, rest });
      })
      .join('\n');
    for (const id of rawIds) {
      expect(downstream.includes(id), `raw id ${id} in source output`).toBe(false);
      expect(deadText.includes(id), `raw id ${id} in a dead letter`).toBe(false);
    }
    expect(downstream).toMatch(/"learnerId":"[0-9a-f]{32}"/);
  }, 120_000);
});

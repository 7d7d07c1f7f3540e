// Hostile records through a real broker: a 900 kB undecodable record is
// dead-lettered bounded (or minimal, when the dead-letter topic refuses even
// that) and consumption goes on past it; a tick written by a producer other
// than the engine is `forged_tick` and never reaches the processors; the
// future rule is judged against the broker's LogAppendTime timestamp, so a
// re-decode an hour later decides the same.
import { createHash, createHmac } from 'node:crypto';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCollectorAuthorizer, createTokenVerifier, signToken } from '../../../src/api/index.js';
import { metricsRegistry } from '../../../src/core/metrics.js';
import {
  type CollectorResponse,
  createEventCodec,
  createEventProducer,
  createKafkajsClient,
  createKafkaSource,
  type DeadLetterPayload,
  type EventSource,
  eventToJson,
  kafkaIntake,
  type LearningEvent,
  registerCollectorRoutes,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { simulate } from '../../../src/ingest/simulator/index.js';
import { tickHeader, tickSignatureHeader } from '../../../src/ingest/tick.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import { contentInteraction, fixedNow } from '../../unit/ingest/fixtures.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

const secret = 'hostile-kafka-test-secret';
const hour = 3_600_000;
const brokers = testServices().kafkaBrokers;
const kafka = testKafka();
let sources: EventSource[] = [];

async function cutCounter(form: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('learnstream_dead_letters_cut_total')?.get();
  return (metric?.values ?? []).filter((v) => v.labels.form === form).reduce((s, v) => s + v.value, 0);
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(sources.map((s) => s.stop()));
  sources = [];
});

async function runSource(
  topic: string,
  deadLetterTopic: string,
  codec: Parameters<typeof createKafkaSource>[0]['codec'] = {},
): Promise<{ source: EventSource; batches: SourceBatch[] }> {
  const batches: SourceBatch[] = [];
  const source = createKafkaSource({
    brokers,
    clientId: 'hostile-test',
    topic,
    groupId: uniqueName('hostile_group'),
    deadLetterTopic,
    pseudonymSecret: secret,
    codec,
  });
  sources.push(source);
  await source.run({
    onBatch: async (b) => {
      batches.push(b);
      await source.commit([{ partition: b.partition, offset: (BigInt(b.lastOffset) + 1n).toString() }]);
    },
  });
  return { source, batches };
}

const eventsOf = (batches: SourceBatch[]) =>
  batches.flatMap((b) => b.records).flatMap((r) => (r.type === 'event' ? [r.event.eventId] : []));
const deadOf = (batches: SourceBatch[]) => batches.flatMap((b) => b.deadLetters);

describe('a 900 kB undecodable record (real broker)', () => {
  const codec = createEventCodec();
  const valid = simulate({ seed: 31, learners: 3, days: 3 }).slice(0, 10);
  const encode = (e: LearningEvent) => {
    const r = codec.encode(e, { skipContract: true });
    if (!r.ok) throw new Error(r.message);
    return r.bytes;
  };
  // Single-object marker + 8 bytes that are no known fingerprint + filler: undecodable.
  const huge = Buffer.alloc(900_000, 0x41);
  huge[0] = 0xc3;
  huge[1] = 0x01;
  const hugeSha = createHash('sha256').update(huge).digest('hex');

  async function topicWithHugeRecord(): Promise<{ topic: string; hugeOffset: string }> {
    const topic = await createTopic(kafka, 'ingest_huge', 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: valid.slice(0, 5).map((r) => ({ value: encode(r.event) })) });
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ value: huge }] });
    await producer.send({ topic, acks: -1, messages: valid.slice(5).map((r) => ({ value: encode(r.event) })) });
    await producer.disconnect();
    return { topic, hugeOffset: String(meta?.baseOffset) };
  }

  it('is dead-lettered with its first 256 KiB, size and digest; the records after it arrive', async () => {
    const { topic, hugeOffset } = await topicWithHugeRecord();
    expect(hugeOffset).toBe('5');
    const dlq = await createTopic(kafka, 'ingest_huge_dlq', 1);
    const truncatedBefore = await cutCounter('truncated');
    const { batches } = await runSource(topic, dlq);
    await waitFor(() => eventsOf(batches).length === 10, { timeoutMs: 60_000, message: '10 valid records' });
    expect(eventsOf(batches)).toEqual(valid.map((r) => r.event.eventId));
    const onBatch = deadOf(batches);
    expect(onBatch).toHaveLength(1);
    expect(onBatch[0]).toMatchObject({
      reason: 'unknown_fingerprint',
      source: { topic, partition: 0, offset: '5' },
      value_size: 900_000,
      value_sha256: hugeSha,
      truncated: true,
    });
    const [letter] = await readTopic(kafka, dlq, 1);
    expect(letter?.headers).toMatchObject({ reason: 'unknown_fingerprint', source_offset: '5' });
    const payload = JSON.parse(letter?.value?.toString('utf8') ?? '') as DeadLetterPayload;
    const kept = Buffer.from(payload.value_base64 ?? '', 'base64');
    expect(kept.length).toBe(262_144);
    expect(kept.equals(huge.subarray(0, 262_144))).toBe(true);
    expect(payload).toMatchObject({ value_size: 900_000, value_sha256: hugeSha, truncated: true });
    expect((await cutCounter('truncated')) - truncatedBefore).toBe(1);
  });

  it('goes without its value when the dead-letter topic refuses even the bounded letter, and never blocks', async () => {
    const { topic } = await topicWithHugeRecord();
    // 100 kB limit: the bounded letter (~350 kB of base64) is refused as too large.
    const dlq = await createTopic(kafka, 'ingest_small_dlq', 1, [{ name: 'max.message.bytes', value: '100000' }]);
    const minimalBefore = await cutCounter('minimal');
    const { batches, source } = await runSource(topic, dlq);
    await waitFor(() => eventsOf(batches).length === 10, { timeoutMs: 60_000, message: '10 valid records' });
    const [letter] = await readTopic(kafka, dlq, 1);
    const payload = JSON.parse(letter?.value?.toString('utf8') ?? '') as DeadLetterPayload;
    expect(payload).toMatchObject({
      reason: 'unknown_fingerprint',
      value_base64: null,
      preview: null,
      value_size: 900_000,
      value_sha256: hugeSha,
      truncated: true,
      source: { topic, partition: 0, offset: '5' },
    });
    expect((await cutCounter('minimal')) - minimalBefore).toBe(1);
    // Still consuming: a record produced afterwards arrives.
    const producer = kafka.producer();
    await producer.connect();
    const later = simulate({ seed: 32, learners: 5, days: 7 })[0]?.event as LearningEvent;
    await producer.send({ topic, acks: -1, messages: [{ value: encode(later) }] });
    await producer.disconnect();
    await waitFor(() => eventsOf(batches).includes(later.eventId), { message: 'record after the refused letter' });
    await waitFor(async () => (await source.lag()).every((l) => l.lag === 0), { message: 'lag 0' });
  });
});

describe('ticks written by someone other than the engine (real broker)', () => {
  it('are forged_tick dead letters and never reach the processors; the engine’s own ticks do', async () => {
    const topic = await createTopic(kafka, 'ingest_ticks', 2);
    const dlq = await createTopic(kafka, 'ingest_ticks_dlq', 1);
    const { source, batches } = await runSource(topic, dlq);
    const ticks = () => batches.flatMap((b) => b.records).filter((r) => r.type === 'tick');
    const tickAt = Date.UTC(2026, 0, 10);
    await source.appendTick(0, tickAt);
    await waitFor(() => ticks().length === 1, { message: 'the engine tick' });
    expect(ticks()[0]).toMatchObject({ type: 'tick', partition: 0, eventTime: tickAt });

    // The engine's tick as written on the broker, then three forgeries of it.
    const [signed] = await readTopic(kafka, topic, 1);
    expect(signed?.headers[tickSignatureHeader]).toMatch(/^[0-9a-f]{64}$/);
    const farFuture = String(Date.UTC(2100, 0, 1));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        // No signature at all, far in the future: would silence the partition for good.
        { partition: 0, value: farFuture, headers: { [tickHeader]: '1' } },
        // A real signature replayed on the other partition.
        { partition: 1, value: String(tickAt), headers: signed?.headers },
        // A real signature with another time.
        { partition: 0, value: farFuture, headers: signed?.headers },
      ],
    });
    await producer.disconnect();
    await waitFor(() => deadOf(batches).length === 3, { message: 'three forged ticks dead-lettered' });
    expect(deadOf(batches).map((d) => [d.reason, d.source.partition])).toEqual(
      expect.arrayContaining([
        ['forged_tick', 0],
        ['forged_tick', 1],
        ['forged_tick', 0],
      ]),
    );
    expect(ticks()).toHaveLength(1);
    const letters = await readTopic(kafka, dlq, 3);
    expect(letters.map((l) => l.headers.reason)).toEqual(['forged_tick', 'forged_tick', 'forged_tick']);
  });
});

describe('future rule against the broker timestamp (real broker, LogAppendTime)', () => {
  it('rejects 23 h ahead, accepts 1 min ahead, whatever time the producer stamps, and decides the same an hour later', async () => {
    const topic = uniqueName('ingest_appendtime');
    const client = createKafkajsClient({ brokers, clientId: 'appendtime-test' });
    const admin = client.admin();
    await admin.connect();
    expect(await admin.ensureTopic(topic, 1)).toBe(true);
    await admin.disconnect();
    const plain = kafka.admin();
    await plain.connect();
    const described = await plain.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['message.timestamp.type'] }],
      includeSynonyms: false,
    });
    await plain.disconnect();
    expect(described.resources[0]?.configEntries[0]).toMatchObject({
      configName: 'message.timestamp.type',
      configValue: 'LogAppendTime',
    });
    const dlq = await createTopic(kafka, 'ingest_appendtime_dlq', 1);

    const codec = createEventCodec();
    const base = simulate({ seed: 33, learners: 5, days: 7 })[0]?.event as LearningEvent;
    const before = Date.now();
    // received_at equal to occurred_at: only the broker timestamp can tell them apart.
    const far = { ...base, eventId: '00000000-0000-4000-8000-000000000023' };
    far.occurredAt = before + 23 * hour;
    far.receivedAt = far.occurredAt;
    const near = { ...base, eventId: '00000000-0000-4000-8000-000000000001' };
    near.occurredAt = before + 60_000;
    near.receivedAt = near.occurredAt;
    const bytes = (e: LearningEvent) => {
      const r = codec.encode(e, { skipContract: true });
      if (!r.ok) throw new Error(r.message);
      return r.bytes;
    };
    const producer = kafka.producer();
    await producer.connect();
    // The producer claims 2017 as the create time: LogAppendTime replaces it with the broker's clock.
    const claimed = String(Date.UTC(2017, 6, 14));
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { value: bytes(far), timestamp: claimed },
        { value: bytes(near), timestamp: claimed },
      ],
    });
    await producer.disconnect();
    const after = Date.now();

    const { batches } = await runSource(topic, dlq, { contract: { maxFutureMs: hour } });
    await waitFor(() => batches.reduce((n, b) => n + b.records.length + b.deadLetters.length, 0) === 2, {
      message: 'both records',
    });
    expect(deadOf(batches).map((d) => [d.reason, d.field, d.source.offset])).toEqual([
      ['future_occurred_at', 'occurred_at', '0'],
    ]);
    const [record] = batches.flatMap((b) => b.records);
    expect(record?.type === 'event' && record.event.eventId).toBe(near.eventId);
    const appended = record?.type === 'event' ? (record.appendedAtMs ?? 0) : 0;
    expect(appended).toBeGreaterThanOrEqual(before - 5_000); // broker and test share the host clock
    expect(appended).toBeLessThanOrEqual(after + 5_000);

    // Re-decoded an hour (and a day) later from the bytes and timestamps on the broker: the same decisions.
    const onBroker = await readTopic(kafka, topic, 2);
    for (const m of onBroker) {
      expect(m.timestamp).not.toBe(claimed);
      expect(Number(m.timestamp)).toBeGreaterThanOrEqual(before - 5_000);
      expect(Number(m.timestamp)).toBeLessThanOrEqual(after + 5_000);
    }
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const later of [after + hour, after + 24 * hour]) {
      vi.setSystemTime(later);
      const decoder = createEventCodec({ contract: { maxFutureMs: hour } });
      const decisions = onBroker.map((m) => {
        const d = decoder.decode(m.value as Buffer, { referenceTimeMs: Number(m.timestamp) });
        return d.ok ? 'accepted' : d.reason;
      });
      expect(decisions).toEqual(['future_occurred_at', 'accepted']);
    }
  });
});

describe('hostile ids and strings through the collector into Kafka', () => {
  it('rejects a lone surrogate at the door and carries prototype-named ids through unchanged', async () => {
    const topic = await createTopic(kafka, 'ingest_hostile_collector', 2);
    const dlq = await createTopic(kafka, 'ingest_hostile_collector_dlq', 1);
    const producer = createEventProducer({ brokers, topic });
    const app = Fastify();
    const jwtSecret = 'hostile-kafka-jwt-secret-0123456789abcdef';
    registerCollectorRoutes(app, {
      intake: kafkaIntake(producer),
      authorize: createCollectorAuthorizer(createTokenVerifier({ jwtSecret })),
      now: fixedNow,
    });
    const admin = await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' });
    const prototypeNamed = {
      ...contentInteraction,
      tenantId: '__proto__',
      learnerId: 'constructor',
      body: { ...contentInteraction.body, contentId: 'toString', topicIds: ['hasOwnProperty', '__proto__'] },
    } as LearningEvent;
    const surrogate = JSON.stringify(
      eventToJson({ ...contentInteraction, eventId: 'c0ffee00-1234-4abc-8def-0000000000aa', learnerId: 'SURROGATE' }),
    ).replace('"SURROGATE"', '"u\\ud800"');
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        payload: `{"events":[${JSON.stringify(eventToJson(prototypeNamed))},${surrogate}]}`,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as CollectorResponse;
      expect(body).toMatchObject({ accepted: 1, rejected: 1 });
      expect(body.results[1]?.errors).toEqual([
        expect.objectContaining({ reason: 'invalid_unicode', field: 'learner_id' }),
      ]);
    } finally {
      await app.close();
      await producer.disconnect();
    }
    const { batches } = await runSource(topic, dlq);
    await waitFor(() => eventsOf(batches).length === 1, { message: 'the accepted event' });
    const [record] = batches.flatMap((b) => b.records);
    const pseudonym = createHmac('sha256', secret).update('__proto__\u0000constructor').digest('hex').slice(0, 32);
    expect(record?.type === 'event' && record.event).toEqual({ ...prototypeNamed, learnerId: pseudonym });
    expect(deadOf(batches)).toEqual([]);
  });
});

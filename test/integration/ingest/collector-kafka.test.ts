// POST /v1/events with the Kafka intake, over real HTTP to a real broker: the
// valid events of a mixed batch reach the topic (readable by the decoder),
// invalid ones come back with field-level reasons, oversize bodies get 413.
// Only a bearer token may post: none gets 401, a producer of tenant A has its
// A events produced and every other tenant's event rejected as tenant_mismatch.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollectorAuthorizer, createTokenVerifier, signToken } from '../../../src/api/index.js';
import {
  type CollectorResponse,
  createEventCodec,
  createEventProducer,
  type EventProducer,
  eventToJson,
  kafkaIntake,
  type LearningEvent,
  registerCollectorRoutes,
} from '../../../src/ingest/index.js';
import { testServices } from '../../support/index.js';
import {
  activity,
  contentInteraction,
  fixedNow,
  iepGoalProgress,
  questionAttempt,
} from '../../unit/ingest/fixtures.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

const jwtSecret = 'collector-kafka-jwt-secret-0123456789abcdef';
const authorize = createCollectorAuthorizer(createTokenVerifier({ jwtSecret }));
const bearer = async (claims: Parameters<typeof signToken>[1]) => ({
  authorization: `Bearer ${await signToken(jwtSecret, claims)}`,
});

describe('collector → Kafka (real HTTP, real broker)', () => {
  const kafka = testKafka();
  const apps: FastifyInstance[] = [];
  const producers: EventProducer[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const producer of producers) await producer.disconnect();
  });

  async function collectorOnTopic(topic: string) {
    const producer = createEventProducer({
      brokers: testServices().kafkaBrokers,
      topic,
      codec: { contract: { now: fixedNow } },
    });
    producers.push(producer);
    const app = Fastify();
    apps.push(app);
    registerCollectorRoutes(app, {
      intake: kafkaIntake(producer),
      authorize,
      maxEvents: 50,
      maxBytes: 16 * 1024,
      contract: { now: fixedNow },
      now: fixedNow,
    });
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  it('produces the valid events of a mixed batch and reports the invalid ones per field', async () => {
    const topic = await createTopic(kafka, 'ingest_collector', 2);
    const base = await collectorOnTopic(topic);
    const admin = await bearer({ sub: 'admin-1', role: 'admin' });

    const negativeHints = eventToJson({ ...questionAttempt, eventId: '44444444-4444-4444-8444-444444444444' });
    (negativeHints.body as Record<string, unknown>).hints_used = -1;
    const badId = eventToJson({ ...activity, eventId: 'abc' });
    const response = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ events: [eventToJson(activity), negativeHints, eventToJson(contentInteraction), badId] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as CollectorResponse;
    expect(body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(body.results[1]).toMatchObject({
      status: 'rejected',
      errors: [{ reason: 'out_of_range', field: 'body.hints_used' }],
    });
    expect(body.results[3]).toMatchObject({
      status: 'rejected',
      errors: [{ reason: 'invalid_field', field: 'event_id' }],
    });

    const onTopic = await readTopic(kafka, topic, 2);
    const codec = createEventCodec({ contract: { now: fixedNow } });
    const decoded = onTopic.map((m) => codec.decode(m.value as Buffer));
    const byId = (a: { eventId: string }, b: { eventId: string }) => a.eventId.localeCompare(b.eventId);
    expect(decoded.flatMap((d) => (d.ok ? [d.event] : [])).sort(byId)).toEqual(
      [activity, contentInteraction].sort(byId),
    );

    const oversize = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ events: Array.from({ length: 40 }, () => eventToJson(questionAttempt)) }),
    });
    expect(oversize.status).toBe(413);
    expect(await oversize.json()).toEqual({
      code: 'LS_COLLECTOR_PAYLOAD_TOO_LARGE',
      error: 'payload_too_large',
      message: 'request body exceeds 16384 bytes; split the batch',
    });
  });

  it("401 without a token; a producer of tenant A gets A's events produced and B's rejected one by one", async () => {
    const topic = await createTopic(kafka, 'ingest_collector_auth', 2);
    const base = await collectorOnTopic(topic);
    const post = (events: unknown[], headers: Record<string, string> = {}) =>
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ events }),
      });

    const anonymous = await post([eventToJson(activity)]);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'LS_API_UNAUTHENTICATED', error: 'unauthenticated' });
    const staff = await post(
      [eventToJson(activity)],
      await bearer({ sub: 's', role: 'tenant_staff', tenant_id: 'tenant-01' }),
    );
    expect(staff.status).toBe(403);
    expect(await staff.json()).toMatchObject({ code: 'LS_API_FORBIDDEN', error: 'forbidden' });

    // Fixtures are tenant-01 (A); B copies them into tenant-02 under new ids.
    const b = (e: LearningEvent, n: number): LearningEvent => ({
      ...e,
      tenantId: 'tenant-02',
      eventId: `bbbbbbbb-0000-4000-8000-00000000000${n}`,
    });
    const batch = [
      activity,
      b(activity, 1),
      questionAttempt,
      b(questionAttempt, 2),
      b(contentInteraction, 3),
      iepGoalProgress,
    ];
    const res = await post(
      batch.map(eventToJson),
      await bearer({ sub: 'lms-a', role: 'producer', tenant_id: 'tenant-01' }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as CollectorResponse;
    expect(body).toMatchObject({ accepted: 3, rejected: 3 });
    expect(body.results.map((r) => (r.status === 'accepted' ? 'ok' : r.errors?.[0]?.reason))).toEqual([
      'ok',
      'tenant_mismatch',
      'ok',
      'tenant_mismatch',
      'tenant_mismatch',
      'ok',
    ]);

    // Exactly the three A events are on the topic: read them, then check the log end holds no more.
    const onTopic = await readTopic(kafka, topic, 3);
    const codec = createEventCodec({ contract: { now: fixedNow } });
    const decoded = onTopic.map((m) => codec.decode(m.value as Buffer)).flatMap((d) => (d.ok ? [d.event] : []));
    expect(decoded.map((e) => e.eventId).sort()).toEqual(
      [activity.eventId, questionAttempt.eventId, iepGoalProgress.eventId].sort(),
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      expect(ends.reduce((n, p) => n + Number(p.high), 0)).toBe(3);
    } finally {
      await admin.disconnect();
    }
  });
});

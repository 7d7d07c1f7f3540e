// POST /v1/events with the Kafka intake, over real HTTP to a real broker: the
// valid events of a mixed batch reach the topic (readable by the decoder),
// invalid ones come back with field-level reasons, oversize bodies get 413.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CollectorResponse,
  createEventCodec,
  createEventProducer,
  type EventProducer,
  eventToJson,
  kafkaIntake,
  registerCollectorRoutes,
} from '../../../src/ingest/index.js';
import { testServices } from '../../support/index.js';
import { activity, contentInteraction, fixedNow, questionAttempt } from '../../unit/ingest/fixtures.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

describe('collector → Kafka (real HTTP, real broker)', () => {
  const kafka = testKafka();
  let app: FastifyInstance | undefined;
  let producer: EventProducer | undefined;
  afterAll(async () => {
    await app?.close();
    await producer?.disconnect();
  });

  it('produces the valid events of a mixed batch and reports the invalid ones per field', async () => {
    const topic = await createTopic(kafka, 'ingest_collector', 2);
    producer = createEventProducer({
      brokers: testServices().kafkaBrokers,
      topic,
      codec: { contract: { now: fixedNow } },
    });
    app = Fastify();
    registerCollectorRoutes(app, {
      intake: kafkaIntake(producer),
      maxEvents: 50,
      maxBytes: 16 * 1024,
      contract: { now: fixedNow },
      now: fixedNow,
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });

    const negativeHints = eventToJson({ ...questionAttempt, eventId: '44444444-4444-4444-8444-444444444444' });
    (negativeHints.body as Record<string, unknown>).hints_used = -1;
    const badId = eventToJson({ ...activity, eventId: 'abc' });
    const response = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: Array.from({ length: 40 }, () => eventToJson(questionAttempt)) }),
    });
    expect(oversize.status).toBe(413);
    expect(await oversize.json()).toEqual({
      code: 'LS_COLLECTOR_PAYLOAD_TOO_LARGE',
      error: 'payload_too_large',
      message: 'request body exceeds 16384 bytes; split the batch',
    });
  });
});

// POST /v1/events against the in-process intake (embedded mode): per-event
// accept/reject with field-level reasons, valid events of a mixed batch
// accepted, limits on bytes and count. The Kafka intake is covered by
// test/integration/ingest/collector-kafka.test.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CollectorResponse,
  createInProcessSource,
  eventToJson,
  type InProcessSource,
  inProcessIntake,
  registerCollectorRoutes,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { waitFor } from '../../support/index.js';
import { activity, contentInteraction, fixedNow, iepGoalProgress, questionAttempt } from './fixtures.js';

let app: FastifyInstance | undefined;
let source: InProcessSource | undefined;

afterEach(async () => {
  await app?.close();
  await source?.stop();
});

function setup(limits: { maxEvents?: number; maxBytes?: number } = {}) {
  source = createInProcessSource({
    partitions: 3,
    pseudonymSecret: 'collector-test-secret',
    contract: { now: fixedNow },
  });
  app = Fastify();
  registerCollectorRoutes(app, {
    intake: inProcessIntake(source),
    contract: { now: fixedNow },
    now: fixedNow,
    ...limits,
  });
  return { app, source };
}

describe('POST /v1/events (in-process intake)', () => {
  it('accepts the valid events of a mixed batch and names the field of each problem', async () => {
    const { app, source } = setup();
    const badScore = eventToJson({ ...questionAttempt, eventId: '11111111-1111-4111-8111-111111111111' });
    (badScore.body as Record<string, unknown>).score = 1.25;
    const noTenant = eventToJson({ ...activity, eventId: '22222222-2222-4222-8222-222222222222' });
    delete noTenant.tenant_id;
    const wrongTypes = eventToJson({ ...contentInteraction, eventId: '33333333-3333-4333-8333-333333333333' });
    (wrongTypes.body as Record<string, unknown>).progress = 'half';
    wrongTypes.occurred_at = 12.5;
    const unknownKind = { ...eventToJson(iepGoalProgress), body: { kind: 'dance' } };
    const withoutReceivedAt = eventToJson(activity);
    delete withoutReceivedAt.received_at;

    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: {
        events: [withoutReceivedAt, badScore, noTenant, wrongTypes, eventToJson(iepGoalProgress), unknownKind, 'x'],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as CollectorResponse;
    expect(body.accepted).toBe(2);
    expect(body.rejected).toBe(5);
    expect(body.results.map((r) => r.status)).toEqual([
      'accepted',
      'rejected',
      'rejected',
      'rejected',
      'accepted',
      'rejected',
      'rejected',
    ]);
    expect(body.results[1]?.errors).toEqual([
      { reason: 'out_of_range', field: 'body.score', message: expect.stringContaining('0..1') },
    ]);
    expect(body.results[2]?.errors).toEqual([
      { reason: 'missing_field', field: 'tenant_id', message: expect.any(String) },
    ]);
    expect(body.results[3]?.errors?.map((e) => [e.reason, e.field]).sort()).toEqual([
      ['invalid_field', 'body.progress'],
      ['invalid_field', 'occurred_at'],
    ]);
    expect(body.results[5]?.errors?.[0]).toMatchObject({ reason: 'invalid_field', field: 'body.kind' });
    expect(body.results[6]?.errors?.[0]).toMatchObject({ reason: 'malformed_json' });
    expect(body.results[1]?.event_id).toBe('11111111-1111-4111-8111-111111111111');

    const delivered: SourceBatch[] = [];
    await source.run({ onBatch: async (b) => void delivered.push(b) });
    await waitFor(() => delivered.flatMap((b) => b.records).length === 2);
    const events = delivered.flatMap((b) => b.records).flatMap((r) => (r.type === 'event' ? [r.event] : []));
    expect(events.map((e) => e.eventId).sort()).toEqual([activity.eventId, iepGoalProgress.eventId].sort());
    // received_at filled with the collector's clock when absent.
    expect(events.find((e) => e.eventId === activity.eventId)?.receivedAt).toBe(fixedNow());
  });

  it('answers 413 with a message for a body over maxBytes and for too many events', async () => {
    const { app } = setup({ maxBytes: 2048, maxEvents: 3 });
    const big = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: { events: Array.from({ length: 6 }, () => eventToJson(questionAttempt)) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({
      code: 'LS_COLLECTOR_PAYLOAD_TOO_LARGE',
      error: 'payload_too_large',
      message: 'request body exceeds 2048 bytes; split the batch',
    });

    const many = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: [{}, {}, {}, {}],
    });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      code: 'LS_COLLECTOR_TOO_MANY_EVENTS',
      error: 'too_many_events',
      message: 'batch has 4 events; at most 3 per request',
    });

    const notABatch = await app.inject({ method: 'POST', url: '/v1/events', payload: { hello: 1 } });
    expect(notABatch.statusCode).toBe(400);
  });
});

// POST /v1/events against the in-process intake (embedded mode): per-event
// accept/reject with field-level reasons, valid events of a mixed batch
// accepted, limits on bytes and count, and who may post (bearer token, producer
// bound to its tenant). The Kafka intake is covered by
// test/integration/ingest/collector-kafka.test.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollectorAuthorizer, createTokenVerifier, signToken } from '../../../src/api/index.js';
import {
  type CollectorResponse,
  createInProcessSource,
  eventToJson,
  type InProcessSource,
  inProcessIntake,
  type LearningEvent,
  registerCollectorRoutes,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { collectorEvents } from '../../../src/ingest/metrics.js';
import { waitFor } from '../../support/index.js';
import { activity, contentInteraction, fixedNow, iepGoalProgress, questionAttempt } from './fixtures.js';

let app: FastifyInstance | undefined;
let source: InProcessSource | undefined;

const jwtSecret = 'collector-test-jwt-secret-0123456789abcdef';
/** `authorization` header of an admin token (may post for any tenant). */
const asAdmin = async () => ({
  authorization: `Bearer ${await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' })}`,
});

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
    authorize: createCollectorAuthorizer(createTokenVerifier({ jwtSecret })),
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
      headers: await asAdmin(),
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
      headers: await asAdmin(),
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
      headers: await asAdmin(),
      payload: [{}, {}, {}, {}],
    });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toEqual({
      code: 'LS_COLLECTOR_TOO_MANY_EVENTS',
      error: 'too_many_events',
      message: 'batch has 4 events; at most 3 per request',
    });

    const notABatch = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: await asAdmin(),
      payload: { hello: 1 },
    });
    expect(notABatch.statusCode).toBe(400);
  });
});

describe('POST /v1/events: who may post', () => {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const producer = (tenant: string, expiresIn?: string) =>
    signToken(jwtSecret, { sub: `producer-${tenant}`, role: 'producer', tenant_id: tenant }, { expiresIn });
  const collectorCount = async (outcome: string) =>
    (await collectorEvents.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  /** Records in the in-process log, all partitions. */
  const logEnd = (s: InProcessSource) => s.endOffsets().reduce((n, o) => n + Number(o), 0);
  const otherTenant = (e: LearningEvent, eventId: string): LearningEvent => ({ ...e, eventId, tenantId: 'tenant-02' });

  it('refuses a request without a valid token with 401 and reads nothing', async () => {
    const { app, source } = setup();
    const payload = { events: [eventToJson(activity)] };
    const none = await app.inject({ method: 'POST', url: '/v1/events', payload });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toEqual({
      code: 'LS_API_UNAUTHENTICATED',
      error: 'unauthenticated',
      message: 'Missing or invalid bearer token: send Authorization: Bearer <producer token>',
    });
    const garbage = await app.inject({ method: 'POST', url: '/v1/events', headers: bearer('nope'), payload });
    expect(garbage.statusCode).toBe(401);
    expect(garbage.json()).toMatchObject({ code: 'LS_API_UNAUTHENTICATED', error: 'unauthenticated' });
    const expired = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(await producer('tenant-01', '-1m')),
      payload,
    });
    expect(expired.statusCode).toBe(401);
    const wrongSecret = await signToken('another-secret-that-is-32-chars-long!!', { sub: 'x', role: 'admin' });
    const forged = await app.inject({ method: 'POST', url: '/v1/events', headers: bearer(wrongSecret), payload });
    expect(forged.statusCode).toBe(401);
    // Refused before the body is read: even an oversized body gets 401, not 413.
    const big = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: { events: Array.from({ length: 2000 }, () => eventToJson(questionAttempt)) },
    });
    expect(big.statusCode).toBe(401);
    expect(logEnd(source)).toBe(0);
  });

  it('refuses staff, learner and parent tokens with 403', async () => {
    const { app, source } = setup();
    const payload = { events: [eventToJson(activity)] };
    const readers = [
      await signToken(jwtSecret, { sub: 's', role: 'tenant_staff', tenant_id: 'tenant-01' }),
      await signToken(jwtSecret, { sub: 'l', role: 'learner', tenant_id: 'tenant-01', learner_id: 'lms-01-u00001' }),
      await signToken(jwtSecret, { sub: 'p', role: 'parent', tenant_id: 'tenant-01', linked_learners: ['x'] }),
    ];
    for (const [i, role] of ['tenant_staff', 'learner', 'parent'].entries()) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: bearer(readers[i] as string),
        payload,
      });
      expect(res.statusCode, role).toBe(403);
      expect(res.json()).toEqual({
        code: 'LS_API_FORBIDDEN',
        error: 'forbidden',
        message: `Not allowed for this role: role ${role} may not post events; use a producer token`,
      });
    }
    expect(logEnd(source)).toBe(0);
  });

  it("a producer posts its own tenant's events; others are rejected one by one as tenant_mismatch", async () => {
    const { app, source } = setup();
    const foreign = otherTenant(activity, '55555555-5555-4555-8555-555555555555');
    const foreignInvalid = eventToJson(otherTenant(questionAttempt, '66666666-6666-4666-8666-666666666666'));
    (foreignInvalid.body as Record<string, unknown>).hints_used = -1;
    const acceptedBefore = await collectorCount('accepted');
    const rejectedBefore = await collectorCount('rejected');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(await producer('tenant-01')),
      payload: {
        events: [eventToJson(activity), eventToJson(foreign), eventToJson(questionAttempt), foreignInvalid],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as CollectorResponse;
    expect(body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(body.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'rejected']);
    expect(body.results[1]).toEqual({
      index: 1,
      event_id: '55555555-5555-4555-8555-555555555555',
      status: 'rejected',
      errors: [
        {
          reason: 'tenant_mismatch',
          field: 'tenant_id',
          message: 'this token may post events of tenant tenant-01 only, not tenant-02',
        },
      ],
    });
    // An invalid event keeps its validation reason.
    expect(body.results[3]?.errors?.[0]).toMatchObject({ reason: 'out_of_range', field: 'body.hints_used' });
    expect((await collectorCount('accepted')) - acceptedBefore).toBe(2);
    expect((await collectorCount('rejected')) - rejectedBefore).toBe(2);

    const delivered: SourceBatch[] = [];
    await source.run({ onBatch: async (b) => void delivered.push(b) });
    await waitFor(() => delivered.flatMap((b) => b.records).length === 2);
    const events = delivered.flatMap((b) => b.records).flatMap((r) => (r.type === 'event' ? [r.event] : []));
    expect(events.map((e) => e.eventId).sort()).toEqual([activity.eventId, questionAttempt.eventId].sort());
    expect(new Set(events.map((e) => e.tenantId))).toEqual(new Set(['tenant-01']));
  });

  it('an admin posts for any tenant', async () => {
    const { app } = setup();
    const foreign = otherTenant(activity, '77777777-7777-4777-8777-777777777777');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: await asAdmin(),
      payload: [eventToJson(activity), eventToJson(foreign)],
    });
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
  });
});

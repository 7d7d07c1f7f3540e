// Hostile input is data, never control: strings that are not valid Unicode and
// numbers a ClickHouse column cannot hold are rejected with a reason and the
// field, on every door (collector JSON, Avro decode, producer encode,
// in-process push); prototype-named ids pass through unchanged.
import { createHmac } from 'node:crypto';
import avro from 'avsc';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createCollectorAuthorizer, createTokenVerifier, signToken } from '../../../src/api/index.js';
import {
  type CollectorResponse,
  createEventCodec,
  createInProcessSource,
  eventToJson,
  inProcessIntake,
  type LearningEvent,
  parseJsonEvent,
  registerCollectorRoutes,
  rejectionReasons,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { waitFor } from '../../support/index.js';
import { activity, contentInteraction, fixedNow, iepGoalProgress, questionAttempt } from './fixtures.js';

const codec = createEventCodec({ contract: { now: fixedNow } });
const jsonOpts = { contract: { now: fixedNow }, receivedAt: fixedNow(), currentSchemaVersion: 2 };
const loneHigh = '\ud800';
const loneLow = '\udc00';

function encoded(event: LearningEvent): Buffer {
  const r = codec.encode(event, { skipContract: true });
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

/** Replaces the only occurrence of `ascii` in `bytes` by `replacement` (same length). */
function patch(bytes: Buffer, ascii: string, replacement: number[]): Buffer {
  const at = bytes.indexOf(Buffer.from(ascii, 'utf8'));
  expect(at).toBeGreaterThan(0);
  expect(bytes.indexOf(Buffer.from(ascii, 'utf8'), at + 1)).toBe(-1);
  expect(replacement).toHaveLength(ascii.length);
  const out = Buffer.from(bytes);
  out.set(replacement, at);
  return out;
}

describe('strings that are not valid Unicode', () => {
  it('are reason codes of their own', () => {
    expect(rejectionReasons).toContain('invalid_unicode');
    expect(rejectionReasons).toContain('forged_tick');
  });

  it('rejects a lone surrogate in any string field of collector JSON, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [];
    const withTenant = eventToJson(activity);
    withTenant.tenant_id = `tenant${loneHigh}`;
    cases.push([withTenant, 'tenant_id']);
    const withLearner = eventToJson(activity);
    withLearner.learner_id = `${loneLow}u1`;
    cases.push([withLearner, 'learner_id']);
    const withEventId = eventToJson(activity);
    withEventId.event_id = `3f1c2a8e-5b7d-4c9e-8a1f-0d2b4c6e8f1${loneHigh}`;
    cases.push([withEventId, 'event_id']);
    const withCategory = eventToJson(activity);
    (withCategory.body as Record<string, unknown>).category = `vid${loneHigh}eo`;
    cases.push([withCategory, 'body.category']);
    const withTopic = eventToJson(questionAttempt);
    (withTopic.body as Record<string, unknown>).topic_ids = ['algebra-1', `frac${loneLow}`];
    cases.push([withTopic, 'body.topic_ids[1]']);
    const withSession = eventToJson(activity);
    withSession.client_session_id = loneHigh;
    cases.push([withSession, 'client_session_id']);
    for (const [input, field] of cases) {
      const r = parseJsonEvent(input, jsonOpts);
      expect(r.ok, field).toBe(false);
      if (!r.ok) expect(r.errors).toContainEqual(expect.objectContaining({ reason: 'invalid_unicode', field }));
    }
    // A well-formed pair (an emoji) is valid text.
    const emoji = eventToJson(activity);
    (emoji.body as Record<string, unknown>).category = 'video \ud83c\udfac';
    expect(parseJsonEvent(emoji, jsonOpts)).toMatchObject({ ok: true });
  });

  it('answers a posted lone surrogate (JSON escape \\ud800) with a rejection, not 200-accepted', async () => {
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: 's', contract: { now: fixedNow } });
    const app = Fastify();
    const jwtSecret = 'hostile-input-jwt-secret-0123456789abcdef';
    registerCollectorRoutes(app, {
      intake: inProcessIntake(source),
      authorize: createCollectorAuthorizer(createTokenVerifier({ jwtSecret })),
      contract: { now: fixedNow },
      now: fixedNow,
    });
    const admin = await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' });
    const good = JSON.stringify(eventToJson(activity));
    // The raw request body carries the escape sequence, as a client would send it.
    const bad = good.replace('"video"', '"vi\\ud800deo"');
    expect(bad).not.toBe(good);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      payload: `{"events":[${bad}]}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json() as CollectorResponse;
    expect(body.accepted).toBe(0);
    expect(body.results[0]?.errors).toContainEqual(
      expect.objectContaining({ reason: 'invalid_unicode', field: 'body.category' }),
    );
    expect(source.endOffsets()).toEqual(['0']);
    await app.close();
  });

  it('rejects invalid UTF-8 in an Avro string that avsc alone would decode leniently', () => {
    const bytes = encoded(activity);
    // "played" (action) with its second byte 0xFF: not UTF-8 anywhere.
    const broken = patch(bytes, 'played', [0x70, 0xff, 0x61, 0x79, 0x65, 0x64]);
    // avsc's own decoding turns the byte into U+FFFD silently:
    const lenient = avro.Type.forSchema('string').fromBuffer(Buffer.from([12, 0x70, 0xff, 0x61, 0x79, 0x65, 0x64]));
    expect(lenient).toBe('p\ufffdayed');
    expect(codec.decode(broken)).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'body.action' });
    // An encoded surrogate (ED A0 80, CESU-8 style) in tenant_id "tenant-01" is not UTF-8 either.
    const surrogate = patch(bytes, 'tenant-01', [0x74, 0x65, 0x6e, 0xed, 0xa0, 0x80, 0x2d, 0x30, 0x31]);
    expect(codec.decode(surrogate)).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'tenant_id' });
    // An overlong "/" (C0 AF) inside a topic id of an array.
    const q = encoded(questionAttempt);
    const overlong = patch(q, 'fractions-1', [0x66, 0x72, 0x61, 0x63, 0xc0, 0xaf, 0x69, 0x6f, 0x6e, 0x73, 0x31]);
    expect(codec.decode(overlong)).toMatchObject({
      ok: false,
      reason: 'invalid_unicode',
      field: 'body.topic_ids[1]',
    });
  });

  it('refuses to encode a lone surrogate (producer) and to push one (embedded mode)', () => {
    const bad = { ...activity, learnerId: `u${loneHigh}` };
    expect(codec.encode(bad)).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'learner_id' });
    const source = createInProcessSource({ partitions: 2, pseudonymSecret: 's', contract: { now: fixedNow } });
    expect(source.push([bad])[0]).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'learner_id' });
  });
});

describe('numbers a ClickHouse column cannot hold', () => {
  const qa = questionAttempt as LearningEvent<typeof questionAttempt.body & { kind: 'question_attempt' }>;
  const q = (patchBody: Record<string, unknown>) => ({ ...qa, body: { ...qa.body, ...patchBody } }) as LearningEvent;
  const ci = (patchBody: Record<string, unknown>) =>
    ({ ...contentInteraction, body: { ...contentInteraction.body, ...patchBody } }) as LearningEvent;
  const iep = (patchBody: Record<string, unknown>) =>
    ({ ...iepGoalProgress, body: { ...iepGoalProgress.body, ...patchBody } }) as LearningEvent;
  const act = (patchBody: Record<string, unknown>) =>
    ({ ...activity, body: { ...activity.body, ...patchBody } }) as LearningEvent;
  // UInt32 max = 2^32 - 1 = 4,294,967,295; DateTime max = 4,294,967,295 s = 2106-02-07T06:28:15Z.
  // attempt_number and hints_used are Avro ints (at most 2^31 - 1): only JSON can carry 2^32 - 1 and beyond.
  type Path = 'both' | 'json';
  const accepted: [string, LearningEvent, Path][] = [
    ['attempt_number at UInt32 max', q({ attemptNumber: 4_294_967_295 }), 'json'],
    ['hints_used at UInt32 max', q({ hintsUsed: 4_294_967_295 }), 'json'],
    ['attempt_number at Avro int max', q({ attemptNumber: 2_147_483_647 }), 'both'],
    ['response_time_ms of one year', q({ responseTimeMs: 365 * 86_400_000 }), 'both'],
    ['active_seconds of one year', ci({ activeSeconds: 365 * 86_400 }), 'both'],
    ['duration_ms of one year', act({ durationMs: 31_536_000_000 }), 'both'],
    ['IEP values of ±10^15', iep({ baseline: -1e15, current: 0, target: 1e15 }), 'both'],
    ['measured_at at DateTime max', iep({ measuredAt: 4_294_967_295_000 }), 'both'],
  ];
  // JSON cannot carry NaN or ±Infinity (they serialise as null): those are Avro-only cases.
  const rejected: [string, LearningEvent, string, string, 'both' | 'json' | 'avro'][] = [
    ['attempt_number 2^32', q({ attemptNumber: 4_294_967_296 }), 'out_of_range', 'body.attempt_number', 'json'],
    ['hints_used 2^32', q({ hintsUsed: 4_294_967_296 }), 'out_of_range', 'body.hints_used', 'json'],
    [
      'response_time_ms past a year',
      q({ responseTimeMs: 31_536_000_001 }),
      'out_of_range',
      'body.response_time_ms',
      'both',
    ],
    ['score NaN', q({ score: Number.NaN }), 'invalid_field', 'body.score', 'avro'],
    ['confidence Infinity', q({ confidence: Number.POSITIVE_INFINITY }), 'invalid_field', 'body.confidence', 'avro'],
    ['active_seconds 1e308', ci({ activeSeconds: 1e308 }), 'out_of_range', 'body.active_seconds', 'both'],
    ['progress -Infinity', ci({ progress: Number.NEGATIVE_INFINITY }), 'invalid_field', 'body.progress', 'avro'],
    ['duration_ms past a year', act({ durationMs: 31_536_000_001 }), 'out_of_range', 'body.duration_ms', 'both'],
    ['baseline 1e300', iep({ baseline: 1e300 }), 'out_of_range', 'body.baseline', 'both'],
    ['target -1e16', iep({ target: -1e16 }), 'out_of_range', 'body.target', 'both'],
    ['current NaN', iep({ current: Number.NaN }), 'invalid_field', 'body.current', 'avro'],
    ['measured_at past DateTime', iep({ measuredAt: 4_294_967_296_000 }), 'out_of_range', 'body.measured_at', 'both'],
    [
      'received_at past DateTime',
      { ...activity, receivedAt: 4_294_967_296_000 },
      'out_of_range',
      'received_at',
      'both',
    ],
    ['schema_version 2^32', { ...activity, schemaVersion: 4_294_967_296 }, 'out_of_range', 'schema_version', 'json'],
  ];

  it('accepts the largest values the columns hold', () => {
    for (const [what, event, path] of accepted) {
      if (path === 'both') expect(codec.decode(encoded(event)), what).toMatchObject({ ok: true });
      expect(parseJsonEvent(eventToJson(event), jsonOpts), what).toMatchObject({ ok: true });
    }
  });

  it('rejects one past them, and every non-finite value, with the reason and the field', () => {
    for (const [what, event, reason, field, path] of rejected) {
      // The producer refuses before encoding (the contract runs before the Avro types).
      expect(codec.encode(event), what).toMatchObject({ ok: false, reason, field });
      if (path !== 'json') expect(codec.decode(encoded(event)), what).toMatchObject({ ok: false, reason, field });
      if (path !== 'avro') {
        const json = parseJsonEvent(eventToJson(event), jsonOpts);
        expect(json.ok ? [] : json.errors.map((e) => [e.reason, e.field]), what).toContainEqual([reason, field]);
      }
    }
  });

  it('rejects an occurred_at beyond the DateTime range even with received_at equal to it', () => {
    const far = { ...activity, occurredAt: 4_294_967_296_000, receivedAt: 4_294_967_296_000 };
    expect(codec.decode(encoded(far))).toMatchObject({ ok: false, reason: 'out_of_range', field: 'received_at' });
    const r = parseJsonEvent(eventToJson(far), jsonOpts);
    expect(r.ok ? [] : r.errors.map((e) => [e.reason, e.field])).toContainEqual(['out_of_range', 'occurred_at']);
  });
});

describe('prototype-named ids are plain data', () => {
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];
  const secret = 'prototype-test-secret';
  const hmac = (tenant: string, learner: string) =>
    createHmac('sha256', secret).update(`${tenant}\u0000${learner}`).digest('hex').slice(0, 32);

  it('round-trip unchanged through Avro, collector JSON and the in-process source', async () => {
    const events: LearningEvent[] = names.flatMap((name, i) => [
      {
        ...contentInteraction,
        eventId: `c0ffee00-1234-4abc-8def-00000000000${i}`,
        tenantId: name,
        learnerId: names[(i + 1) % 4] as string,
        body: { ...contentInteraction.body, contentId: name, topicIds: [name, names[(i + 2) % 4] as string] },
      } as LearningEvent,
      {
        ...questionAttempt,
        eventId: `7a9b1c3d-2e4f-4a6b-9c8d-10000000000${i}`,
        tenantId: name,
        learnerId: name,
        body: { ...questionAttempt.body, itemId: name, topicIds: [name] },
      } as LearningEvent,
    ]);
    for (const event of events) {
      const decoded = codec.decode(encoded(event));
      expect(decoded).toEqual({ ok: true, event, writerVersion: 3 });
      const json = parseJsonEvent(JSON.parse(JSON.stringify(eventToJson(event))), jsonOpts);
      expect(json).toEqual({ ok: true, event });
    }
    const source = createInProcessSource({ partitions: 2, pseudonymSecret: secret, contract: { now: fixedNow } });
    expect(source.push(events).every((r) => r.ok)).toBe(true);
    const batches: SourceBatch[] = [];
    await source.run({ onBatch: async (b) => void batches.push(b) });
    await waitFor(() => batches.flatMap((b) => b.records).length === events.length);
    await source.stop();
    const out = new Map(
      batches.flatMap((b) => b.records).map((r) => (r.type === 'event' ? [r.event.eventId, r.event] : ['', null])),
    );
    for (const event of events) {
      const got = out.get(event.eventId);
      expect(got).toEqual({ ...event, learnerId: hmac(event.tenantId, event.learnerId) });
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    }
  });
});

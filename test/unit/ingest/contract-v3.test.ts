// Event contract v3: context, typed activity details (page view, error), the
// activity taxonomy and the exam_result body. Round trips v1→v3, v2→v3 and
// v3→v3 with exact values, old producers' bytes written by avsc from the
// frozen v1/v2 files alone, each invalid new field rejected with its reason
// and field on every door (Avro decode, producer encode, collector JSON), and
// the simulator's v3 mode beside its unchanged default.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createCollectorAuthorizer, createTokenVerifier, signToken } from '../../../src/api/index.js';
import {
  activityTaxonomy,
  type CollectorResponse,
  checkContract,
  createEventCodec,
  createInProcessSource,
  eventSchemas,
  eventToJson,
  generateEvents,
  inProcessIntake,
  isTaxonomyCategory,
  type LearningEvent,
  loadEventSchemas,
  parseJsonEvent,
  registerCollectorRoutes,
  taxonomyActions,
} from '../../../src/ingest/index.js';
import { EventSchemas } from '../../../src/ingest/schema-registry.js';
import { kafkaMessages, simulate } from '../../../src/ingest/simulator/index.js';
import {
  activity,
  clientError,
  everyKind,
  everyV3Shape,
  examResult,
  fixedNow,
  pageView,
  questCompleted,
  questionAttempt,
} from './fixtures.js';

const codec = createEventCodec({ contract: { now: fixedNow }, confluentSchemaIds: { 17: 1, 18: 2, 19: 3 } });
const jsonOpts = { receivedAt: fixedNow(), currentSchemaVersion: 3, contract: { now: fixedNow } };

function encoded(event: LearningEvent, opts?: Parameters<typeof codec.encode>[1]): Buffer {
  const r = codec.encode(event, opts);
  if (!r.ok) throw new Error(`encode failed: ${r.reason} ${r.message}`);
  return r.bytes;
}

/** The event as a reader of an older version's record sees it: no v3 fields. */
function withoutV3(e: LearningEvent): LearningEvent {
  const { context: _context, ...rest } = e;
  if (rest.body.kind !== 'activity') return rest;
  const { details: _details, ...body } = rest.body;
  return { ...rest, body };
}

describe('event contract v3', () => {
  it('is the current version, frozen in registry.json, and evolves v2 by Avro rules', () => {
    const schemas = eventSchemas();
    expect(schemas.current.version).toBe(3);
    expect(schemas.current.fingerprintHex).toBe('d4ec5e66910ab1ec');
    const v2 = JSON.parse(readFileSync(new URL('../../../schemas/learning_event.v2.avsc', import.meta.url), 'utf8'));
    const v3 = JSON.parse(readFileSync(new URL('../../../schemas/learning_event.v3.avsc', import.meta.url), 'utf8'));
    // Every v2 field is still there, in order; new fields come last with a null default.
    const names = (s: { fields: { name: string }[] }) => s.fields.map((f) => f.name);
    expect(names(v3).slice(0, names(v2).length)).toEqual(names(v2));
    expect(v3.fields.at(-1)).toMatchObject({ name: 'context', default: null });
    // Body branches: v2's four in the same order, exam_result appended.
    const branches = (s: { fields: { name: string; type: { name: string }[] }[] }) =>
      s.fields.find((f) => f.name === 'body')?.type.map((t) => t.name);
    expect(branches(v3)).toEqual([...(branches(v2) ?? []), 'ExamResult']);
    const activityFields = v3.fields.find((f: { name: string }) => f.name === 'body').type[0].fields;
    expect(activityFields.at(-1)).toMatchObject({ name: 'details', default: null });
  });

  it.each(everyV3Shape.map((e) => [e.body.kind, e.eventId, e] as const))(
    'round-trips v3 → v3: %s %s, every value exact',
    (_kind, _id, event) => {
      expect(codec.decode(encoded(event))).toEqual({ ok: true, event, writerVersion: 3 });
      expect(codec.decode(encoded(event, { format: 'confluent' }))).toEqual({ ok: true, event, writerVersion: 3 });
      const json = JSON.parse(JSON.stringify(eventToJson(event)));
      expect(parseJsonEvent(json, jsonOpts)).toEqual({ ok: true, event });
    },
  );

  it('round-trips v1 → v3 and v2 → v3 for every older kind: the new fields read as absent', () => {
    for (const event of everyKind) {
      expect(codec.decode(encoded(event, { version: 2 }))).toEqual({ ok: true, event, writerVersion: 2 });
      const decoded = codec.decode(encoded(event, { version: 1 }));
      expect(decoded).toEqual({ ok: true, event: { ...event, clientSessionId: null }, writerVersion: 1 });
      if (decoded.ok) {
        expect(decoded.event.context).toBeUndefined();
        if (decoded.event.body.kind === 'activity') expect(decoded.event.body.details).toBeUndefined();
      }
    }
  });

  it("decodes old producers' bytes, written by avsc from the frozen v1 and v2 files alone", () => {
    for (const [version, fingerprint] of [
      [1, 'ae8b2aaced23f2fe'],
      [2, 'ac3fafe4e39f5966'],
    ] as const) {
      const schema = JSON.parse(
        readFileSync(new URL(`../../../schemas/learning_event.v${version}.avsc`, import.meta.url), 'utf8'),
      );
      const type = avro.Type.forSchema(schema);
      const record: Record<string, unknown> = {
        event_id: activity.eventId,
        tenant_id: 'tenant-01',
        learner_id: 'lms-01-u00001',
        occurred_at: activity.occurredAt,
        received_at: activity.receivedAt,
        source: 'legacy-app',
        schema_version: version,
        body: {
          'learnstream.events.Activity': { category: 'quest', action: 'exploded', object_id: 'q-1', duration_ms: 5 },
        },
      };
      if (version === 2) record.client_session_id = 'cs-old';
      const bytes = Buffer.concat([Buffer.from(`c301${fingerprint}`, 'hex'), type.toBuffer(record)]);
      // A free-form action of a taxonomy category: old producers keep theirs.
      expect(codec.decode(bytes)).toEqual({
        ok: true,
        writerVersion: version,
        event: {
          eventId: activity.eventId,
          tenantId: 'tenant-01',
          learnerId: 'lms-01-u00001',
          occurredAt: activity.occurredAt,
          receivedAt: activity.receivedAt,
          source: 'legacy-app',
          schemaVersion: version,
          clientSessionId: version === 2 ? 'cs-old' : null,
          body: { kind: 'activity', category: 'quest', action: 'exploded', objectId: 'q-1', durationMs: 5 },
        },
      });
    }
  });

  it('writes older versions for older consumers: context and details dropped, exam_result refused', () => {
    const v2Reader = createEventCodec({
      schemas: new EventSchemas(loadEventSchemas().versions, 2),
      contract: { now: fixedNow },
    });
    for (const event of [pageView, clientError, questCompleted]) {
      const asV2 = { ...event, schemaVersion: 2 };
      expect(v2Reader.decode(encoded(asV2, { version: 2 }))).toEqual({
        ok: true,
        event: withoutV3(asV2),
        writerVersion: 2,
      });
    }
    expect(codec.encode(examResult, { version: 2 })).toMatchObject({ ok: false, reason: 'invalid_field' });
  });

  it('an absent context costs one byte, absent details one more', () => {
    const bare = { ...questCompleted, context: null };
    expect(encoded(bare).length - encoded({ ...bare, schemaVersion: 2 }, { version: 2 }).length).toBe(2);
  });

  describe('taxonomy', () => {
    it('has the eight documented categories, each with its actions', () => {
      expect(Object.keys(activityTaxonomy)).toEqual([
        'navigation',
        'quest',
        'badge',
        'tutor',
        'community',
        'auth',
        'parent',
        'error',
      ]);
      expect(taxonomyActions('quest')?.has('completed')).toBe(true);
      expect(taxonomyActions('auth')?.has('login')).toBe(true);
    });

    it('treats prototype keys as plain, unknown categories', () => {
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect(isTaxonomyCategory(name)).toBe(false);
        expect(taxonomyActions(name)).toBeUndefined();
        const e = { ...questCompleted, body: { ...questCompleted.body, category: name, action: name } };
        expect(checkContract(e as LearningEvent, { now: fixedNow })).toBeNull();
        expect(codec.decode(encoded(e as LearningEvent))).toMatchObject({ ok: true, event: e });
      }
      const ctx = { courseId: '__proto__', classId: 'constructor', platform: null, deviceKind: null };
      const e = { ...examResult, context: ctx, body: { ...examResult.body, examId: '__proto__' } } as LearningEvent;
      expect(codec.decode(encoded(e))).toEqual({ ok: true, event: e, writerVersion: 3 });
      expect(parseJsonEvent(JSON.parse(JSON.stringify(eventToJson(e))), jsonOpts)).toEqual({ ok: true, event: e });
    });

    it('holds a v3 event of a taxonomy category to its actions; v1/v2 events and other categories stay free', () => {
      const off = { ...questCompleted, body: { ...questCompleted.body, action: 'exploded' } } as LearningEvent;
      expect(checkContract(off, { now: fixedNow })).toMatchObject({ reason: 'invalid_field', field: 'body.action' });
      expect(checkContract({ ...off, schemaVersion: 2 }, { now: fixedNow })).toBeNull();
      const legacy = { ...off, body: { ...off.body, category: 'video', action: 'played' } } as LearningEvent;
      expect(checkContract(legacy, { now: fixedNow })).toBeNull();
    });
  });

  describe('invalid new fields: the same reason and field on every door', () => {
    const long = 'x'.repeat(257);
    const pv = pageView.body as Extract<LearningEvent['body'], { kind: 'activity' }>;
    const pvDetails = pv.details as Extract<NonNullable<typeof pv.details>, { kind: 'page_view' }>;
    const er = clientError.body as Extract<LearningEvent['body'], { kind: 'activity' }>;
    const erDetails = er.details as Extract<NonNullable<typeof er.details>, { kind: 'error' }>;
    const ex = examResult.body as Extract<LearningEvent['body'], { kind: 'exam_result' }>;
    const ctx = pageView.context as NonNullable<LearningEvent['context']>;
    const withPage = (d: Partial<typeof pvDetails>) =>
      ({ ...pageView, body: { ...pv, details: { ...pvDetails, ...d } } }) as LearningEvent;
    const withError = (d: Partial<typeof erDetails>) =>
      ({ ...clientError, body: { ...er, details: { ...erDetails, ...d } } }) as LearningEvent;
    const withExam = (b: Partial<typeof ex>) => ({ ...examResult, body: { ...ex, ...b } }) as LearningEvent;
    const withContext = (c: Partial<typeof ctx>) => ({ ...pageView, context: { ...ctx, ...c } }) as LearningEvent;
    const cases: [string, LearningEvent, string, string][] = [
      ['unknown platform', withContext({ platform: 'smartfridge' }), 'invalid_field', 'context.platform'],
      ['unknown device kind', withContext({ deviceKind: 'Phone' }), 'invalid_field', 'context.device_kind'],
      ['course id too long', withContext({ courseId: long }), 'invalid_field', 'context.course_id'],
      ['class id blank', withContext({ classId: '  ' }), 'invalid_field', 'context.class_id'],
      ['lone surrogate in course id', withContext({ courseId: 'c\ud800' }), 'invalid_unicode', 'context.course_id'],
      ['relative path', withPage({ path: 'quests/12' }), 'invalid_field', 'body.details.path'],
      ['query string', withPage({ path: '/login?email=a@b.c' }), 'invalid_field', 'body.details.path'],
      ['fragment in referrer', withPage({ referrerPath: '/a#token' }), 'invalid_field', 'body.details.referrer_path'],
      ['space in path', withPage({ path: '/a b' }), 'invalid_field', 'body.details.path'],
      ['path too long', withPage({ path: `/${'p'.repeat(1024)}` }), 'invalid_field', 'body.details.path'],
      ['load time past 10 min', withPage({ loadTimeMs: 600_001 }), 'out_of_range', 'body.details.load_time_ms'],
      ['negative time on page', withPage({ timeOnPageMs: -1 }), 'out_of_range', 'body.details.time_on_page_ms'],
      [
        'page view details on a quest',
        { ...pageView, body: { ...pv, category: 'quest', action: 'started' } } as LearningEvent,
        'invalid_field',
        'body.details',
      ],
      [
        'free text as error type',
        withError({ errorType: 'Cannot load bob' }),
        'invalid_field',
        'body.details.error_type',
      ],
      ['empty component', withError({ component: '' }), 'invalid_field', 'body.details.component'],
      ['HTTP status 99', withError({ httpStatus: 99 }), 'out_of_range', 'body.details.http_status'],
      ['HTTP status 600', withError({ httpStatus: 600 }), 'out_of_range', 'body.details.http_status'],
      [
        'digest not hex',
        withError({ messageDigest: 'user bob failed' }),
        'invalid_field',
        'body.details.message_digest',
      ],
      [
        'digest in upper case',
        withError({ messageDigest: (erDetails.messageDigest as string).toUpperCase() }),
        'invalid_field',
        'body.details.message_digest',
      ],
      [
        'error details on navigation',
        { ...clientError, body: { ...er, category: 'navigation', action: 'opened' } } as LearningEvent,
        'invalid_field',
        'body.details',
      ],
      [
        'action outside the category',
        { ...clientError, body: { ...er, action: 'exploded' } } as LearningEvent,
        'invalid_field',
        'body.action',
      ],
      ['exam score above 1', withExam({ score: 1.2 }), 'out_of_range', 'body.score'],
      ['exam score NaN', withExam({ score: Number.NaN }), 'invalid_field', 'body.score'],
      ['blank exam id', withExam({ examId: '' }), 'missing_field', 'body.exam_id'],
      ['taken_at in seconds', withExam({ takenAt: 1_767_600_000 }), 'out_of_range', 'body.taken_at'],
      [
        'taken_at days after the result',
        withExam({ takenAt: examResult.occurredAt + 2 * 86_400_000 }),
        'out_of_range',
        'body.taken_at',
      ],
    ];

    it.each(cases)('%s', (_name, event, reason, field) => {
      // Producer door: refused before it is sent.
      expect(codec.encode(event)).toMatchObject({ ok: false, reason, field });
      // Kafka door: a record written anyway is dead-lettered with the reason, the field and a preview.
      // (A lone surrogate cannot reach Avro: it is written as U+FFFD; invalid UTF-8 bytes are the bounds walk's.)
      if (reason !== 'invalid_unicode') {
        const decoded = codec.decode(encoded(event, { skipContract: true }));
        expect(decoded).toMatchObject({ ok: false, reason, field });
        expect(decoded.ok ? undefined : decoded.preview?.event_id).toBe(event.eventId);
      }
      // Collector door: the JSON of the same event (NaN arrives as null: a type error of the same field).
      const json = parseJsonEvent(JSON.parse(JSON.stringify(eventToJson(event))), jsonOpts);
      expect(json).toMatchObject({ ok: false, errors: [{ reason, field }] });
    });
  });

  it('names the v3 field of invalid UTF-8 in Avro bytes', () => {
    const bytes = encoded(pageView);
    const at = bytes.indexOf(Buffer.from('course-algebra-1'));
    bytes[at + 3] = 0xff;
    expect(codec.decode(bytes)).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'context.course_id' });
    const path = encoded(pageView);
    path[path.indexOf(Buffer.from('/quests/12')) + 2] = 0xc0;
    expect(codec.decode(path)).toMatchObject({ ok: false, reason: 'invalid_unicode', field: 'body.details.path' });
  });

  describe('collector JSON', () => {
    it('rejects v3 shapes of the wrong type with their field', () => {
      const bad = (mutate: (j: Record<string, unknown>) => void, base: LearningEvent = pageView) => {
        const j = JSON.parse(JSON.stringify(eventToJson(base)));
        mutate(j);
        const r = parseJsonEvent(j, jsonOpts);
        return r.ok ? [] : r.errors.map((e) => [e.reason, e.field]);
      };
      const body = (j: Record<string, unknown>) => j.body as Record<string, unknown>;
      const details = (j: Record<string, unknown>) => body(j).details as Record<string, unknown>;
      expect(bad((j) => (details(j).kind = 'crash'))).toEqual([['invalid_field', 'body.details.kind']]);
      expect(bad((j) => (details(j).load_time_ms = 1.5))).toEqual([['invalid_field', 'body.details.load_time_ms']]);
      expect(bad((j) => delete details(j).path)).toEqual([['missing_field', 'body.details.path']]);
      expect(bad((j) => (j.context = 'web'))).toEqual([['invalid_field', 'context']]);
      expect(bad((j) => ((j.context as Record<string, unknown>).course_id = 7))).toEqual([
        ['invalid_field', 'context.course_id'],
      ]);
      expect(bad((j) => (body(j).passed = 'yes'), examResult)).toEqual([['invalid_field', 'body.passed']]);
      expect(bad((j) => delete body(j).taken_at, examResult)).toEqual([['missing_field', 'body.taken_at']]);
    });

    it('reads null context and details as absent, and an absent schema_version as the current one', () => {
      const j = JSON.parse(JSON.stringify(eventToJson(pageView)));
      j.context = null;
      (j.body as Record<string, unknown>).details = null;
      (j.body as Record<string, unknown>).category = 'navigation';
      delete j.schema_version;
      const r = parseJsonEvent(j, jsonOpts);
      expect(r).toEqual({ ok: true, event: withoutV3(pageView) });
    });

    it('POST /v1/events accepts the v3 shapes and rejects an invalid one per event', async () => {
      const jwtSecret = 'collector-test-jwt-secret-0123456789abcdef';
      const source = createInProcessSource({ partitions: 2, pseudonymSecret: 's', contract: { now: fixedNow } });
      const app = Fastify();
      registerCollectorRoutes(app, {
        intake: inProcessIntake(source),
        authorize: createCollectorAuthorizer(createTokenVerifier({ jwtSecret })),
        contract: { now: fixedNow },
        now: fixedNow,
      });
      try {
        const token = await signToken(jwtSecret, { sub: 'admin-1', role: 'admin' });
        const badDigest = eventToJson({ ...clientError, eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a99' });
        ((badDigest.body as Record<string, unknown>).details as Record<string, unknown>).message_digest = 'secret';
        const res = await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { authorization: `Bearer ${token}` },
          payload: { events: [...everyV3Shape.map(eventToJson), badDigest] },
        });
        expect(res.statusCode).toBe(200);
        const out = res.json() as CollectorResponse;
        expect(out.accepted).toBe(4);
        expect(out.results[4]).toMatchObject({
          status: 'rejected',
          errors: [{ reason: 'invalid_field', field: 'body.details.message_digest' }],
        });
      } finally {
        await app.close();
        await source.stop();
      }
    });
  });

  describe('simulator', () => {
    const opts = { seed: 5, learners: 12, days: 14 };

    it('keeps its default output: v2 events without v3 fields, written with the v2 schema', () => {
      const events = generateEvents(opts);
      expect(events.every((e) => e.schemaVersion === 2 && e.context === undefined)).toBe(true);
      expect(events.some((e) => e.body.kind === 'exam_result')).toBe(false);
      const messages = kafkaMessages(simulate(opts).slice(0, 50));
      for (const m of messages) expect(m.value.subarray(2, 10).toString('hex')).toBe('ac3fafe4e39f5966');
      expect(JSON.stringify(eventToJson(events[0] as LearningEvent))).not.toMatch(/context|details/);
    });

    it('emits context, page views, errors and exam results with contractV3, all valid, the v2 stream intact', () => {
      const plain = generateEvents(opts);
      const v3 = generateEvents({ ...opts, contractV3: true });
      expect(v3.every((e) => e.schemaVersion === 3 && e.context?.courseId && e.context.classId)).toBe(true);
      const kinds = (e: LearningEvent) =>
        e.body.kind === 'activity' ? (e.body.details?.kind ?? e.body.category) : e.body.kind;
      const counts = new Map<string, number>();
      for (const e of v3) counts.set(kinds(e), (counts.get(kinds(e)) ?? 0) + 1);
      expect(counts.get('page_view')).toBeGreaterThan(0);
      expect(counts.get('error')).toBeGreaterThan(0);
      expect(counts.get('exam_result')).toBeGreaterThan(0);
      for (const e of v3) {
        expect(checkContract(e, { now: () => Date.UTC(2027, 0, 1) })).toBeNull();
        expect(codec.decode(encoded(e, { skipContract: true }))).toMatchObject({ ok: true, writerVersion: 3 });
      }
      // The same learners' events with the same ids and times; exam results come on top.
      const ids = (es: LearningEvent[]) => es.filter((e) => e.body.kind !== 'exam_result').map((e) => e.eventId);
      expect(new Set(ids(v3))).toEqual(new Set(plain.map((e) => e.eventId)));
      const messages = kafkaMessages(simulate({ ...opts, contractV3: true }).slice(0, 50));
      for (const m of messages) expect(m.value.subarray(2, 10).toString('hex')).toBe('d4ec5e66910ab1ec');
    });
  });

  it('leaves the fixtures of the older kinds valid', () => {
    expect(checkContract(questionAttempt, { now: fixedNow })).toBeNull();
  });
});

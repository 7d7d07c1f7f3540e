// The Avro codec: round trips of every kind, the wire headers byte by byte,
// v1 <-> v2 evolution in both directions, Confluent framing, and typed
// rejections for each way a record can be bad.
import { describe, expect, it } from 'vitest';
import { createEventCodec, type LearningEvent, loadEventSchemas } from '../../../src/ingest/index.js';
import { EventSchemas } from '../../../src/ingest/schema-registry.js';
import { activity, contentInteraction, everyKind, fixedNow, iepGoalProgress, questionAttempt } from './fixtures.js';

const codec = createEventCodec({ contract: { now: fixedNow }, confluentSchemaIds: { 17: 1, 18: 2 } });
/** A reader whose current schema is v1: an old consumer that never heard of v2. */
const v1Reader = createEventCodec({
  schemas: new EventSchemas(loadEventSchemas().versions, 1),
  contract: { now: fixedNow },
});

function encoded(event: LearningEvent, opts?: Parameters<typeof codec.encode>[1]): Buffer {
  const r = codec.encode(event, opts);
  if (!r.ok) throw new Error(`encode failed: ${r.reason} ${r.message}`);
  return r.bytes;
}

describe('event codec', () => {
  it.each(everyKind.map((e) => [e.body.kind, e] as const))('round-trips a %s event', (_kind, event) => {
    const decoded = codec.decode(encoded(event));
    expect(decoded).toEqual({ ok: true, event, writerVersion: 3 });
    expect(codec.decode(encoded(event, { version: 2 }))).toEqual({ ok: true, event, writerVersion: 2 });
  });

  it('writes single-object encoding: C3 01, the v2 fingerprint, then the Avro record', () => {
    expect(encoded(activity).subarray(2, 10).toString('hex')).toBe('d4ec5e66910ab1ec'); // current: v3
    const bytes = encoded(activity, { version: 2 });
    expect(bytes.subarray(0, 2).toString('hex')).toBe('c301');
    expect(bytes.subarray(2, 10).toString('hex')).toBe('ac3fafe4e39f5966'); // schemas/registry.json, v2
    // First field: event_id, a 36-char string → zig-zag varint 72 = 0x48, then the ASCII.
    expect(bytes[10]).toBe(0x48);
    expect(bytes.subarray(11, 47).toString('ascii')).toBe(activity.eventId);
  });

  it('writes Confluent framing: 00 and the big-endian schema id', () => {
    const bytes = encoded(questionAttempt, { format: 'confluent', version: 2 });
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0000000012'); // id 18 = v2
    expect(codec.decode(bytes)).toEqual({ ok: true, event: questionAttempt, writerVersion: 2 });
    const v1 = encoded(questionAttempt, { format: 'confluent', version: 1 });
    expect(v1.subarray(0, 5).toString('hex')).toBe('0000000011');
  });

  it('rejects Confluent framing when no id mapping is configured', () => {
    const bytes = encoded(questionAttempt, { format: 'confluent', version: 2 });
    const plain = createEventCodec({ contract: { now: fixedNow } });
    expect(plain.decode(bytes)).toMatchObject({ ok: false, reason: 'unknown_schema_id' });
  });

  describe('evolution (documented default: client_session_id = null)', () => {
    it('a v2 reader reads v1-written records, client_session_id taking its default null', () => {
      const bytes = encoded(activity, { version: 1 });
      expect(bytes.subarray(2, 10).toString('hex')).toBe('ae8b2aaced23f2fe'); // v1 fingerprint
      expect(codec.decode(bytes)).toEqual({
        ok: true,
        event: { ...activity, clientSessionId: null },
        writerVersion: 1,
      });
    });

    it('a v1 reader reads v2-written records, ignoring client_session_id', () => {
      for (const event of everyKind) {
        const decoded = v1Reader.decode(encoded(event, { version: 2 }));
        expect(decoded).toEqual({ ok: true, event: { ...event, clientSessionId: null }, writerVersion: 2 });
      }
    });

    it('v1 records are shorter by exactly the union index of the absent field', () => {
      // v2 adds ["null","string"] = null: one byte (branch 0) in the encoding.
      const event = { ...contentInteraction, clientSessionId: null };
      expect(encoded(event, { version: 2 }).length - encoded(event, { version: 1 }).length).toBe(1);
    });
  });

  describe('rejections', () => {
    const good = encoded(iepGoalProgress);

    it('classifies framing problems', () => {
      expect(codec.decode(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'truncated' });
      expect(codec.decode(Buffer.from([0x7b, 0x22]))).toMatchObject({ ok: false, reason: 'unknown_format' });
      expect(codec.decode(Buffer.from([0xc3, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]))).toMatchObject({
        reason: 'unknown_format',
      });
      expect(codec.decode(good.subarray(0, 6))).toMatchObject({ reason: 'truncated' });
      const otherFingerprint = Buffer.from(good);
      otherFingerprint[5] = (otherFingerprint[5] as number) ^ 0xff;
      expect(codec.decode(otherFingerprint)).toMatchObject({ reason: 'unknown_fingerprint' });
      expect(codec.decode(Buffer.from([0, 0, 0, 0, 99, 1]))).toMatchObject({ reason: 'unknown_schema_id' });
    });

    it('classifies truncated and corrupt bodies', () => {
      expect(codec.decode(good.subarray(0, good.length - 3))).toMatchObject({ reason: 'truncated' });
      expect(codec.decode(Buffer.concat([good, Buffer.from([0])]))).toMatchObject({ reason: 'corrupt' });
      // The body union index sits right before the body; 9 is no branch (4 kinds).
      const badUnion = encoded(activity, { version: 2 });
      // The activity body after its union index 0: "video" (1+5 bytes), "played" (1+6), union branch 1 +
      // "video-7" (1+1+7), union branch 1 + duration 95000 (zig-zag 190000 < 2^21: 1+3) = 26 bytes.
      const bodyIndexAt = badUnion.length - 27;
      expect(badUnion[bodyIndexAt]).toBe(0);
      badUnion[bodyIndexAt] = 18; // zig-zag 9
      expect(codec.decode(badUnion)).toMatchObject({ reason: 'corrupt' });
    });

    it('rejects contract violations with the field to blame and a decoded preview', () => {
      const cases: [LearningEvent, string, string][] = [
        [{ ...activity, tenantId: '' }, 'missing_field', 'tenant_id'],
        [{ ...activity, learnerId: ' ' }, 'missing_field', 'learner_id'],
        [{ ...activity, eventId: 'not-a-uuid' }, 'invalid_field', 'event_id'],
        [{ ...activity, occurredAt: fixedNow() + 3 * 86_400_000 }, 'future_occurred_at', 'occurred_at'],
        [{ ...activity, occurredAt: 1_700_000 }, 'out_of_range', 'occurred_at'],
        [
          { ...questionAttempt, body: { ...questionAttempt.body, score: 1.5 } } as LearningEvent,
          'out_of_range',
          'body.score',
        ],
        [
          { ...questionAttempt, body: { ...questionAttempt.body, topicIds: [] } } as LearningEvent,
          'missing_field',
          'body.topic_ids',
        ],
        [
          { ...contentInteraction, body: { ...contentInteraction.body, progress: -0.1 } } as LearningEvent,
          'out_of_range',
          'body.progress',
        ],
      ];
      for (const [event, reason, field] of cases) {
        const bytes = encoded(event, { skipContract: true });
        const decoded = codec.decode(bytes);
        expect(decoded).toMatchObject({ ok: false, reason, field });
        expect(decoded.ok ? undefined : decoded.preview?.event_id).toBe(event.eventId);
        // The producer side refuses the same event before it is ever sent.
        expect(codec.encode(event)).toMatchObject({ ok: false, reason, field });
      }
    });

    it('never throws when handed something that is not an event to encode', () => {
      expect(codec.encode({} as LearningEvent)).toMatchObject({ ok: false });
      expect(codec.encode({ ...activity, body: null } as unknown as LearningEvent)).toMatchObject({ ok: false });
      expect(codec.encode({ ...activity, occurredAt: '5' } as unknown as LearningEvent)).toMatchObject({
        ok: false,
        field: 'occurred_at',
      });
    });
  });
});

describe('codec options from configuration', () => {
  it('reads LEARNSTREAM_INGEST_CONFLUENT_SCHEMA_IDS pairs and the clock-skew limit', async () => {
    const { codecOptionsFromConfig } = await import('../../../src/ingest/index.js');
    const { loadConfig } = await import('../../../src/core/config.js');
    const config = loadConfig({
      LEARNSTREAM_INGEST_CONFLUENT_SCHEMA_IDS: '17=1,18=2',
      LEARNSTREAM_INGEST_MAX_FUTURE_MS: '60000',
    });
    const opts = codecOptionsFromConfig(config);
    expect([...(opts.confluentSchemaIds as Map<number, number>)]).toEqual([
      [17, 1],
      [18, 2],
    ]);
    const c = createEventCodec({ ...opts, contract: { ...opts.contract, now: fixedNow } });
    const bytes = encoded(activity, { format: 'confluent', version: 1 }); // id 17 in the test codec too
    expect(c.decode(bytes)).toMatchObject({ ok: true, writerVersion: 1 });
    // 2 minutes ahead of the clock is beyond a 1-minute skew.
    expect(c.encode({ ...activity, occurredAt: fixedNow() + 120_000, receivedAt: fixedNow() + 120_000 })).toMatchObject(
      {
        ok: false,
        reason: 'future_occurred_at',
      },
    );
    expect(() => loadConfig({ LEARNSTREAM_INGEST_CONFLUENT_SCHEMA_IDS: '17:1' })).toThrow(/CONFLUENT_SCHEMA_IDS/);
  });
});

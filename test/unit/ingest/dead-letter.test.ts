// Dead letters are bounded: the raw value is kept whole up to 256 KiB, beyond
// that its first bytes with size and SHA-256; previews are cut; a minimal
// dead letter keeps only what identifies the record.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deadLetterMessage,
  deadLetterPayload,
  defaultMaxValueBytes,
  minimalDeadLetter,
} from '../../../src/ingest/dead-letter.js';
import { createInProcessSource, deadLetterRecord, type SourceBatch } from '../../../src/ingest/index.js';
import type { DeadLetterRecord } from '../../../src/views/index.js';
import { waitFor } from '../../support/index.js';
import { activity, fixedNow, questionAttempt } from './fixtures.js';

const origin = { topic: 'events', partition: 2, offset: '41', timestamp: '1767607200000' };
const rejection = { ok: false as const, reason: 'corrupt' as const, message: 'v2 record: trailing bytes' };

function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) % 251;
  return b;
}

describe('bounded dead letters', () => {
  it('keep a value of exactly 256 KiB whole', () => {
    expect(defaultMaxValueBytes).toBe(262_144);
    const value = bytes(262_144);
    const p = deadLetterPayload(rejection, origin, value, 's');
    expect(Buffer.from(p.value_base64 ?? '', 'base64').equals(value)).toBe(true);
    expect(p).toMatchObject({ truncated: false, value_size: 262_144 });
    expect(p.value_sha256).toBe(createHash('sha256').update(value).digest('hex'));
  });

  it('keep the first 256 KiB of a 900 kB value with its size and the digest of the whole', () => {
    const value = bytes(900_000);
    const p = deadLetterPayload(rejection, origin, value, 's');
    const kept = Buffer.from(p.value_base64 ?? '', 'base64');
    expect(kept.length).toBe(262_144);
    expect(kept.equals(value.subarray(0, 262_144))).toBe(true);
    expect(p).toMatchObject({ truncated: true, value_size: 900_000, reason: 'corrupt', source: origin });
    expect(p.value_sha256).toBe(createHash('sha256').update(value).digest('hex'));
    // base64 of 262,144 bytes is 4 * ceil(262144 / 3) = 349,528 characters: the message stays far under 1 MiB.
    expect(p.value_base64).toHaveLength(349_528);
    const message = deadLetterMessage(p);
    expect(Buffer.byteLength(message.value as string)).toBeLessThan(352_000);
  });

  it('honour a smaller cap and have no value fields for a tombstone', () => {
    const p = deadLetterPayload(rejection, origin, Buffer.from('abcdef'), 's', { maxValueBytes: 4 });
    expect(p).toMatchObject({ value_base64: Buffer.from('abcd').toString('base64'), value_size: 6, truncated: true });
    expect(deadLetterPayload(rejection, origin, null, 's')).toMatchObject({
      value_base64: null,
      value_size: null,
      value_sha256: null,
      truncated: false,
    });
  });

  it('cut long preview strings and arrays, pseudonymise the learner, keep prototype keys as data', () => {
    const preview = {
      tenant_id: 't'.repeat(5000),
      learner_id: 'raw-learner',
      body: { topic_ids: Array.from({ length: 1000 }, (_, i) => `topic-${i}`) },
    };
    const p = deadLetterPayload({ ...rejection, reason: 'invalid_field', preview }, origin, null, 's');
    const out = p.preview as { tenant_id: string; learner_id: string; body: { topic_ids: string[] } };
    expect(out.tenant_id).toBe(`${'t'.repeat(1024)}…`);
    expect(out.learner_id).toMatch(/^[0-9a-f]{32}$/);
    expect(out.body.topic_ids).toHaveLength(64);
    expect(out.body.topic_ids[63]).toBe('topic-63');
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "tenant_id": "t"}') as Record<string, unknown>;
    const q = deadLetterPayload({ ...rejection, preview: hostile }, origin, null, 's').preview as Record<
      string,
      unknown
    >;
    expect(Object.hasOwn(q, '__proto__')).toBe(true);
    expect((q as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('have a minimal form without value and preview but with size and digest', () => {
    const value = bytes(900_000);
    const p = deadLetterPayload({ ...rejection, preview: { tenant_id: 't' } }, origin, value, 's');
    const m = minimalDeadLetter(p);
    expect(m).toMatchObject({ value_base64: null, preview: null, truncated: true, value_size: 900_000 });
    expect(m.value_sha256).toBe(p.value_sha256);
    expect(Buffer.byteLength(deadLetterMessage(m).value as string)).toBeLessThan(1000);
  });
});

describe('dead letters on the batch (in-process source)', () => {
  it('give a rejected push its offset in the learner partition and hand it over with the batch covering it', async () => {
    const source = createInProcessSource({ partitions: 1, pseudonymSecret: 's', contract: { now: fixedNow } });
    const bad = { ...questionAttempt, body: { ...questionAttempt.body, score: 2 } } as typeof questionAttempt;
    const results = source.push([
      activity,
      bad,
      { ...questionAttempt, eventId: '7a9b1c3d-2e4f-4a6b-9c8d-1e2f3a4b5c6e' },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(source.endOffsets()).toEqual(['3']);
    const batches: SourceBatch[] = [];
    await source.run({ onBatch: async (b) => void batches.push(b) });
    await waitFor(() => batches.length === 1);
    await source.stop();
    const [batch] = batches;
    expect(batch?.records.map((r) => r.offset)).toEqual(['0', '2']);
    expect(batch?.lastOffset).toBe('2');
    expect(batch?.deadLetters).toHaveLength(1);
    const dead = batch?.deadLetters[0];
    expect(dead).toMatchObject({
      reason: 'out_of_range',
      field: 'body.score',
      source: { topic: 'embedded', partition: 0, offset: '1', timestamp: String(fixedNow()) },
      value_base64: null,
    });
    expect(dead?.preview).toMatchObject({ event_id: bad.eventId, tenant_id: 'tenant-01' });
    expect(JSON.stringify(dead)).not.toContain(bad.learnerId);
  });
});

describe('dead letters as dead_letters rows', () => {
  it('take the broker timestamp as the time, the pseudonym from the preview and the digest in the preview', () => {
    const value = Buffer.from('not an event');
    const p = deadLetterPayload(
      { ...rejection, reason: 'missing_field', field: 'source', preview: { tenant_id: 'tenant-01', learner_id: 'u1' } },
      origin,
      value,
      's',
    );
    const row: DeadLetterRecord = deadLetterRecord(p);
    expect(row).toMatchObject({
      atMs: 1767607200000,
      reason: 'missing_field',
      topic: 'events',
      partition: 2,
      offset: '41',
      tenantId: 'tenant-01',
      rawBase64: 'bm90IGFuIGV2ZW50', // base64("not an event")
    });
    expect(row.learnerId).toMatch(/^[0-9a-f]{32}$/);
    expect(row.learnerId).not.toBe('u1');
    expect(JSON.parse(row.preview ?? '')).toMatchObject({
      field: 'source',
      value_size: 12,
      value_sha256: createHash('sha256').update('not an event').digest('hex'),
      truncated: false,
      record: { tenant_id: 'tenant-01', learner_id: row.learnerId },
    });
  });
});

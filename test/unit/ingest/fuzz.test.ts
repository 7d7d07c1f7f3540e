// Fuzzing the decoder: thousands of random and mutated byte strings. No throw
// may escape, every input gets either a valid event or a typed rejection, and
// no input may make the decoder spin (huge block counts, lengths).
import { describe, expect, it } from 'vitest';
import {
  checkContract,
  createEventCodec,
  type DecodeResult,
  eventToJson,
  generateEvents,
  parseJsonEvent,
  rejectionReasons,
} from '../../../src/ingest/index.js';
import { Prng } from '../../../src/ingest/simulator/index.js';

const now = () => Date.UTC(2027, 0, 1);
const codec = createEventCodec({ contract: { now }, confluentSchemaIds: { 1: 1, 2: 2, 3: 3 } });
const v2Header = Buffer.from('c301ac3fafe4e39f5966', 'hex');
const v3Header = Buffer.from('c301d4ec5e66910ab1ec', 'hex');

function decodeChecked(bytes: Buffer, stats: Map<string, number>): DecodeResult {
  let result: DecodeResult | undefined;
  const started = performance.now();
  expect(() => {
    result = codec.decode(bytes);
  }).not.toThrow();
  const elapsed = performance.now() - started;
  expect(elapsed, `decode of ${bytes.toString('hex').slice(0, 80)} took ${elapsed} ms`).toBeLessThan(250);
  const r = result as DecodeResult;
  if (r.ok) {
    expect(checkContract(r.event, { now })).toBeNull();
    stats.set('ok', (stats.get('ok') ?? 0) + 1);
  } else {
    expect(rejectionReasons).toContain(r.reason);
    expect(r.message.length).toBeGreaterThan(0);
    stats.set(r.reason, (stats.get(r.reason) ?? 0) + 1);
  }
  return r;
}

function randomBytes(rng: Prng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rng.int(256)));
}

describe('decoder fuzzing', () => {
  it('gives every one of 4000 random byte strings a rejection reason', () => {
    const rng = new Prng(20260105);
    const stats = new Map<string, number>();
    const prefixes = [Buffer.alloc(0), Buffer.from([0xc3, 0x01]), v2Header, v3Header, Buffer.from([0, 0, 0, 0, 2])];
    for (let i = 0; i < 4000; i++) {
      const prefix = prefixes[i % prefixes.length] as Buffer;
      const bytes = Buffer.concat([prefix, randomBytes(rng, rng.int(160))]);
      const r = decodeChecked(bytes, stats);
      // Random bytes are never a valid event (a UUID-shaped id alone is beyond chance).
      expect(r.ok).toBe(false);
    }
    expect(stats.get('truncated')).toBeGreaterThan(0);
    expect(stats.get('unknown_format')).toBeGreaterThan(0);
  });

  it('survives 6000 mutations of valid records, each ending valid or rejected with a reason', () => {
    const rng = new Prng(7);
    const events = [
      ...generateEvents({ seed: 11, learners: 6, days: 7 }),
      ...generateEvents({ seed: 11, learners: 6, days: 7, contractV3: true }),
    ];
    const stats = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const event = events[i % events.length];
      const base = codec.encode(event!, { format: i % 5 === 0 ? 'confluent' : 'single-object' });
      if (!base.ok) throw new Error(`fixture did not encode: ${base.message}`);
      const bytes = Buffer.from(base.bytes);
      let mutated: Buffer;
      switch (i % 6) {
        case 0: // flip 1-3 random bits
          for (let k = 0; k <= rng.int(3); k++) {
            const at = rng.int(bytes.length);
            bytes[at] = (bytes[at] as number) ^ (1 << rng.int(8));
          }
          mutated = bytes;
          break;
        case 1: // overwrite a byte with an extreme value
          bytes[rng.int(bytes.length)] = rng.chance(0.5) ? 0xff : 0x80;
          mutated = bytes;
          break;
        case 2: // truncate
          mutated = bytes.subarray(0, rng.int(bytes.length));
          break;
        case 3: // insert garbage in the middle
          {
            const at = rng.int(bytes.length);
            mutated = Buffer.concat([bytes.subarray(0, at), randomBytes(rng, 1 + rng.int(8)), bytes.subarray(at)]);
          }
          break;
        case 4: // delete a span
          {
            const at = rng.int(bytes.length);
            mutated = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + rng.int(6))]);
          }
          break;
        default:
          {
            // a run of continuation bytes: varints that never end or claim huge lengths/counts
            const at = 10 + rng.int(Math.max(1, bytes.length - 10));
            mutated = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(1 + rng.int(12), 0xff), bytes.subarray(at)]);
          }
          break;
      }
      decodeChecked(mutated, stats);
    }
    // Every class of damage shows up, and a few mutations (inside a string) still decode as valid events.
    for (const reason of ['truncated', 'corrupt', 'unknown_fingerprint']) expect(stats.get(reason)).toBeGreaterThan(0);
    expect(stats.get('ok') ?? 0).toBeGreaterThan(0);
  });

  it('rejects a topic_ids block claiming 2^40 items at once instead of looping', () => {
    const event = generateEvents({ seed: 3, learners: 3, days: 7 }).find((e) => e.body.kind === 'question_attempt');
    const good = codec.encode(event!);
    if (!good.ok) throw new Error('fixture');
    const itemId = (event!.body as { itemId: string }).itemId;
    const at = good.bytes.indexOf(Buffer.from(itemId)) + itemId.length; // topic_ids block count follows item_id
    // zig-zag(2^40) as a varint: 2^41 → 7-bit groups.
    let n = 2 ** 41;
    const varint: number[] = [];
    while (n >= 128) {
      varint.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    varint.push(n);
    const evil = Buffer.concat([good.bytes.subarray(0, at), Buffer.from(varint), good.bytes.subarray(at + 1)]);
    expect(decodeChecked(evil, new Map())).toMatchObject({ ok: false, reason: 'truncated' });
  });

  it('parses 3000 randomly damaged JSON events without throwing, each accepted or rejected with reasons', () => {
    const rng = new Prng(99);
    const events = generateEvents({ seed: 12, learners: 6, days: 7 });
    const junk: unknown[] = [null, 0, -1, 1e308, '', 'x'.repeat(300), [], {}, true, { kind: 'activity' }, [1, 2]];
    for (let i = 0; i < 3000; i++) {
      const json = eventToJson(events[i % events.length]!) as Record<string, unknown>;
      const body = json.body as Record<string, unknown>;
      const target = rng.chance(0.5) ? json : body;
      const keys = Object.keys(target);
      const key = keys[rng.int(keys.length)] as string;
      if (rng.chance(0.3)) delete target[key];
      else target[key] = junk[rng.int(junk.length)];
      let result: ReturnType<typeof parseJsonEvent> | undefined;
      expect(() => {
        result = parseJsonEvent(rng.chance(0.02) ? junk[rng.int(junk.length)] : json, {
          receivedAt: now(),
          currentSchemaVersion: 2,
          contract: { now },
        });
      }).not.toThrow();
      if (result && !result.ok) {
        expect(result.errors.length).toBeGreaterThan(0);
        for (const e of result.errors) expect(rejectionReasons).toContain(e.reason);
      }
    }
  });
});

// Watermark ticks on the log (DESIGN.md "Time and results"): a record with the
// tick header, the event time as its decimal value and an engine signature.
// Replays read the same ticks, so event time advances identically. Any
// producer can write to the events topic, so a tick counts only when its
// HMAC verifies: a forged one would silence a partition by moving event time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HeaderValue } from './broker.js';
import { type Rejection, reject } from './rejection.js';

export const tickHeader = 'learnstream-tick';
/** HMAC-SHA256 (hex) over topic, partition and event time, keyed from the pseudonym secret. */
export const tickSignatureHeader = 'learnstream-tick-signature';

export interface TickSigning {
  /** The engine's pseudonym secret; the tick key is derived from it, never the secret itself. */
  secret: string;
  topic: string;
  partition: number;
}

const keyLabel = 'learnstream-tick-v1';
const keys = new Map<string, Buffer>();

/** HMAC(pseudonymSecret, 'learnstream-tick-v1'): a key only for ticks, so a leaked tick key reveals no pseudonym. */
export function tickKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= 8) keys.clear();
    key = createHmac('sha256', secret).update(keyLabel).digest();
    keys.set(secret, key);
  }
  return key;
}

/** The signature of a tick: HMAC-SHA256(tickKey, topic NUL partition NUL eventTime), hex. */
export function tickSignature(eventTime: number, signing: TickSigning): string {
  return createHmac('sha256', tickKey(signing.secret))
    .update(`${signing.topic}\u0000${signing.partition}\u0000${eventTime}`)
    .digest('hex');
}

export function tickMessage(
  eventTime: number,
  signing: TickSigning,
): { value: string; headers: Record<string, string> } {
  return {
    value: String(eventTime),
    headers: { [tickHeader]: '1', [tickSignatureHeader]: tickSignature(eventTime, signing) },
  };
}

export function isTick(headers: Record<string, HeaderValue | undefined>): boolean {
  return Object.hasOwn(headers, tickHeader) && headers[tickHeader] !== undefined;
}

/** The tick's event time, or `invalid_tick` (not an event time) / `forged_tick` (signature missing or wrong). */
export function decodeTick(
  value: Buffer | null,
  headers: Record<string, HeaderValue | undefined>,
  signing: TickSigning,
): { ok: true; eventTime: number } | Rejection {
  const text = value?.toString('utf8') ?? '';
  const eventTime = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(eventTime)) return reject('invalid_tick', 'tick value is not an event time in epoch ms');
  const given = Object.hasOwn(headers, tickSignatureHeader) ? headers[tickSignatureHeader] : undefined;
  const expected = Buffer.from(tickSignature(eventTime, signing), 'utf8');
  const actual = given === undefined ? Buffer.alloc(0) : Buffer.isBuffer(given) ? given : Buffer.from(given, 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return reject('forged_tick', `tick at ${eventTime} has no valid engine signature for this topic and partition`);
  }
  return { ok: true, eventTime };
}

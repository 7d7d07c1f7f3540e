// Watermark ticks on the log (DESIGN.md "Time and results"): a record with the
// tick header and the event time as its decimal value. Replays read the same
// ticks, so event time advances identically.
import type { HeaderValue } from './broker.js';
import { type Rejection, reject } from './rejection.js';

export const tickHeader = 'learnstream-tick';

export function tickMessage(eventTime: number): { value: string; headers: Record<string, string> } {
  return { value: String(eventTime), headers: { [tickHeader]: '1' } };
}

export function isTick(headers: Record<string, HeaderValue | undefined>): boolean {
  return headers[tickHeader] !== undefined;
}

export function decodeTick(value: Buffer | null): { ok: true; eventTime: number } | Rejection {
  const text = value?.toString('utf8') ?? '';
  const eventTime = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(eventTime)) return reject('invalid_tick', 'tick value is not an event time in epoch ms');
  return { ok: true, eventTime };
}

// Watermark ticks are signed by the engine: HMAC-SHA256 over (topic,
// partition, event time) with a key derived from the pseudonym secret. A tick
// without a valid signature is `forged_tick` and never moves event time.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeTick, isTick, tickHeader, tickMessage, tickSignatureHeader } from '../../../src/ingest/tick.js';

const secret = 'tick-test-pseudonym-secret';
const signing = { secret, topic: 'learning-events', partition: 3 };
const eventTime = Date.UTC(2026, 0, 5, 10); // 1767607200000

/** Worked out with node:crypto directly, following the rule as written (not the module). */
function expectedSignature(topic: string, partition: number, time: number): string {
  const key = createHmac('sha256', secret).update('learnstream-tick-v1').digest();
  return createHmac('sha256', key).update(`${topic}\u0000${partition}\u0000${time}`).digest('hex');
}

describe('signed watermark ticks', () => {
  it('carry the event time in decimal and the HMAC of topic, partition and time', () => {
    const m = tickMessage(eventTime, signing);
    expect(m.value).toBe('1767607200000');
    expect(m.headers[tickHeader]).toBe('1');
    expect(m.headers[tickSignatureHeader]).toBe(expectedSignature('learning-events', 3, 1767607200000));
    expect(m.headers[tickSignatureHeader]).toMatch(/^[0-9a-f]{64}$/);
    // The key is derived: a signature keyed by the pseudonym secret itself is a different one.
    const direct = createHmac('sha256', secret).update(`learning-events\u00003\u0000${eventTime}`).digest('hex');
    expect(m.headers[tickSignatureHeader]).not.toBe(direct);
  });

  it('decode when the signature verifies, as a string or a Buffer header', () => {
    const m = tickMessage(eventTime, signing);
    expect(decodeTick(Buffer.from(m.value), m.headers, signing)).toEqual({ ok: true, eventTime });
    const asBuffers = {
      [tickHeader]: Buffer.from('1'),
      [tickSignatureHeader]: Buffer.from(m.headers[tickSignatureHeader] as string),
    };
    expect(decodeTick(Buffer.from(m.value), asBuffers, signing)).toEqual({ ok: true, eventTime });
  });

  it('are forged_tick without a signature, with a wrong one, or one for another place or time', () => {
    const m = tickMessage(eventTime, signing);
    const sig = m.headers[tickSignatureHeader] as string;
    const value = Buffer.from(m.value);
    const cases: [string, Buffer, Record<string, string>, typeof signing][] = [
      ['no signature', value, { [tickHeader]: '1' }, signing],
      ['empty signature', value, { [tickHeader]: '1', [tickSignatureHeader]: '' }, signing],
      [
        'one flipped hex digit',
        value,
        { ...m.headers, [tickSignatureHeader]: `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}` },
        signing,
      ],
      ['far-future time, old signature', Buffer.from('4102444800000'), m.headers, signing],
      ['another partition', value, m.headers, { ...signing, partition: 4 }],
      ['another topic', value, m.headers, { ...signing, topic: 'other-events' }],
      ['another secret', value, m.headers, { ...signing, secret: 'someone-else' }],
    ];
    for (const [what, v, headers, s] of cases) {
      expect(decodeTick(v, headers, s), what).toMatchObject({ ok: false, reason: 'forged_tick' });
    }
    // A signature inherited through the prototype is not the record's own header.
    const inherited = Object.create({ [tickSignatureHeader]: sig }) as Record<string, string>;
    inherited[tickHeader] = '1';
    expect(decodeTick(value, inherited, signing)).toMatchObject({ ok: false, reason: 'forged_tick' });
  });

  it('are invalid_tick when the value is not an event time, signed or not', () => {
    for (const v of ['', 'soon', '-5', '1.5', '12345678901234567']) {
      expect(decodeTick(Buffer.from(v), tickMessage(eventTime, signing).headers, signing), v).toMatchObject({
        ok: false,
        reason: 'invalid_tick',
      });
    }
    expect(decodeTick(null, { [tickHeader]: '1' }, signing)).toMatchObject({ reason: 'invalid_tick' });
  });

  it('are recognised by their own header only', () => {
    expect(isTick({ [tickHeader]: '1' })).toBe(true);
    expect(isTick({})).toBe(false);
    expect(isTick(Object.create({ [tickHeader]: '1' }))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { textFrame } from '../../../src/api/live-messages.js';

// Expected bytes from RFC 6455 §5.2 / §5.7, written out by hand.
describe('textFrame', () => {
  it('frames a short message as RFC 6455 §5.7 shows ("Hello", unmasked)', () => {
    expect([...textFrame(Buffer.from('Hello'))]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
  });

  it('uses the 16-bit length from 126 bytes up', () => {
    const at125 = textFrame(Buffer.alloc(125, 0x61));
    expect([...at125.subarray(0, 2)]).toEqual([0x81, 125]);
    expect(at125.length).toBe(127);
    const at126 = textFrame(Buffer.alloc(126, 0x61));
    expect([...at126.subarray(0, 4)]).toEqual([0x81, 126, 0x00, 0x7e]);
    expect(at126.length).toBe(130);
    const at65535 = textFrame(Buffer.alloc(65_535, 0x61));
    expect([...at65535.subarray(0, 4)]).toEqual([0x81, 126, 0xff, 0xff]);
  });

  it('uses the 64-bit length from 65,536 bytes up', () => {
    const frame = textFrame(Buffer.alloc(65_536, 0x62));
    expect([...frame.subarray(0, 10)]).toEqual([0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]);
    expect(frame.length).toBe(65_546);
    expect(frame[10]).toBe(0x62);
    expect(frame[frame.length - 1]).toBe(0x62);
  });
});

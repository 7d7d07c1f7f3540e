// The SQL builder's literals survive both engines byte for byte: hostile
// strings chosen by hand, then random strings from fast-check, each sent as
// `SELECT ${s} AS v` and compared with what comes back.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { day, sql } from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';

const hostile = [
  '',
  "'",
  "''",
  "\\'",
  '\\',
  '\\\\',
  "'; DROP TABLE sessions; --",
  "x' OR '1'='1",
  'line1\nline2\r\nline3',
  'tab\there',
  'nul\u0000byte',
  '\u0000',
  '\u0001\u0002\u001f\u007f',
  '"double" `back` $dollar {brace}',
  'caf\u00e9 \u00fc\u00df \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629',
  '\u{1F600}\u{1F469}\u200D\u{1F4BB} emoji',
  '\u202Eright-to-left override',
  '\\x41 is not A',
  '\\n is not a newline',
  '-- comment',
  '/* comment */',
  'a'.repeat(10_000),
];

forEachStore('SQL literals', ({ newStore }) => {
  it('hostile strings round-trip unchanged', async () => {
    const store = await newStore();
    for (const s of hostile) {
      const rows = await store.query<{ v: string; n: number }>(sql`SELECT ${s} AS v, length(${s}) AS n`.text);
      expect(rows[0]?.v, JSON.stringify(s)).toBe(s);
      expect(rows[0]?.n).toBe(Buffer.byteLength(s, 'utf8'));
    }
  });

  it('random strings round-trip unchanged (property)', async () => {
    const store = await newStore();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 64 }), async (s) => {
        const rows = await store.query<{ v: string }>(sql`SELECT ${s} AS v`.text);
        expect(rows[0]?.v).toBe(s);
      }),
      { numRuns: 150 },
    );
  });

  it('arrays, numbers, booleans, dates and days render as typed literals', async () => {
    const store = await newStore();
    const rows = await store.query<Record<string, unknown>>(
      sql`SELECT ${['a', "b'c", 'd\\e']} AS strs, ${[1, -2, 3.5]} AS nums, ${true} AS yes, ${-7} AS neg,
          ${new Date(Date.UTC(2026, 10, 2, 8, 30, 15))} AS at, toString(${day('2026-11-02')}) AS d,
          toTypeName(${day('2026-11-02')}) AS dt, 10 - ${-5} AS minus_negative`.text,
    );
    expect(rows[0]).toEqual({
      strs: ['a', "b'c", 'd\\e'],
      nums: [1, -2, 3.5],
      yes: 1,
      neg: -7,
      at: '2026-11-02 08:30:15',
      d: '2026-11-02',
      dt: 'Date',
      minus_negative: 15,
    });
  });
});

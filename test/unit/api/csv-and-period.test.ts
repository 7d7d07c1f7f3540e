// CSV export quoting (RFC 4180 and formula injection) and the period rules
// every metrics endpoint applies (defaults, from < to, size limit).
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../src/api/csv.js';
import { mondayOf, parsePeriod, previousPeriod } from '../../../src/api/queries/period.js';

describe('toCsv', () => {
  it('quotes commas, quotes and newlines, leaves empty cells for null', () => {
    expect(
      toCsv(
        ['a', 'b', 'c'],
        [
          { a: 'x,y', b: 'say "hi"', c: null },
          { a: 'line\nbreak', b: 3, c: true },
        ],
      ),
    ).toBe('a,b,c\r\n"x,y","say ""hi""",\r\n"line\nbreak",3,true\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(toCsv(['t'], [{ t: '=HYPERLINK("x")' }, { t: '+1' }, { t: '@cmd' }, { t: -3 }])).toBe(
      't\r\n"\'=HYPERLINK(""x"")"\r\n\'+1\r\n\'@cmd\r\n-3\r\n',
    );
  });
});

describe('parsePeriod', () => {
  const opts = { maxRangeDays: 31, now: Date.parse('2026-11-22T15:00:00Z') };

  it('defaults to the 30 days ending at the end of today (UTC), so a repeated default query is the same query', () => {
    const p = parsePeriod({}, opts);
    expect(new Date(p.toMs).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(p.fromMs).toISOString()).toBe('2026-10-24T00:00:00.000Z');
    expect(parsePeriod({}, { ...opts, now: Date.parse('2026-11-22T23:59:00Z') }).label).toBe(p.label);
  });

  it('takes dates and date-times, and gives the previous period of equal length', () => {
    const p = parsePeriod({ from: '2026-11-02', to: '2026-11-09T12:00:00Z' }, opts);
    expect([p.fromDay, p.toDay]).toEqual(['2026-11-02', '2026-11-10']);
    const prev = previousPeriod(p);
    expect(new Date(prev.fromMs).toISOString()).toBe('2026-10-25T12:00:00.000Z');
    expect(prev.toMs).toBe(p.fromMs);
  });

  it('refuses from ≥ to, unparseable dates and ranges over the limit', () => {
    expect(() => parsePeriod({ from: '2026-11-09', to: '2026-11-02' }, opts)).toThrow(
      expect.objectContaining({ code: 'LS_API_RANGE_INVALID', status: 400 }),
    );
    expect(() => parsePeriod({ from: 'soon' }, opts)).toThrow(
      expect.objectContaining({ code: 'LS_API_RANGE_INVALID' }),
    );
    expect(() => parsePeriod({ from: '2026-01-01', to: '2026-03-01' }, opts)).toThrow(
      expect.objectContaining({ code: 'LS_API_RANGE_TOO_LARGE' }),
    );
  });

  it('finds the Monday of an ISO week', () => {
    expect(mondayOf(Date.parse('2026-11-08T23:59:59Z'))).toBe('2026-11-02');
    expect(mondayOf(Date.parse('2026-11-09T00:00:00Z'))).toBe('2026-11-09');
  });
});

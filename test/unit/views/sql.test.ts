// The SQL builder's exact output: literal escaping, typed values, the
// identifier allow-list and composition. (Round-trips through the real
// engines are in test/integration/views/sql-roundtrip.test.ts.)
import { describe, expect, it } from 'vitest';
import { day, ident, join, literal, quoteString, sql } from '../../../src/views/sql.js';

describe('sql builder', () => {
  it('escapes backslash, quote and every control character in strings', () => {
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString('a\\b')).toBe("'a\\\\b'");
    expect(quoteString("\\'")).toBe("'\\\\\\''");
    expect(quoteString('1\n2\r3\t4')).toBe("'1\\n2\\r3\\t4'");
    expect(quoteString('\u0000\u0001\u001f\u007f')).toBe("'\\x00\\x01\\x1f\\x7f'");
    expect(quoteString('é😀')).toBe("'é😀'");
    expect(sql`SELECT ${"'; DROP TABLE sessions; --"}`.text).toBe("SELECT '\\'; DROP TABLE sessions; --'");
  });

  it('renders numbers, booleans, null, dates, days and arrays as typed literals', () => {
    expect(sql`${42}, ${3.25}, ${-7}, ${0}, ${12345678901234567890n}`.text).toBe(
      '42, 3.25, (-7), 0, 12345678901234567890',
    );
    // A negative value after a minus sign must not become a `--` comment.
    expect(sql`x - ${-5}`.text).toBe('x - (-5)');
    expect(sql`${true} ${false} ${null}`.text).toBe('1 0 NULL');
    expect(sql`${new Date(Date.UTC(2026, 10, 2, 8, 5, 9, 999))}`.text).toBe("toDateTime('2026-11-02 08:05:09', 'UTC')");
    expect(sql`${day('2026-11-02')}`.text).toBe("toDate('2026-11-02')");
    expect(sql`${['a', "b'", 1, [2, 3]]}`.text).toBe("['a', 'b\\'', 1, [2, 3]]");
    expect(sql`${[]}`.text).toBe('[]');
  });

  it('refuses values it cannot render safely', () => {
    expect(() => sql`${Number.NaN}`).toThrow(/non-finite/);
    expect(() => sql`${Number.POSITIVE_INFINITY}`).toThrow(/non-finite/);
    expect(() => sql`${new Date('nope')}`).toThrow(/invalid Date/);
    expect(() => day('2026-13-45')).toThrow(/YYYY-MM-DD/);
    expect(() => day("2026-11-02' OR 1")).toThrow(/YYYY-MM-DD/);
    expect(() => sql`${{ toString: () => 'x' } as never}`).toThrow(/cannot render/);
  });

  it('takes identifiers only from the allow-list', () => {
    expect(ident('sessions').text).toBe('`sessions`');
    expect(ident('learner_id').text).toBe('`learner_id`');
    expect(ident('tenant_daily_sessions_fence_mv').text).toBe('`tenant_daily_sessions_fence_mv`');
    expect(() => ident('users')).toThrow(/allow-list/);
    expect(() => ident('sessions; DROP TABLE x')).toThrow(/allow-list/);
    expect(() => ident('`sessions`')).toThrow(/allow-list/);
  });

  it('composes fragments without re-escaping them', () => {
    const where = sql`tenant_id = ${'t1'}`;
    const q = sql`SELECT count() FROM ${ident('sessions')} WHERE ${where} AND day IN (${join([day('2026-11-02'), day('2026-11-03')])})`;
    expect(q.text).toBe(
      "SELECT count() FROM `sessions` WHERE tenant_id = 't1' AND day IN (toDate('2026-11-02'), toDate('2026-11-03'))",
    );
    expect(join([sql`a`, sql`b`], sql` AND `).text).toBe('a AND b');
    expect(literal("o'k").text).toBe("'o\\'k'");
    // A plain string that looks like a fragment is still a value.
    expect(sql`${'`sessions`'}`.text).toBe("'`sessions`'");
  });
});

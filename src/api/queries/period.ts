// A query's time range: parsed from `from`/`to` (ISO date or date-time, `to`
// exclusive), checked (from < to, at most maxRangeDays), with the previous
// period of equal length that trends compare against.
import { LearnstreamError } from '../../core/errors.js';
import { ApiRangeInvalid, ApiRangeTooLarge } from '../errors.js';

const DAY_MS = 86_400_000;

export interface Period {
  fromMs: number;
  toMs: number;
  /** `YYYY-MM-DD` of the first day touched and of the day after the last one. */
  fromDay: string;
  toDay: string;
  /** Canonical text, the privacy layer's "period". */
  label: string;
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function parseInstant(value: string, name: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms))
    throw new LearnstreamError(ApiRangeInvalid, `${name}=${value} is not an ISO 8601 date or date-time`);
  if (ms < Date.UTC(1970, 0, 2) || ms > Date.UTC(2105, 0, 1)) {
    throw new LearnstreamError(ApiRangeInvalid, `${name}=${value}: dates must lie between 1970-01-02 and 2105-01-01`);
  }
  return ms;
}

function make(fromMs: number, toMs: number): Period {
  return {
    fromMs,
    toMs,
    fromDay: dayOf(fromMs),
    toDay: dayOf(toMs - 1 + DAY_MS),
    label: `${new Date(fromMs).toISOString()}..${new Date(toMs).toISOString()}`,
  };
}

/**
 * Defaults: `to` = the end of the current UTC day (so a repeated default query
 * is the same query all day), `from` = `to` − defaultDays.
 */
export function parsePeriod(
  q: { from?: string | undefined; to?: string | undefined },
  opts: { maxRangeDays: number; defaultDays?: number; now?: number },
): Period {
  const now = opts.now ?? Date.now();
  const toMs = q.to ? parseInstant(q.to, 'to') : Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const fromMs = q.from ? parseInstant(q.from, 'from') : toMs - (opts.defaultDays ?? 30) * DAY_MS;
  if (fromMs >= toMs) {
    throw new LearnstreamError(
      ApiRangeInvalid,
      `from (${q.from ?? 'default'}) must be before to (${q.to ?? 'default'})`,
      {
        details: { from: q.from, to: q.to },
      },
    );
  }
  if (toMs - fromMs > opts.maxRangeDays * DAY_MS) {
    throw new LearnstreamError(ApiRangeTooLarge, `at most ${opts.maxRangeDays} days per request`, {
      details: { from: q.from, to: q.to, maxRangeDays: opts.maxRangeDays },
    });
  }
  return make(fromMs, toMs);
}

export function previousPeriod(p: Period): Period {
  const len = p.toMs - p.fromMs;
  return make(p.fromMs - len, p.fromMs);
}

/** Monday (UTC) of the ISO week containing ms, as YYYY-MM-DD. */
export function mondayOf(ms: number): string {
  const d = new Date(Math.floor(ms / DAY_MS) * DAY_MS);
  const dow = d.getUTCDay() || 7;
  return dayOf(d.getTime() - (dow - 1) * DAY_MS);
}

export function addDays(day: string, n: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
}

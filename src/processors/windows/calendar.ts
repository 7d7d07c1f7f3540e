// Tumbling calendar windows in UTC: the day (mastery snapshots) and the ISO
// week starting Monday 00:00 (weekly active). Pure arithmetic on epoch ms, no
// time zones and no Date parsing, so every engine agrees on every boundary.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** YYYY-MM-DD of the UTC day containing `ms`. */
export function utcDayLabel(ms: number): string {
  return new Date(utcDayStart(ms)).toISOString().slice(0, 10);
}

/** Monday 00:00 UTC of the ISO week containing `ms`. */
export function isoWeekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
  const weekday = (((day + 3) % 7) + 7) % 7;
  return (day - weekday) * DAY_MS;
}

/** ISO 8601 week label, e.g. 2026-W47: the week belongs to the year of its Thursday. */
export function isoWeekLabel(ms: number): string {
  const thursday = isoWeekStart(ms) + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday - jan1) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

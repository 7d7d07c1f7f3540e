// When a topic reaches mastery: from a learner's per-topic series of daily
// mastery snapshots (one per closed UTC day with activity on the topic), a
// least-squares line through the recent points, and the day it crosses
// MASTERY_LEVEL, with an interval from the slope's standard error.
//
// Formula (README "Learner insights"): take the snapshots of the last
// PROJECTION_WINDOW_DAYS days up to the newest one (at least
// MIN_PROJECTION_POINTS of them); x = days since the first of them, y = mastery
// score; slope b and intercept a by ordinary least squares; the standard error
// of b is sqrt(Σ residual² / (n − 2) / Σ (x − x̄)²). The projected day is the
// first whole day x (not before the newest point) where a + b·x ≥ MASTERY_LEVEL;
// the interval pivots the line on the points' centre (x̄, ȳ) with slope
// b ± 1.96·se (earliest with the steeper slope; latest with the shallower one,
// or none when that slope is not positive). A topic whose newest snapshot is at
// MASTERY_LEVEL is mastered, since the first day of that run of snapshots at
// the level; a slope ≤ 0
// projects nothing ("not improving"); fewer points project nothing ("too few points").

const DAY_MS = 86_400_000;

export const MASTERY_LEVEL = 0.8;
export const PROJECTION_WINDOW_DAYS = 28;
export const MIN_PROJECTION_POINTS = 3;
/** Two-sided 95% normal quantile. */
const Z95 = 1.96;

export interface MasteryPoint {
  /** `YYYY-MM-DD`. */
  day: string;
  score: number;
}

export type MasteryProjection =
  | { status: 'mastered'; since: string }
  | {
      status: 'projected';
      /** The day the fitted line reaches MASTERY_LEVEL. */
      day: string;
      earliest: string;
      /** null: at the shallow end of the interval the score does not rise. */
      latest: string | null;
      slopePerDay: number;
      points: number;
    }
  | { status: 'not_improving'; slopePerDay: number; points: number }
  | { status: 'too_few_points'; points: number };

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const label = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The projection for one topic's series (any order). */
export function projectMastery(series: readonly MasteryPoint[]): MasteryProjection {
  const sorted = [...series].sort((a, b) => dayMs(a.day) - dayMs(b.day));
  const newest = sorted[sorted.length - 1];
  if (newest && newest.score >= MASTERY_LEVEL) {
    // Mastered since the start of the newest run of days at the level.
    let since = newest.day;
    for (let i = sorted.length - 1; i >= 0 && sorted[i]!.score >= MASTERY_LEVEL; i--) since = sorted[i]!.day;
    return { status: 'mastered', since };
  }
  if (!newest) return { status: 'too_few_points', points: 0 };
  const windowStart = dayMs(newest.day) - (PROJECTION_WINDOW_DAYS - 1) * DAY_MS;
  const recent = sorted.filter((p) => dayMs(p.day) >= windowStart);
  const n = recent.length;
  if (n < MIN_PROJECTION_POINTS) return { status: 'too_few_points', points: n };
  const x0 = dayMs(recent[0]!.day);
  const xs = recent.map((p) => (dayMs(p.day) - x0) / DAY_MS);
  const ys = recent.map((p) => p.score);
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const b = sxy / sxx;
  const a = my - b * mx;
  if (!(b > 0)) return { status: 'not_improving', slopePerDay: b, points: n };
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i]! - (a + b * xs[i]!)) ** 2;
  const se = n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : 0;
  // The day (x, whole days from x0, not before the newest point) where a line through the
  // points' centre with slope `slope` reaches the level.
  const crossing = (slope: number) => {
    const x = mx + (MASTERY_LEVEL - my) / slope;
    return label(x0 + Math.max(Math.ceil(x - 1e-9), xs[n - 1]!) * DAY_MS);
  };
  return {
    status: 'projected',
    day: crossing(b),
    earliest: crossing(b + Z95 * se),
    latest: b - Z95 * se > 0 ? crossing(b - Z95 * se) : null,
    slopePerDay: b,
    points: n,
  };
}

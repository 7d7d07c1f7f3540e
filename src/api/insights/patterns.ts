// A learner's streaks and learning patterns (PRODUCT.md, "Further analytics"),
// computed from their closed sessions — pure functions over the rows the
// sessions table holds, so every figure is exactly what the engine wrote
// (exactly once, replayable) and needs no state of its own.
//
// Formulas (README "Learner insights"):
// - a day is active when a session starts on it (the sessions table's `day`);
// - current streak: consecutive active days ending on the as-of day, or on the
//   day before (the day in progress does not break a streak); longest streak:
//   the longest run of consecutive active days;
// - consistency = active days / days from the first active day to the as-of day, both included;
// - activity matrix: sessions by the UTC weekday (Monday first) and hour of their start;
// - best session length: sessions grouped by duration (SESSION_LENGTH_BUCKETS);
//   accuracy per group = correct / question attempts; the group with the highest
//   accuracy among those with at least MIN_BUCKET_SESSIONS sessions and
//   MIN_BUCKET_ATTEMPTS attempts (ties: the shorter group), with its sample;
// - preference by content kind: each kind's share of the events (question
//   attempts, content interactions, other activity);
// - questions (materials) per hour = question attempts (content interactions) / active hours;
// - study efficiency = active time / session time.
// Patterns (all but the streaks) are reported only from MIN_PATTERN_SESSIONS sessions on.

const DAY_MS = 86_400_000;

/** Sessions a pattern needs before it is reported. */
export const MIN_PATTERN_SESSIONS = 5;
/** A session-length group counts for the best length from this many sessions… */
export const MIN_BUCKET_SESSIONS = 3;
/** …and this many question attempts. */
export const MIN_BUCKET_ATTEMPTS = 10;
/** Session-length groups, minutes: [from, to). */
export const SESSION_LENGTH_BUCKETS: readonly (readonly [number, number])[] = [
  [0, 15],
  [15, 30],
  [30, 45],
  [45, 60],
  [60, 90],
  [90, Number.POSITIVE_INFINITY],
];

/** One closed session, as the sessions table holds it. */
export interface SessionFacts {
  startMs: number;
  durationMs: number;
  activeSeconds: number;
  eventCount: number;
  questionAttempts: number;
  questionsCorrect: number;
  contentInteractions: number;
}

export interface Streaks {
  current: number;
  longest: number;
  activeDays: number;
  firstActiveDay: string | null;
  lastActiveDay: string | null;
  /** Active days / days from the first active day to the as-of day (null: no activity). */
  consistency: number | null;
}

const dayNumber = (day: string) => Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);

/** Streaks and consistency of the active days (`YYYY-MM-DD`, any order, repeats allowed) as of `asOfDay`. */
export function streaksOf(days: readonly string[], asOfDay: string): Streaks {
  const asOf = dayNumber(asOfDay);
  const sorted = [...new Set(days.map(dayNumber))].filter((d) => d <= asOf).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return { current: 0, longest: 0, activeDays: 0, firstActiveDay: null, lastActiveDay: null, consistency: null };
  }
  let longest = 1;
  let run = 1;
  for (let i = 1; i < sorted.length; i++) {
    run = sorted[i] === sorted[i - 1]! + 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  }
  const last = sorted[sorted.length - 1]!;
  // `run` is now the run ending on the last active day.
  const current = last >= asOf - 1 ? run : 0;
  const first = sorted[0]!;
  const label = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);
  return {
    current,
    longest,
    activeDays: sorted.length,
    firstActiveDay: label(first),
    lastActiveDay: label(last),
    consistency: sorted.length / (asOf - first + 1),
  };
}

export interface SessionLengthGroup {
  fromMinutes: number;
  /** null: open-ended. */
  toMinutes: number | null;
  sessions: number;
  questionAttempts: number;
  accuracy: number | null;
}

export interface LearningPatterns {
  sessions: number;
  /** False below MIN_PATTERN_SESSIONS sessions: every pattern below is then null. */
  reported: boolean;
  /** [weekday Monday = 0][hour 0–23] → sessions started. */
  activityMatrix: number[][] | null;
  sessionLengths: SessionLengthGroup[] | null;
  bestSessionLength: SessionLengthGroup | null;
  kindPreference: { questions: number; content: number; otherActivity: number } | null;
  questionsPerHour: number | null;
  materialsPerHour: number | null;
  studyEfficiency: number | null;
}

/** The patterns of a learner's sessions (see the formulas above). */
export function patternsOf(sessions: readonly SessionFacts[]): LearningPatterns {
  const n = sessions.length;
  if (n < MIN_PATTERN_SESSIONS) {
    return {
      sessions: n,
      reported: false,
      activityMatrix: null,
      sessionLengths: null,
      bestSessionLength: null,
      kindPreference: null,
      questionsPerHour: null,
      materialsPerHour: null,
      studyEfficiency: null,
    };
  }
  const matrix = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const groups: SessionLengthGroup[] = SESSION_LENGTH_BUCKETS.map(([from, to]) => ({
    fromMinutes: from,
    toMinutes: Number.isFinite(to) ? to : null,
    sessions: 0,
    questionAttempts: 0,
    accuracy: null,
  }));
  const correctByGroup = new Array<number>(groups.length).fill(0);
  let events = 0;
  let questions = 0;
  let content = 0;
  let activeSeconds = 0;
  let durationMs = 0;
  for (const s of sessions) {
    const start = new Date(s.startMs);
    matrix[(start.getUTCDay() + 6) % 7]![start.getUTCHours()]!++;
    const minutes = s.durationMs / 60_000;
    const g = SESSION_LENGTH_BUCKETS.findIndex(([from, to]) => minutes >= from && minutes < to);
    const group = groups[g]!;
    group.sessions++;
    group.questionAttempts += s.questionAttempts;
    correctByGroup[g]! += s.questionsCorrect;
    events += s.eventCount;
    questions += s.questionAttempts;
    content += s.contentInteractions;
    activeSeconds += s.activeSeconds;
    durationMs += s.durationMs;
  }
  let best: SessionLengthGroup | null = null;
  groups.forEach((group, g) => {
    if (group.questionAttempts > 0) group.accuracy = correctByGroup[g]! / group.questionAttempts;
    const sampled = group.sessions >= MIN_BUCKET_SESSIONS && group.questionAttempts >= MIN_BUCKET_ATTEMPTS;
    if (sampled && group.accuracy !== null && (best === null || group.accuracy > best.accuracy!)) best = group;
  });
  const activeHours = activeSeconds / 3600;
  return {
    sessions: n,
    reported: true,
    activityMatrix: matrix,
    sessionLengths: groups,
    bestSessionLength: best,
    kindPreference:
      events > 0
        ? {
            questions: questions / events,
            content: content / events,
            otherActivity: Math.max(0, events - questions - content) / events,
          }
        : null,
    questionsPerHour: activeHours > 0 ? questions / activeHours : null,
    materialsPerHour: activeHours > 0 ? content / activeHours : null,
    studyEfficiency: durationMs > 0 ? activeSeconds / (durationMs / 1000) : null,
  };
}

// Weekly active per tenant × ISO week (PRODUCT.md "The three core operators",
// 3): active, new, returning, reactivated and churned learners, sessions and
// learning minutes, emitted per partition as partials. Learners are
// partitioned, so each learner is counted in exactly one partition and the
// partials of all partitions sum to the tenant's figure.
//
// Definitions for week W (Monday 00:00 UTC, tumbling): active = any accepted
// event in W; new = active and W is the learner's first active week; returning
// = active in W and W−1; reactivated = active in W, not in W−1, active before;
// churned = active in W−1, not in W. sessions / learningMinutes = sessions
// starting in W (from the session operator) and their active minutes
// (activeSeconds / 60). A week is final when watermark > week end + allowed
// lateness + max session length + session gap: by then every session starting
// in it has been emitted. An event for a week already final is too late.
import type { LearningEvent } from '../../ingest/event.js';
import { sessionsAfterWeekClosed } from '../metrics.js';
import type { SessionWindowResult, WeeklyActivePartialResult } from '../results.js';
import type { EngineSettings } from '../settings.js';
import { isoWeekLabel, isoWeekStart, utcDayLabel, WEEK_MS } from '../windows/calendar.js';
import { compareStrings, type Emission, lateEvent, learnerKey, type Operator, type StateEntry } from './operator.js';

interface LearnerWeeks {
  tenantId: string;
  /** Week start of the first activity ever seen. */
  firstWeek: number;
  /** Active week starts, ascending; weeks before the last closed week are dropped when the learner is next active. */
  weeks: number[];
}

interface WeekSessions {
  sessions: number;
  activeMs: number;
}

/** A tenant's learner counts for one open week, kept up to date as events arrive. */
interface WeekCounts {
  active: number;
  new: number;
  returning: number;
  reactivated: number;
  churned: number;
}

type LearnerClass = 'new' | 'returning' | 'reactivated' | 'churned';

/** Version-1 checkpoint state (one JSON object). */
interface LegacyWeeklyState {
  learners: [string, LearnerWeeks][];
  sessions: [number, [string, WeekSessions][]][];
  openWeeks: number[];
  lastClosedWeek: number | null;
}

type WeeklySettings = Pick<EngineSettings, 'allowedLatenessMs' | 'maxSessionMs' | 'sessionGapMs'>;

const LEARNERS = 'weekly.learners';
const COUNTS = 'weekly.counts';
const SESSIONS = 'weekly.sessions';
const WEEKS = 'weekly.weeks';

/**
 * A learner's class in week `week` (null: not counted there): active learners
 * are new, returning or reactivated; learners active the week before only are churned.
 */
function classOf(learner: LearnerWeeks, week: number): LearnerClass | null {
  const now = learner.weeks.includes(week);
  const before = learner.weeks.includes(week - WEEK_MS);
  if (now) return learner.firstWeek === week ? 'new' : before ? 'returning' : 'reactivated';
  return before ? 'churned' : null;
}

/**
 * Each learner's class is counted per open week and tenant as their events
 * arrive (an event changes it in at most three weeks: its own, the next, and
 * the former first week), so closing a week is O(tenants), never a loop over
 * every learner of the partition.
 */
export class WeeklyActiveOperator implements Operator {
  private readonly learners = new Map<string, LearnerWeeks>();
  private readonly counts = new Map<number, Map<string, WeekCounts>>();
  private readonly sessions = new Map<number, Map<string, WeekSessions>>();
  private readonly openWeeks = new Set<number>();
  private lastClosedWeek: number | null = null;

  constructor(private readonly settings: WeeklySettings) {}

  /** Learners with an activity history here. */
  get learnerCount(): number {
    return this.learners.size;
  }

  /** Watermark past which week `weekStart` is final. */
  closesAfter(weekStart: number): number {
    const s = this.settings;
    return weekStart + WEEK_MS + s.allowedLatenessMs + s.maxSessionMs + s.sessionGapMs;
  }

  /** Per-tenant session sums hold no learner; only the learner's activity history (and its counts) goes. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    const key = learnerKey(tenantId, learnerId);
    const learner = this.learners.get(key);
    if (!learner) return false;
    for (const week of this.weeksCounted(learner)) this.count(learner, week, -1);
    this.learners.delete(key);
    return true;
  }

  *learnerEntries(key: string): Generator<StateEntry> {
    const learner = this.learners.get(key);
    if (learner) yield [LEARNERS, [key, learner]];
  }

  /** Open weeks, then the per-tenant counts and session sums of each: O(open weeks × tenants). */
  *globalEntries(): Generator<StateEntry> {
    yield [WEEKS, { openWeeks: Array.from(this.openWeeks), lastClosedWeek: this.lastClosedWeek }];
    for (const [week, byTenant] of this.counts) {
      for (const [tenantId, counts] of byTenant) yield [COUNTS, [week, tenantId, counts]];
    }
    for (const [week, byTenant] of this.sessions) {
      for (const [tenantId, counts] of byTenant) yield [SESSIONS, [week, tenantId, counts]];
    }
  }

  learnerKeys(): Iterable<string> {
    return this.learners.keys();
  }

  *learnersEntries(keys: readonly string[]): Generator<StateEntry> {
    for (const key of keys) {
      const learner = this.learners.get(key);
      if (learner) yield [LEARNERS, [key, learner]];
    }
  }

  /** Raw: the counts are global state and come whole from the same checkpoint. */
  dropLearner(key: string): void {
    this.learners.delete(key);
  }

  clearGlobals(): void {
    this.counts.clear();
    this.sessions.clear();
    this.openWeeks.clear();
    this.lastClosedWeek = null;
  }

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const week = isoWeekStart(event.occurredAt);
    if (watermarkMs > this.closesAfter(week)) return [lateEvent(event, 'weekly_active', watermarkMs)];
    const key = learnerKey(event.tenantId, event.learnerId);
    const learner = this.learners.get(key);
    if (!learner) {
      const fresh = { tenantId: event.tenantId, firstWeek: week, weeks: [week] };
      this.learners.set(key, fresh);
      this.count(fresh, week, 1);
      this.count(fresh, week + WEEK_MS, 1);
    } else if (!learner.weeks.includes(week)) {
      // Only these weeks can change class: the event's (now active), the next (returning or churned) and
      // the former first week (no longer new). Weeks before the event's are closed or unaffected.
      const affected = [week, week + WEEK_MS];
      if (week < learner.firstWeek && learner.firstWeek !== week + WEEK_MS) affected.push(learner.firstWeek);
      for (const w of affected) this.count(learner, w, -1);
      if (week < learner.firstWeek) learner.firstWeek = week;
      learner.weeks = withWeek(learner.weeks, week, this.lastClosedWeek);
      for (const w of affected) this.count(learner, w, 1);
    }
    this.openWeeks.add(week);
    return [];
  }

  /** A session the session operator emitted (final): counted in the week it starts. */
  addSession(session: SessionWindowResult): void {
    const week = isoWeekStart(session.startMs);
    if (this.lastClosedWeek !== null && week <= this.lastClosedWeek) {
      // Cannot happen with the close rule above unless settings changed across a restart.
      sessionsAfterWeekClosed.inc();
      return;
    }
    let byTenant = this.sessions.get(week);
    if (!byTenant) {
      byTenant = new Map();
      this.sessions.set(week, byTenant);
    }
    const counts = byTenant.get(session.tenantId) ?? { sessions: 0, activeMs: 0 };
    counts.sessions += 1;
    counts.activeMs += Math.round(session.activeSeconds * 1000);
    byTenant.set(session.tenantId, counts);
    this.openWeeks.add(week);
  }

  *onWatermark(watermarkMs: number): Generator<Emission> {
    for (;;) {
      const week = this.earliestOpenWeek();
      if (week === undefined || !(watermarkMs > this.closesAfter(week))) return;
      for (const result of this.closeWeek(week)) yield { output: 'weekly_active', result };
    }
  }

  *snapshotEntries(): Generator<StateEntry> {
    yield [WEEKS, { openWeeks: Array.from(this.openWeeks), lastClosedWeek: this.lastClosedWeek }];
    for (const entry of this.learners) yield [LEARNERS, entry];
    for (const [week, byTenant] of this.counts) {
      for (const [tenantId, counts] of byTenant) yield [COUNTS, [week, tenantId, counts]];
    }
    for (const [week, byTenant] of this.sessions) {
      for (const [tenantId, counts] of byTenant) yield [SESSIONS, [week, tenantId, counts]];
    }
  }

  clear(): void {
    this.learners.clear();
    this.clearGlobals();
  }

  restoreEntry(section: string, value: unknown): boolean {
    if (section === WEEKS) {
      const { openWeeks, lastClosedWeek } = value as { openWeeks: number[]; lastClosedWeek: number | null };
      for (const week of openWeeks) this.openWeeks.add(week);
      this.lastClosedWeek = lastClosedWeek;
    } else if (section === LEARNERS) {
      const [key, learner] = value as [string, LearnerWeeks];
      this.learners.set(key, learner);
    } else if (section === COUNTS) {
      const [week, tenantId, counts] = value as [number, string, WeekCounts];
      byWeek(this.counts, week).set(tenantId, counts);
    } else if (section === SESSIONS) {
      const [week, tenantId, counts] = value as [number, string, WeekSessions];
      byWeek(this.sessions, week).set(tenantId, counts);
    } else return false;
    return true;
  }

  /** Version 1 kept no counts: they are rebuilt from the learners (one pass, old checkpoints only). */
  restoreLegacy(state: unknown): void {
    const s = state as LegacyWeeklyState;
    this.clear();
    this.lastClosedWeek = s.lastClosedWeek;
    for (const [key, learner] of s.learners) {
      this.learners.set(key, learner);
      for (const week of this.weeksCounted(learner)) this.count(learner, week, 1);
    }
    for (const [week, byTenant] of s.sessions) this.sessions.set(week, new Map(byTenant));
    for (const week of s.openWeeks) this.openWeeks.add(week);
  }

  /** Open weeks where the learner has a class: active weeks and the weeks after them. */
  private weeksCounted(learner: LearnerWeeks): number[] {
    const weeks: number[] = [];
    for (const w of learner.weeks) {
      for (const week of [w, w + WEEK_MS]) {
        if (this.lastClosedWeek !== null && week <= this.lastClosedWeek) continue;
        if (!weeks.includes(week)) weeks.push(week);
      }
    }
    return weeks;
  }

  /** Adds (+1) or removes (−1) the learner's class in `week` to its tenant's counts. */
  private count(learner: LearnerWeeks, week: number, sign: 1 | -1): void {
    if (this.lastClosedWeek !== null && week <= this.lastClosedWeek) return;
    const cls = classOf(learner, week);
    if (cls === null) return;
    const byTenant = byWeek(this.counts, week);
    let counts = byTenant.get(learner.tenantId);
    if (!counts) {
      counts = { active: 0, new: 0, returning: 0, reactivated: 0, churned: 0 };
      byTenant.set(learner.tenantId, counts);
    }
    counts[cls] += sign;
    if (cls !== 'churned') counts.active += sign;
    if (counts.active === 0 && counts.churned === 0) {
      byTenant.delete(learner.tenantId);
      if (byTenant.size === 0) this.counts.delete(week);
    }
  }

  private earliestOpenWeek(): number | undefined {
    let min: number | undefined;
    for (const w of this.openWeeks) if (min === undefined || w < min) min = w;
    return min;
  }

  /** The week's rows, one per tenant with active or churned learners or sessions, by tenant id. */
  private closeWeek(week: number): WeeklyActivePartialResult[] {
    const rows = new Map<string, WeeklyActivePartialResult>();
    const row = (tenantId: string): WeeklyActivePartialResult => {
      let r = rows.get(tenantId);
      if (!r) {
        r = {
          tenantId,
          weekStart: utcDayLabel(week),
          isoWeek: isoWeekLabel(week),
          active: 0,
          new: 0,
          returning: 0,
          reactivated: 0,
          churned: 0,
          sessions: 0,
          learningMinutes: 0,
        };
        rows.set(tenantId, r);
      }
      return r;
    };
    let anyActive = false;
    for (const [tenantId, counts] of this.counts.get(week) ?? []) {
      const r = row(tenantId);
      r.active = counts.active;
      r.new = counts.new;
      r.returning = counts.returning;
      r.reactivated = counts.reactivated;
      r.churned = counts.churned;
      if (counts.active > 0) anyActive = true;
    }
    for (const [tenantId, counts] of this.sessions.get(week) ?? []) {
      const r = row(tenantId);
      r.sessions = counts.sessions;
      r.learningMinutes = counts.activeMs / 60_000;
    }
    this.counts.delete(week);
    this.sessions.delete(week);
    this.openWeeks.delete(week);
    if (anyActive) this.openWeeks.add(week + WEEK_MS); // next week reports the churned
    this.lastClosedWeek = week;
    return Array.from(rows.values()).sort((a, b) => compareStrings(a.tenantId, b.tenantId));
  }
}

function byWeek<V>(map: Map<number, Map<string, V>>, week: number): Map<string, V> {
  let byTenant = map.get(week);
  if (!byTenant) {
    byTenant = new Map();
    map.set(week, byTenant);
  }
  return byTenant;
}

/** `weeks` with `week` added, ascending, without weeks before the last closed one (no open week looks at them). */
function withWeek(weeks: number[], week: number, lastClosedWeek: number | null): number[] {
  const out: number[] = [];
  for (const w of weeks) if (lastClosedWeek === null || w >= lastClosedWeek) out.push(w);
  out.push(week);
  return out.sort((a, b) => a - b);
}

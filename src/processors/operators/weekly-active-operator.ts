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
import { compareStrings, type Emission, lateEvent, learnerKey, type Operator } from './operator.js';

interface LearnerWeeks {
  tenantId: string;
  /** Week start of the first activity ever seen. */
  firstWeek: number;
  /** Active week starts not yet needed no more: the last closed week and later. */
  weeks: number[];
}

interface WeekSessions {
  sessions: number;
  activeMs: number;
}

export interface WeeklyActiveOperatorState {
  learners: [string, LearnerWeeks][];
  sessions: [number, [string, WeekSessions][]][];
  /** Weeks to close, ascending: weeks with activity or sessions, and the week after an active one (churn). */
  openWeeks: number[];
  lastClosedWeek: number | null;
}

type WeeklySettings = Pick<EngineSettings, 'allowedLatenessMs' | 'maxSessionMs' | 'sessionGapMs'>;

export class WeeklyActiveOperator implements Operator {
  private readonly learners = new Map<string, LearnerWeeks>();
  private readonly sessions = new Map<number, Map<string, WeekSessions>>();
  private readonly openWeeks = new Set<number>();
  private lastClosedWeek: number | null = null;

  constructor(private readonly settings: WeeklySettings) {}

  /** Watermark past which week `weekStart` is final. */
  closesAfter(weekStart: number): number {
    const s = this.settings;
    return weekStart + WEEK_MS + s.allowedLatenessMs + s.maxSessionMs + s.sessionGapMs;
  }

  /** Per-tenant session sums hold no learner; only the learner's activity history goes. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    return this.learners.delete(learnerKey(tenantId, learnerId));
  }

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const week = isoWeekStart(event.occurredAt);
    if (watermarkMs > this.closesAfter(week)) return [lateEvent(event, 'weekly_active', watermarkMs)];
    const key = learnerKey(event.tenantId, event.learnerId);
    const learner = this.learners.get(key);
    if (!learner) this.learners.set(key, { tenantId: event.tenantId, firstWeek: week, weeks: [week] });
    else {
      if (week < learner.firstWeek) learner.firstWeek = week;
      if (!learner.weeks.includes(week)) learner.weeks = [...learner.weeks, week].sort((a, b) => a - b);
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

  onWatermark(watermarkMs: number): Emission[] {
    const out: Emission[] = [];
    for (;;) {
      const week = this.earliestOpenWeek();
      if (week === undefined || !(watermarkMs > this.closesAfter(week))) break;
      for (const result of this.closeWeek(week)) out.push({ output: 'weekly_active', result });
    }
    return out;
  }

  snapshot(): WeeklyActiveOperatorState {
    return {
      learners: [...this.learners.entries()].sort((a, b) => compareStrings(a[0], b[0])),
      sessions: [...this.sessions.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([week, byTenant]) => [week, [...byTenant.entries()].sort((a, b) => compareStrings(a[0], b[0]))]),
      openWeeks: [...this.openWeeks].sort((a, b) => a - b),
      lastClosedWeek: this.lastClosedWeek,
    };
  }

  restore(state: unknown): void {
    const s = state as WeeklyActiveOperatorState;
    this.learners.clear();
    this.sessions.clear();
    this.openWeeks.clear();
    for (const [key, learner] of s.learners) this.learners.set(key, learner);
    for (const [week, byTenant] of s.sessions) this.sessions.set(week, new Map(byTenant));
    for (const week of s.openWeeks) this.openWeeks.add(week);
    this.lastClosedWeek = s.lastClosedWeek;
  }

  private earliestOpenWeek(): number | undefined {
    let min: number | undefined;
    for (const w of this.openWeeks) if (min === undefined || w < min) min = w;
    return min;
  }

  private closeWeek(week: number): WeeklyActivePartialResult[] {
    const previous = week - WEEK_MS;
    const byTenant = new Map<string, WeeklyActivePartialResult>();
    const row = (tenantId: string): WeeklyActivePartialResult => {
      let r = byTenant.get(tenantId);
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
        byTenant.set(tenantId, r);
      }
      return r;
    };
    let anyActive = false;
    for (const learner of this.learners.values()) {
      const now = learner.weeks.includes(week);
      const before = learner.weeks.includes(previous);
      if (now) {
        anyActive = true;
        const r = row(learner.tenantId);
        r.active += 1;
        if (learner.firstWeek === week) r.new += 1;
        else if (before) r.returning += 1;
        else r.reactivated += 1;
      } else if (before) row(learner.tenantId).churned += 1;
      // Only this week and later matter from now on.
      if (learner.weeks.length > 0 && learner.weeks[0]! < week) learner.weeks = learner.weeks.filter((w) => w >= week);
    }
    for (const [tenantId, counts] of this.sessions.get(week) ?? []) {
      const r = row(tenantId);
      r.sessions = counts.sessions;
      r.learningMinutes = counts.activeMs / 60_000;
    }
    this.sessions.delete(week);
    this.openWeeks.delete(week);
    if (anyActive) this.openWeeks.add(week + WEEK_MS); // next week reports the churned
    this.lastClosedWeek = week;
    return [...byTenant.values()].sort((a, b) => compareStrings(a.tenantId, b.tenantId));
  }
}

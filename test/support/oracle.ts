// The oracle: independent, simple batch computations of what the engine must
// produce for a finite set of events. Written from PRODUCT.md's definitions,
// separately from the streaming operators (no shared code), so an end-to-end
// test can compare the engine's ClickHouse rows with it.
import type { LearningEvent } from '../../src/ingest/event.js';

export interface OracleSession {
  tenantId: string;
  learnerId: string;
  startMs: number;
  endMs: number;
  eventCount: number;
  questionAttempts: number;
  questionsCorrect: number;
  /** Sum of gaps between consecutive events shorter than the idle threshold, in seconds. */
  activeSeconds: number;
  topics: string[];
}

/**
 * Sessions: per learner, events sorted by time; a silence of `gapMs` or more
 * ends a session; a session spans at most `maxMs` from its first event (the
 * next event after start + maxMs opens a new one).
 */
export function oracleSessions(
  events: readonly LearningEvent[],
  gapMs: number,
  maxMs: number,
  idleMs: number,
): OracleSession[] {
  const byLearner = new Map<string, LearningEvent[]>();
  for (const e of events) {
    const k = `${e.tenantId}\u0000${e.learnerId}`;
    const list = byLearner.get(k) ?? [];
    list.push(e);
    byLearner.set(k, list);
  }
  const out: OracleSession[] = [];
  for (const list of byLearner.values()) {
    list.sort((a, b) => a.occurredAt - b.occurredAt);
    let current: LearningEvent[] = [];
    const close = () => {
      if (current.length === 0) return;
      const topics = new Set<string>();
      let attempts = 0;
      let correct = 0;
      for (const e of current) {
        if (e.body.kind === 'question_attempt') {
          attempts++;
          if (e.body.correct) correct++;
          for (const t of e.body.topicIds) topics.add(t);
        } else if (e.body.kind === 'content_interaction') {
          for (const t of e.body.topicIds) topics.add(t);
        }
      }
      const first = current[0] as LearningEvent;
      const last = current[current.length - 1] as LearningEvent;
      let activeMs = 0;
      for (let i = 1; i < current.length; i++) {
        const gap = (current[i] as LearningEvent).occurredAt - (current[i - 1] as LearningEvent).occurredAt;
        if (gap < idleMs) activeMs += gap;
      }
      out.push({
        tenantId: first.tenantId,
        learnerId: first.learnerId,
        startMs: first.occurredAt,
        endMs: last.occurredAt,
        eventCount: current.length,
        questionAttempts: attempts,
        questionsCorrect: correct,
        activeSeconds: activeMs / 1000,
        topics: [...topics].sort(),
      });
      current = [];
    };
    for (const e of list) {
      const first = current[0];
      const last = current[current.length - 1];
      if (first && last && (e.occurredAt - last.occurredAt >= gapMs || e.occurredAt > first.occurredAt + maxMs))
        close();
      current.push(e);
    }
    close();
  }
  return out.sort(
    (a, b) => a.tenantId.localeCompare(b.tenantId) || a.learnerId.localeCompare(b.learnerId) || a.startMs - b.startMs,
  );
}

/** Monday 00:00 UTC of the ISO week containing `ms`, as YYYY-MM-DD. */
export function isoWeekMonday(ms: number): string {
  const d = new Date(ms);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - dow);
  return new Date(monday).toISOString().slice(0, 10);
}

export interface OracleWeek {
  tenantId: string;
  weekStart: string;
  active: number;
  new: number;
  returning: number;
  reactivated: number;
  churned: number;
  sessions: number;
}

/**
 * Weekly active per tenant × ISO week, from sets of learners active per week:
 * new = first week ever; returning = also active the week before; reactivated
 * = not the week before but some earlier week; churned = active the week
 * before, not this one. Sessions are counted in the week they start.
 * Weeks listed: every week from the tenant's first active week to the week
 * after its last active one (so the final churn shows).
 */
export function oracleWeekly(events: readonly LearningEvent[], sessions: readonly OracleSession[]): OracleWeek[] {
  const WEEK = 7 * 86_400_000;
  const activeByTenantWeek = new Map<string, Map<string, Set<string>>>();
  for (const e of events) {
    const weeks = activeByTenantWeek.get(e.tenantId) ?? new Map<string, Set<string>>();
    const w = isoWeekMonday(e.occurredAt);
    const set = weeks.get(w) ?? new Set<string>();
    set.add(e.learnerId);
    weeks.set(w, set);
    activeByTenantWeek.set(e.tenantId, weeks);
  }
  const out: OracleWeek[] = [];
  for (const [tenantId, weeks] of activeByTenantWeek) {
    const sorted = [...weeks.keys()].sort();
    const first = Date.parse(`${sorted[0]}T00:00:00Z`);
    const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`) + WEEK;
    const everBefore = new Set<string>();
    let previous = new Set<string>();
    for (let w = first; w <= last; w += WEEK) {
      const weekStart = new Date(w).toISOString().slice(0, 10);
      const now = weeks.get(weekStart) ?? new Set<string>();
      let fresh = 0;
      let returning = 0;
      let reactivated = 0;
      for (const l of now) {
        if (!everBefore.has(l)) fresh++;
        else if (previous.has(l)) returning++;
        else reactivated++;
      }
      let churned = 0;
      for (const l of previous) if (!now.has(l)) churned++;
      const sessionCount = sessions.filter(
        (s) => s.tenantId === tenantId && isoWeekMonday(s.startMs) === weekStart,
      ).length;
      out.push({
        tenantId,
        weekStart,
        active: now.size,
        new: fresh,
        returning,
        reactivated,
        churned,
        sessions: sessionCount,
      });
      for (const l of now) everBefore.add(l);
      previous = now;
    }
  }
  return out.sort((a, b) => a.tenantId.localeCompare(b.tenantId) || a.weekStart.localeCompare(b.weekStart));
}

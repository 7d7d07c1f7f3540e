// Sessions per learner (PRODUCT.md "The three core operators", 1): gap-based
// session windows in event time, merged when an allowed late event bridges
// two, split at the maximum length, each emitted once when final.
//
// Rules (gap G, allowed lateness L, cap M, partition watermark W):
// - Two events are in one session when less than G apart (a silence of G or
//   more ends a session); a session lasts at most M: a longer run of activity
//   (a "cluster") is cut greedily from its first event into sessions of at
//   most M (events with t ≤ start + M).
// - A cluster is final when W > last + G + L (its window [last, last + G) plus
//   the lateness). Its leading session is final earlier, when
//   W > start + M + G + L, so long runs do not hold sessions back.
// - An event at t is too late when W > t + G + L (its own window is final), or
//   when t < last + G of a cluster already emitted for the learner (it would
//   change an emitted session). Too-late events go to the late output, unapplied.
// Any accepted event has t ≥ W − G − L, which is why the early cut of a
// leading session can never be undone by a later arrival.
import type { LearningEvent } from '../../ingest/event.js';
import type { SessionWindowResult } from '../results.js';
import type { EngineSettings } from '../settings.js';
import { EventTimeTimers } from '../time/timers.js';
import {
  comparePoints,
  firstChunkLength,
  joinsCluster,
  mergeClusters,
  type SessionPoint,
  summariseSession,
  toSessionPoint,
} from '../windows/session-window.js';
import {
  type Emission,
  type LearnerChanges,
  lateEvent,
  learnerKey,
  noLearnerChanges,
  type Operator,
  type StateEntry,
} from './operator.js';

interface LearnerSessions {
  tenantId: string;
  learnerId: string;
  /** Open clusters, sorted and disjoint. */
  clusters: SessionPoint[][];
  /** Last event time of the newest emitted cluster, until it can no longer matter. */
  closedLastMs: number | null;
}

/** Version-1 checkpoint state (one JSON object). */
interface LegacySessionState {
  learners: [string, LearnerSessions][];
  timers: [string, number][];
}

const LEARNERS = 'sessions.learners';
const TIMERS = 'sessions.timers';

type SessionSettings = Pick<EngineSettings, 'sessionGapMs' | 'maxSessionMs' | 'idleThresholdMs' | 'allowedLatenessMs'>;

export class SessionWindowOperator implements Operator {
  private readonly learners = new Map<string, LearnerSessions>();
  private readonly timers = new EventTimeTimers();

  constructor(
    private readonly settings: SessionSettings,
    private readonly changes: LearnerChanges = noLearnerChanges,
  ) {}

  forgetLearner(tenantId: string, learnerId: string): boolean {
    const key = learnerKey(tenantId, learnerId);
    const held = this.learners.has(key);
    this.dropLearner(key);
    return held;
  }

  *learnerEntries(key: string): Generator<StateEntry> {
    const learner = this.learners.get(key);
    if (learner) yield [LEARNERS, [key, learner]];
    const due = this.timers.dueOf(key);
    if (due !== undefined) yield [TIMERS, [key, due]];
  }

  globalEntries(): Iterable<StateEntry> {
    return [];
  }

  dropLearner(key: string): void {
    this.timers.cancel(key);
    this.learners.delete(key);
  }

  clearGlobals(): void {}

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const { sessionGapMs: gap, allowedLatenessMs: lateness } = this.settings;
    const key = learnerKey(event.tenantId, event.learnerId);
    const t = event.occurredAt;
    const learner = this.learners.get(key);
    const bridgesEmitted = learner?.closedLastMs != null && t < learner.closedLastMs + gap;
    if (watermarkMs > t + gap + lateness || bridgesEmitted) return [lateEvent(event, 'sessions', watermarkMs)];

    const state = learner ?? {
      tenantId: event.tenantId,
      learnerId: event.learnerId,
      clusters: [],
      closedLastMs: null,
    };
    const point = toSessionPoint(event);
    const joined: SessionPoint[][] = [];
    const rest: SessionPoint[][] = [];
    for (const c of state.clusters) (joinsCluster(c, t, gap) ? joined : rest).push(c);
    const only = joined.length === 1 ? joined[0]! : undefined;
    if (only && comparePoints(point, only[only.length - 1]!) > 0) {
      only.push(point); // in-order arrival: no merge, no sort
    } else {
      rest.push(mergeClusters(joined, point));
      state.clusters = rest.sort((a, b) => a[0]!.t - b[0]!.t);
    }
    this.learners.set(key, state);
    this.timers.schedule(key, this.nextDue(state));
    return [];
  }

  /** Learners whose timer the watermark passed, in (time, key) order; their final sessions one per step. */
  *onWatermark(watermarkMs: number): Generator<Emission> {
    for (const key of this.timers.firing(watermarkMs)) {
      this.changes.touch(key);
      const learner = this.learners.get(key);
      if (!learner) continue;
      for (const session of this.emitFinal(learner, watermarkMs)) yield { output: 'sessions', result: session };
      if (learner.clusters.length > 0) this.timers.schedule(key, this.nextDue(learner));
      else if (learner.closedLastMs !== null && watermarkMs <= this.forgetAfter(learner.closedLastMs)) {
        this.timers.schedule(key, this.forgetAfter(learner.closedLastMs));
      } else this.learners.delete(key);
    }
  }

  *snapshotEntries(): Generator<StateEntry> {
    for (const entry of this.learners) yield [LEARNERS, entry];
    for (const entry of this.timers.entries()) yield [TIMERS, entry];
  }

  clear(): void {
    this.learners.clear();
    this.timers.clear();
  }

  restoreEntry(section: string, value: unknown): boolean {
    if (section === LEARNERS) {
      const [key, learner] = value as [string, LearnerSessions];
      this.learners.set(key, learner);
    } else if (section === TIMERS) {
      const [key, time] = value as [string, number];
      this.timers.schedule(key, time);
    } else return false;
    return true;
  }

  restoreLegacy(state: unknown): void {
    const s = state as LegacySessionState;
    this.clear();
    for (const [key, learner] of s.learners) this.learners.set(key, learner);
    this.timers.restore(s.timers);
  }

  /** Number of learners with state (for tests and metrics). */
  get learnerCount(): number {
    return this.learners.size;
  }

  private emitFinal(learner: LearnerSessions, watermarkMs: number): SessionWindowResult[] {
    const { sessionGapMs: gap, allowedLatenessMs: lateness, maxSessionMs: cap } = this.settings;
    const ctx = {
      tenantId: learner.tenantId,
      learnerId: learner.learnerId,
      idleThresholdMs: this.settings.idleThresholdMs,
    };
    const out: SessionWindowResult[] = [];
    const open: SessionPoint[][] = [];
    for (let cluster of learner.clusters) {
      const closed = watermarkMs > cluster[cluster.length - 1]!.t + gap + lateness;
      // Cut leading sessions that are final: all of the cluster when it closed,
      // otherwise those whose end of cap is past the watermark's reach.
      while (cluster.length > 0) {
        const n = firstChunkLength(cluster, cap);
        const leadingFinal = n < cluster.length && watermarkMs > cluster[0]!.t + cap + gap + lateness;
        if (!closed && !leadingFinal) break;
        out.push(summariseSession(cluster.slice(0, n), ctx));
        if (n === cluster.length) learner.closedLastMs = cluster[n - 1]!.t;
        cluster = cluster.slice(n);
      }
      if (cluster.length > 0) open.push(cluster);
    }
    learner.clusters = open;
    return out;
  }

  /** When a learner's next session (or leading session) becomes final. */
  private nextDue(learner: LearnerSessions): number {
    const { sessionGapMs: gap, allowedLatenessMs: lateness, maxSessionMs: cap } = this.settings;
    let due = Number.POSITIVE_INFINITY;
    for (const c of learner.clusters) {
      const first = c[0]!.t;
      const last = c[c.length - 1]!.t;
      due = Math.min(due, last + gap + lateness);
      if (last - first > cap) due = Math.min(due, first + cap + gap + lateness);
    }
    return due;
  }

  /** Past this watermark every event the frontier could refuse is refused by the lateness rule anyway. */
  private forgetAfter(closedLastMs: number): number {
    return closedLastMs + 2 * this.settings.sessionGapMs + this.settings.allowedLatenessMs;
  }
}

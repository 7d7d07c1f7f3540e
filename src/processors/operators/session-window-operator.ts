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
import { IndexedTimers } from '../time/timers.js';
import type { SessionPoint } from '../windows/session-window.js';
import {
  compareStrings,
  type Emission,
  type LearnerChanges,
  lateEvent,
  learnerKey,
  noLearnerChanges,
  type Operator,
  type StateEntry,
} from './operator.js';
import { SessionStore, type StoredLearnerSessions } from './session-store.js';

/** Version-1 checkpoint state (one JSON object). */
interface LegacySessionState {
  learners: [string, StoredLearnerSessions][];
  timers: [string, number][];
}

const LEARNERS = 'sessions.learners';
const TIMERS = 'sessions.timers';

type SessionSettings = Pick<EngineSettings, 'sessionGapMs' | 'maxSessionMs' | 'idleThresholdMs' | 'allowedLatenessMs'>;

export class SessionWindowOperator implements Operator {
  /** Open clusters per learner, packed (see session-store.ts). */
  private readonly store = new SessionStore();
  /** One timer per learner slot, ties in learner key order. */
  private readonly timers = new IndexedTimers((a, b) => compareStrings(this.store.keyOf(a), this.store.keyOf(b)) < 0);

  constructor(
    private readonly settings: SessionSettings,
    private readonly changes: LearnerChanges = noLearnerChanges,
  ) {}

  forgetLearner(tenantId: string, learnerId: string): boolean {
    const key = learnerKey(tenantId, learnerId);
    const held = this.store.slots.has(key);
    this.dropLearner(key);
    return held;
  }

  *learnerEntries(key: string): Generator<StateEntry> {
    const slot = this.store.slots.get(key);
    if (slot === undefined) return;
    yield [LEARNERS, [key, this.storedLearner(slot)]];
    const due = this.timers.dueOf(slot);
    if (due !== undefined) yield [TIMERS, [key, due]];
  }

  globalEntries(): Iterable<StateEntry> {
    return [];
  }

  learnerKeys(): Iterable<string> {
    return this.store.slots.keys();
  }

  *learnersEntries(keys: readonly string[]): Generator<StateEntry> {
    for (const key of keys) {
      const slot = this.store.slots.get(key);
      if (slot !== undefined) yield [LEARNERS, [key, this.storedLearner(slot)]];
    }
    for (const key of keys) {
      const slot = this.store.slots.get(key);
      const due = slot === undefined ? undefined : this.timers.dueOf(slot);
      if (due !== undefined) yield [TIMERS, [key, due]];
    }
  }

  dropLearner(key: string): void {
    const slot = this.store.slots.get(key);
    if (slot === undefined) return;
    this.timers.cancel(slot);
    this.store.removeLearner(slot);
  }

  clearGlobals(): void {}

  process(event: LearningEvent, watermarkMs: number): Emission[] {
    const { sessionGapMs: gap, allowedLatenessMs: lateness } = this.settings;
    const store = this.store;
    const key = learnerKey(event.tenantId, event.learnerId);
    const t = event.occurredAt;
    let slot = store.slots.get(key);
    const closedLastMs = slot === undefined ? null : store.closedLastMs(slot);
    const bridgesEmitted = closedLastMs !== null && t < closedLastMs + gap;
    if (watermarkMs > t + gap + lateness || bridgesEmitted) return [lateEvent(event, 'sessions', watermarkMs)];

    slot ??= store.addLearner(key, event.tenantId);
    const point = store.addEventPoint(event);
    const joined: number[] = [];
    for (const c of store.clustersOf(slot))
      if (t > store.firstTime(c) - gap && t < store.lastTime(c) + gap) joined.push(c);
    const only = joined.length === 1 ? joined[0]! : -1;
    if (only >= 0 && store.comparePoints(point, store.tail(only)) > 0) {
      store.appendPoint(only, point); // in-order arrival: no merge, no sort
    } else store.mergeInto(slot, joined, point);
    this.timers.schedule(slot, this.nextDue(slot));
    return [];
  }

  /** Learners whose timer the watermark passed, in (time, key) order; their final sessions one per step. */
  *onWatermark(watermarkMs: number): Generator<Emission> {
    const store = this.store;
    for (const slot of this.timers.firing(watermarkMs)) {
      this.changes.touch(store.keyOf(slot));
      for (const session of this.emitFinal(slot, watermarkMs)) yield { output: 'sessions', result: session };
      const closedLastMs = store.closedLastMs(slot);
      if (store.hasClusters(slot)) this.timers.schedule(slot, this.nextDue(slot));
      else if (closedLastMs !== null && watermarkMs <= this.forgetAfter(closedLastMs)) {
        this.timers.schedule(slot, this.forgetAfter(closedLastMs));
      } else store.removeLearner(slot);
    }
  }

  /** Learners in the order they came, then their timers in the same order. */
  *snapshotEntries(): Generator<StateEntry> {
    for (const [key, slot] of this.store.slots) yield [LEARNERS, [key, this.storedLearner(slot)]];
    for (const [key, slot] of this.store.slots) {
      const due = this.timers.dueOf(slot);
      if (due !== undefined) yield [TIMERS, [key, due]];
    }
  }

  clear(): void {
    this.timers.clear();
    this.store.clear();
  }

  restoreEntry(section: string, value: unknown): boolean {
    if (section === LEARNERS) {
      const [key, learner] = value as [string, StoredLearnerSessions];
      this.restoreLearner(key, learner);
    } else if (section === TIMERS) {
      const [key, time] = value as [string, number];
      this.restoreTimer(key, time);
    } else return false;
    return true;
  }

  restoreLegacy(state: unknown): void {
    const s = state as LegacySessionState;
    this.clear();
    for (const [key, learner] of s.learners) this.restoreLearner(key, learner);
    for (const [key, time] of s.timers) this.restoreTimer(key, time);
  }

  /** Number of learners with state (for tests and metrics). */
  get learnerCount(): number {
    return this.store.slots.size;
  }

  private restoreLearner(key: string, learner: StoredLearnerSessions): void {
    checkLearner(key, learner);
    this.dropLearner(key);
    const slot = this.store.addLearner(key, learner.tenantId);
    if (learner.closedLastMs !== null) this.store.setClosedLastMs(slot, learner.closedLastMs);
    for (const cluster of learner.clusters) this.store.restoreCluster(slot, cluster);
  }

  /** A timer of a learner without state would fire with nothing to emit: it is not kept. */
  private restoreTimer(key: string, time: number): void {
    if (typeof key !== 'string' || typeof time !== 'number') throw new TypeError('a malformed sessions.timers entry');
    const slot = this.store.slots.get(key);
    if (slot !== undefined) this.timers.schedule(slot, time);
  }

  private storedLearner(slot: number): StoredLearnerSessions {
    const store = this.store;
    const clusters: SessionPoint[][] = [];
    for (const c of store.clustersOf(slot)) clusters.push(Array.from(store.pointsOf(c), (p) => store.stored(p)));
    return {
      tenantId: store.tenantIdOf(slot),
      learnerId: store.learnerIdOf(slot),
      clusters,
      closedLastMs: store.closedLastMs(slot),
    };
  }

  private emitFinal(slot: number, watermarkMs: number): SessionWindowResult[] {
    const { sessionGapMs: gap, allowedLatenessMs: lateness, maxSessionMs: cap } = this.settings;
    const store = this.store;
    const out: SessionWindowResult[] = [];
    for (const c of Array.from(store.clustersOf(slot))) {
      const closed = watermarkMs > store.lastTime(c) + gap + lateness;
      // Cut leading sessions that are final: all of the cluster when it closed,
      // otherwise those whose end of cap is past the watermark's reach.
      for (;;) {
        const count = store.count(c);
        const first = store.firstTime(c);
        const n = this.firstChunkLength(c, cap);
        const leadingFinal = n < count && watermarkMs > first + cap + gap + lateness;
        if (!closed && !leadingFinal) break;
        const { session, lastMs } = this.summarise(slot, c, n);
        out.push(session);
        if (n === count) store.setClosedLastMs(slot, lastMs);
        store.dropLeading(slot, c, n);
        if (n === count) break;
      }
    }
    return out;
  }

  /** Points within the cap of the cluster's first one (a session lasts at most the cap). */
  private firstChunkLength(c: number, cap: number): number {
    const store = this.store;
    const limit = store.firstTime(c) + cap;
    let n = 0;
    for (const p of store.pointsOf(c)) {
      if (!(store.time(p) <= limit)) break;
      n++;
    }
    return n;
  }

  /** The session of the first `n` points of a cluster. */
  private summarise(slot: number, c: number, n: number): { session: SessionWindowResult; lastMs: number } {
    const store = this.store;
    const learnerId = store.learnerIdOf(slot);
    let activeMs = 0;
    let activityCount = 0;
    let questionAttempts = 0;
    let questionsCorrect = 0;
    let contentInteractions = 0;
    let iepUpdates = 0;
    const topics = new Set<string>();
    let startMs = 0;
    let previous = 0;
    let i = 0;
    for (const p of store.pointsOf(c)) {
      if (i === n) break;
      const t = store.time(p);
      if (i === 0) startMs = t;
      else {
        const gap = t - previous;
        if (gap < this.settings.idleThresholdMs) activeMs += gap;
      }
      previous = t;
      const kind = store.kind(p);
      if (kind === 'activity') activityCount++;
      else if (kind === 'question_attempt') {
        questionAttempts++;
        if (store.correct(p)) questionsCorrect++;
      } else if (kind === 'content_interaction') contentInteractions++;
      else iepUpdates++;
      for (const topic of store.topics(p) ?? []) topics.add(topic);
      i++;
    }
    const endMs = previous;
    const session: SessionWindowResult = {
      tenantId: store.tenantIdOf(slot),
      learnerId,
      sessionId: `${learnerId}:${startMs}`,
      startMs,
      endMs,
      durationMs: endMs - startMs,
      activeSeconds: activeMs / 1000,
      eventCount: n,
      activityCount,
      questionAttempts,
      questionsCorrect,
      contentInteractions,
      iepUpdates,
      topics: Array.from(topics).sort(),
    };
    return { session, lastMs: endMs };
  }

  /** When a learner's next session (or leading session) becomes final. */
  private nextDue(slot: number): number {
    const { sessionGapMs: gap, allowedLatenessMs: lateness, maxSessionMs: cap } = this.settings;
    const store = this.store;
    let due = Number.POSITIVE_INFINITY;
    for (const c of store.clustersOf(slot)) {
      const first = store.firstTime(c);
      const last = store.lastTime(c);
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

const KIND_NAMES = new Set(['activity', 'question_attempt', 'content_interaction', 'iep_goal_progress']);

/** A checkpointed learner, checked before it goes into typed columns (which would coerce anything). */
function checkLearner(key: string, learner: StoredLearnerSessions): void {
  const ok =
    typeof learner === 'object' &&
    learner !== null &&
    typeof learner.tenantId === 'string' &&
    typeof learner.learnerId === 'string' &&
    key === learnerKey(learner.tenantId, learner.learnerId) &&
    (learner.closedLastMs === null || typeof learner.closedLastMs === 'number') &&
    Array.isArray(learner.clusters) &&
    learner.clusters.every((cluster) => Array.isArray(cluster) && cluster.every(isPoint));
  if (!ok) throw new TypeError('a malformed sessions.learners entry');
}

function isPoint(p: SessionPoint): boolean {
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.t === 'number' &&
    typeof p.id === 'string' &&
    KIND_NAMES.has(p.kind) &&
    (p.correct === undefined || typeof p.correct === 'boolean') &&
    (p.topics === undefined || (Array.isArray(p.topics) && p.topics.every((topic) => typeof topic === 'string')))
  );
}

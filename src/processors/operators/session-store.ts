// The open sessions of every learner, packed: learners are slots (key, tenant
// index, first cluster, last emitted time), clusters are rows (first and last
// point, point count, next cluster of the learner, ordered by first time),
// points are rows chained in (time, event id) order: time, kind and
// correctness as small ints, topic ids as one interned list per distinct list,
// the event id as a packed UUID (16 bytes; any other id as its string), since
// dedup of a redelivered event and the checkpoint need it.
//
// Bytes per learner with one open session of one event: the key string and
// its Map entry, ~33 in learner columns and the timer, 16 per cluster, 34 per point.

import type { EventKind, LearningEvent } from '../../ingest/event.js';
import { FreeList, PagedFloat64, PagedInt32, PagedUint8, PagedUint32 } from '../state/columns.js';
import { packUuid, unpackUuid } from '../state/event-ids.js';
import { ownString, StringTable } from '../state/string-table.js';
import type { SessionPoint } from '../windows/session-window.js';
import { compareStrings } from './operator.js';

const KINDS: readonly EventKind[] = ['activity', 'question_attempt', 'content_interaction', 'iep_goal_progress'];
const PACKED_ID = 1;
const HAS_CORRECT = 2;
const CORRECT = 4;
const HAS_TOPICS = 8;

/** A learner as checkpointed (the unpacked layout). */
export interface StoredLearnerSessions {
  tenantId: string;
  learnerId: string;
  clusters: SessionPoint[][];
  closedLastMs: number | null;
}

export class SessionStore {
  private readonly tenants = new StringTable();
  /** Topic lists by their JSON text, and the lists themselves by index. */
  private readonly topicLists = new StringTable();
  private lists: (string[] | undefined)[] = [];

  // Learners.
  /** Learner key → slot, in the order learners came (what checkpoints follow). */
  readonly slots = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private readonly tenant = new PagedInt32();
  private readonly firstCluster = new PagedInt32();
  private readonly closedLast = new PagedFloat64();
  private readonly hasClosed = new PagedUint8();
  private learnerRows = 0;
  private readonly freeLearners = new FreeList();

  // Clusters.
  private readonly cHead = new PagedInt32();
  private readonly cTail = new PagedInt32();
  private readonly cCount = new PagedInt32();
  private readonly cNext = new PagedInt32();
  private clusterRows = 0;
  private readonly freeClusters = new FreeList();

  // Points.
  private readonly pT = new PagedFloat64();
  private readonly pId = new PagedUint32(); // 4 words per point
  private readonly pFlags = new PagedUint8();
  private readonly pKind = new PagedUint8();
  private readonly pTopics = new PagedInt32();
  private readonly pNext = new PagedInt32();
  private readonly otherIds = new Map<number, string>();
  private pointRows = 0;
  private readonly freePoints = new FreeList();

  // ---- learners ----

  keyOf(slot: number): string {
    return this.keys[slot]!;
  }

  tenantIdOf(slot: number): string {
    return this.tenants.get(this.tenant.get(slot));
  }

  learnerIdOf(slot: number): string {
    return this.keys[slot]!.slice(this.tenantIdOf(slot).length + 1);
  }

  closedLastMs(slot: number): number | null {
    return this.hasClosed.get(slot) ? this.closedLast.get(slot) : null;
  }

  setClosedLastMs(slot: number, ms: number): void {
    this.hasClosed.set(slot, 1);
    this.closedLast.set(slot, ms);
  }

  addLearner(learnerKey: string, tenantId: string): number {
    const key = ownString(learnerKey);
    let slot = this.freeLearners.pop();
    if (slot < 0) {
      slot = this.learnerRows++;
      this.tenant.ensure(slot + 1);
      this.firstCluster.ensure(slot + 1);
      this.closedLast.ensure(slot + 1);
      this.hasClosed.ensure(slot + 1);
    }
    this.slots.set(key, slot);
    this.keys[slot] = key;
    this.tenant.set(slot, this.tenants.acquire(tenantId));
    this.firstCluster.set(slot, -1);
    this.hasClosed.set(slot, 0);
    return slot;
  }

  /** Drops a learner with everything held (its clusters, points and interned strings). */
  removeLearner(slot: number): void {
    for (let c = this.firstCluster.get(slot); c >= 0; ) {
      const after = this.cNext.get(c);
      this.freeCluster(c, true);
      c = after;
    }
    this.slots.delete(this.keys[slot]!);
    this.tenants.release(this.tenant.get(slot));
    this.keys[slot] = undefined;
    this.freeLearners.push(slot);
  }

  // ---- clusters ----

  /** The learner's open clusters, by first time. */
  *clustersOf(slot: number): Generator<number> {
    for (let c = this.firstCluster.get(slot); c >= 0; c = this.cNext.get(c)) yield c;
  }

  hasClusters(slot: number): boolean {
    return this.firstCluster.get(slot) >= 0;
  }

  firstTime(c: number): number {
    return this.pT.get(this.cHead.get(c));
  }

  lastTime(c: number): number {
    return this.pT.get(this.cTail.get(c));
  }

  count(c: number): number {
    return this.cCount.get(c);
  }

  /** The cluster's points, in order. */
  *pointsOf(c: number): Generator<number> {
    for (let p = this.cHead.get(c); p >= 0; p = this.pNext.get(p)) yield p;
  }

  tail(c: number): number {
    return this.cTail.get(c);
  }

  appendPoint(c: number, p: number): void {
    this.pNext.set(this.cTail.get(c), p);
    this.pNext.set(p, -1);
    this.cTail.set(c, p);
    this.cCount.set(c, this.cCount.get(c) + 1);
  }

  /**
   * Replaces the `joined` clusters of a learner by one cluster of their points
   * and `p`, sorted by (time, id); a point equal in both to the one before it is
   * dropped (a redelivered event counts once; the one held first stays).
   */
  mergeInto(slot: number, joined: readonly number[], p: number): void {
    const all: number[] = [];
    for (const c of joined) for (const q of this.pointsOf(c)) all.push(q);
    all.push(p);
    all.sort((a, b) => this.comparePoints(a, b));
    for (const c of joined) {
      this.unlinkCluster(slot, c);
      this.freeCluster(c, false);
    }
    const c = this.newCluster();
    let count = 0;
    let tail = -1;
    for (let i = 0; i < all.length; i++) {
      const q = all[i]!;
      if (i > 0 && this.pT.get(q) === this.pT.get(all[i - 1]!) && this.sameId(q, all[i - 1]!)) {
        this.freePoint(q);
        continue;
      }
      if (tail < 0) this.cHead.set(c, q);
      else this.pNext.set(tail, q);
      tail = q;
      count++;
    }
    this.pNext.set(tail, -1);
    this.cTail.set(c, tail);
    this.cCount.set(c, count);
    this.linkCluster(slot, c);
  }

  /** Adds a cluster of checkpointed points (in their order) after the learner's others. */
  restoreCluster(slot: number, points: readonly SessionPoint[]): void {
    if (points.length === 0) return;
    const c = this.newCluster();
    let tail = -1;
    for (const point of points) {
      const q = this.addStoredPoint(point);
      if (tail < 0) this.cHead.set(c, q);
      else this.pNext.set(tail, q);
      tail = q;
    }
    this.pNext.set(tail, -1);
    this.cTail.set(c, tail);
    this.cCount.set(c, points.length);
    let last = -1;
    for (let x = this.firstCluster.get(slot); x >= 0; x = this.cNext.get(x)) last = x;
    this.cNext.set(c, -1);
    if (last < 0) this.firstCluster.set(slot, c);
    else this.cNext.set(last, c);
  }

  /** Drops the first `n` points of a cluster (emitted); an emptied cluster leaves the learner. */
  dropLeading(slot: number, c: number, n: number): void {
    let p = this.cHead.get(c);
    for (let i = 0; i < n; i++) {
      const after = this.pNext.get(p);
      this.freePoint(p);
      p = after;
    }
    this.cCount.set(c, this.cCount.get(c) - n);
    if (this.cCount.get(c) === 0) {
      this.unlinkCluster(slot, c);
      this.freeCluster(c, false);
    } else this.cHead.set(c, p);
  }

  // ---- points ----

  /** A new point of an event (not yet in a cluster). */
  addEventPoint(event: LearningEvent): number {
    const p = this.newPoint(event.occurredAt, event.eventId, KINDS.indexOf(event.body.kind));
    const body = event.body;
    if (body.kind === 'question_attempt') {
      this.pFlags.set(p, this.pFlags.get(p) | HAS_CORRECT | (body.correct ? CORRECT : 0) | HAS_TOPICS);
      this.pTopics.set(p, this.acquireTopics(body.topicIds));
    } else if (body.kind === 'content_interaction') {
      this.pFlags.set(p, this.pFlags.get(p) | HAS_TOPICS);
      this.pTopics.set(p, this.acquireTopics(body.topicIds));
    }
    return p;
  }

  /** A new single-point cluster for the learner. */
  newSoloCluster(slot: number, p: number): void {
    const c = this.newCluster();
    this.cHead.set(c, p);
    this.cTail.set(c, p);
    this.cCount.set(c, 1);
    this.pNext.set(p, -1);
    this.linkCluster(slot, c);
  }

  time(p: number): number {
    return this.pT.get(p);
  }

  next(p: number): number {
    return this.pNext.get(p);
  }

  kind(p: number): EventKind {
    return KINDS[this.pKind.get(p)]!;
  }

  correct(p: number): boolean {
    return (this.pFlags.get(p) & CORRECT) !== 0;
  }

  topics(p: number): readonly string[] | undefined {
    return this.pFlags.get(p) & HAS_TOPICS ? this.lists[this.pTopics.get(p)] : undefined;
  }

  idOf(p: number): string {
    if (!(this.pFlags.get(p) & PACKED_ID)) return this.otherIds.get(p)!;
    const w = 4 * p;
    return unpackUuid(this.pId.get(w), this.pId.get(w + 1), this.pId.get(w + 2), this.pId.get(w + 3));
  }

  /** (time, event id) order, the event ids compared as strings. */
  comparePoints(a: number, b: number): number {
    const dt = this.pT.get(a) - this.pT.get(b);
    if (dt !== 0) return dt;
    if (this.pFlags.get(a) & this.pFlags.get(b) & PACKED_ID) {
      for (let i = 0; i < 4; i++) {
        const d = this.pId.get(4 * a + i) - this.pId.get(4 * b + i);
        if (d !== 0) return d;
      }
      return 0;
    }
    return compareStrings(this.idOf(a), this.idOf(b));
  }

  /** The point as checkpointed. */
  stored(p: number): SessionPoint {
    const point: SessionPoint = { t: this.pT.get(p), id: this.idOf(p), kind: this.kind(p) };
    const flags = this.pFlags.get(p);
    if (flags & HAS_CORRECT) point.correct = (flags & CORRECT) !== 0;
    if (flags & HAS_TOPICS) point.topics = this.lists[this.pTopics.get(p)]!.slice();
    return point;
  }

  clear(): void {
    this.tenants.clear();
    this.topicLists.clear();
    this.lists = [];
    this.slots.clear();
    this.keys = [];
    this.learnerRows = 0;
    this.freeLearners.clear();
    this.clusterRows = 0;
    this.freeClusters.clear();
    this.pointRows = 0;
    this.freePoints.clear();
    this.otherIds.clear();
  }

  private sameId(a: number, b: number): boolean {
    const fa = this.pFlags.get(a) & PACKED_ID;
    if (fa !== (this.pFlags.get(b) & PACKED_ID)) return this.idOf(a) === this.idOf(b);
    if (!fa) return this.otherIds.get(a) === this.otherIds.get(b);
    for (let i = 0; i < 4; i++) if (this.pId.get(4 * a + i) !== this.pId.get(4 * b + i)) return false;
    return true;
  }

  private addStoredPoint(point: SessionPoint): number {
    const kind = KINDS.indexOf(point.kind);
    const p = this.newPoint(point.t, point.id, kind);
    if (point.correct !== undefined)
      this.pFlags.set(p, this.pFlags.get(p) | HAS_CORRECT | (point.correct ? CORRECT : 0));
    if (point.topics !== undefined) {
      this.pFlags.set(p, this.pFlags.get(p) | HAS_TOPICS);
      this.pTopics.set(p, this.acquireTopics(point.topics));
    }
    return p;
  }

  private newPoint(t: number, id: string, kind: number): number {
    let p = this.freePoints.pop();
    if (p < 0) {
      p = this.pointRows++;
      this.pT.ensure(p + 1);
      this.pId.ensure(4 * (p + 1));
      this.pFlags.ensure(p + 1);
      this.pKind.ensure(p + 1);
      this.pTopics.ensure(p + 1);
      this.pNext.ensure(p + 1);
    }
    this.pT.set(p, t);
    this.pKind.set(p, kind);
    this.pNext.set(p, -1);
    const words = packUuid(id);
    if (words) {
      this.pFlags.set(p, PACKED_ID);
      for (let k = 0; k < 4; k++) this.pId.set(4 * p + k, words[k]!);
    } else {
      this.pFlags.set(p, 0);
      this.otherIds.set(p, id);
    }
    return p;
  }

  private freePoint(p: number): void {
    if (this.pFlags.get(p) & HAS_TOPICS) this.releaseTopics(this.pTopics.get(p));
    this.otherIds.delete(p);
    this.pFlags.set(p, 0);
    this.freePoints.push(p);
  }

  private acquireTopics(topics: readonly string[]): number {
    const text = JSON.stringify(topics);
    const known = this.topicLists.lookup(text) !== undefined;
    const i = this.topicLists.acquire(text);
    if (!known) this.lists[i] = topics.slice();
    return i;
  }

  private releaseTopics(i: number): void {
    this.topicLists.release(i);
    if (!this.topicLists.holds(i)) this.lists[i] = undefined;
  }

  private newCluster(): number {
    let c = this.freeClusters.pop();
    if (c < 0) {
      c = this.clusterRows++;
      this.cHead.ensure(c + 1);
      this.cTail.ensure(c + 1);
      this.cCount.ensure(c + 1);
      this.cNext.ensure(c + 1);
    }
    this.cNext.set(c, -1);
    return c;
  }

  /** Frees a cluster row (and its points when `withPoints`). */
  private freeCluster(c: number, withPoints: boolean): void {
    if (withPoints) {
      for (let p = this.cHead.get(c); p >= 0; ) {
        const after = this.pNext.get(p);
        this.freePoint(p);
        p = after;
      }
    }
    this.freeClusters.push(c);
  }

  /** Inserts a cluster by first time, after clusters with the same first time. */
  private linkCluster(slot: number, c: number): void {
    const first = this.firstTime(c);
    let prev = -1;
    let x = this.firstCluster.get(slot);
    while (x >= 0 && this.firstTime(x) <= first) {
      prev = x;
      x = this.cNext.get(x);
    }
    this.cNext.set(c, x);
    if (prev < 0) this.firstCluster.set(slot, c);
    else this.cNext.set(prev, c);
  }

  private unlinkCluster(slot: number, c: number): void {
    let prev = -1;
    for (let x = this.firstCluster.get(slot); x >= 0; x = this.cNext.get(x)) {
      if (x === c) {
        if (prev < 0) this.firstCluster.set(slot, this.cNext.get(c));
        else this.cNext.set(prev, this.cNext.get(c));
        return;
      }
      prev = x;
    }
  }
}

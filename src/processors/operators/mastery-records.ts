// The mastery state of every learner × topic as fixed-size records in
// typed-array columns (struct of arrays): BKT estimate, counters, the FSRS
// card, the last score. Tenant and topic ids are interned per operator;
// learners are slots holding their key (`tenant\0learner`) and a chain of
// their records in insertion order. A record is found by (learner, topic)
// through an open-addressing table; content progress lives in a side table,
// only for records that have content.
//
// Bytes per record: 7 float64 + 8 uint32 + 2 uint8 columns (90) plus 5–11 in
// the (learner, topic) table; per learner: its key string, one Map entry and
// four int32 columns, shared by the learner's topics.
//
// Erasure: `dropLearner` takes the learner's records out of the lookup at
// once; their slots, the learner slot and the interned strings are released
// by `release` — immediately, or once every day still buffering items that
// may name them has closed (the day's sorted key runs compare records through
// them, so they must not change until then).
import type { State } from 'ts-fsrs';
import { FreeList, grow, nextCapacity } from '../state/columns.js';
import { ownString, StringTable } from '../state/string-table.js';
import type { StoredCard } from './memory-model.js';
import { compareStrings, learnerKey } from './operator.js';

const HAS_CARD = 1;
const HAS_LAST_REVIEW = 2;
const HAS_LAST_SCORE = 4;
const LIVE = 8;

/** A record's fields, as they were kept per entry before packing (and as checkpoints carry them). */
export interface TopicMasteryFields {
  tenantId: string;
  learnerId: string;
  topicId: string;
  pKnown: number;
  attempts: number;
  correct: number;
  firstAttempts: number;
  firstAttemptCorrect: number;
  card: StoredCard | null;
  lastScore: number | null;
}

export class MasteryRecords {
  readonly tenants = new StringTable();
  readonly topics = new StringTable();

  // Learner slots.
  private readonly learnerIndex = new Map<string, number>();
  private learnerKeys: (string | undefined)[] = [];
  private learnerTenant = new Int32Array(0);
  private learnerHead = new Int32Array(0);
  private learnerTail = new Int32Array(0);
  private learnerCapacity = 0;
  private learnerSlots = 0;
  private readonly freeLearners = new FreeList();

  // Record columns.
  private capacity = 0;
  private used = 0;
  private live = 0;
  private readonly freeRecords = new FreeList();
  private learner = new Int32Array(0);
  private topic = new Int32Array(0);
  private next = new Int32Array(0);
  private flags = new Uint8Array(0);
  private cardState = new Uint8Array(0);
  readonly f = {
    pKnown: new Float64Array(0),
    lastScore: new Float64Array(0),
    dueMs: new Float64Array(0),
    stability: new Float64Array(0),
    difficulty: new Float64Array(0),
    scheduledDays: new Float64Array(0),
    lastReviewMs: new Float64Array(0),
  };
  readonly n = {
    attempts: new Uint32Array(0),
    correct: new Uint32Array(0),
    firstAttempts: new Uint32Array(0),
    firstAttemptCorrect: new Uint32Array(0),
    learningSteps: new Uint32Array(0),
    reps: new Uint32Array(0),
    lapses: new Uint32Array(0),
  };
  /** Content progress per record, only for records with content (content ids are untrusted: Map keys). */
  readonly contents = new Map<number, Map<string, number>>();

  // (learner, topic) → record + 1 (0: empty), linear probing.
  private table = new Int32Array(0);
  private mask = -1;

  /** Live records. */
  get size(): number {
    return this.live;
  }

  /** Interned strings and learner slots held, erased learners in waiting included (tests, metrics). */
  get held(): { tenants: number; topics: number; learners: number } {
    return {
      tenants: this.tenants.size,
      topics: this.topics.size,
      learners: this.learnerSlots - this.freeLearners.size,
    };
  }

  /** The learner slot of a learner key, if held. */
  learnerOf(lk: string): number | undefined {
    return this.learnerIndex.get(lk);
  }

  learnerKeyOf(slot: number): string {
    return this.learnerKeys[slot]!;
  }

  /** The record of (learner key, topic), if held. */
  find(lk: string, topicId: string): number {
    const slot = this.learnerIndex.get(lk);
    const t = this.topics.lookup(topicId);
    if (slot === undefined || t === undefined) return -1;
    return this.lookup(slot, t);
  }

  /** The record of (tenant, learner, topic), created with P(known) `prior(topicId)` when new. */
  findOrAdd(tenantId: string, learnerId: string, topicId: string, prior: (topicId: string) => number): number {
    const lk = learnerKey(tenantId, learnerId);
    let slot = this.learnerIndex.get(lk);
    if (slot !== undefined) {
      const t = this.topics.lookup(topicId);
      const found = t === undefined ? -1 : this.lookup(slot, t);
      if (found >= 0) return found;
    } else slot = this.addLearner(lk, tenantId);
    const r = this.allocate(slot, this.topics.acquire(topicId));
    this.f.pKnown[r] = prior(topicId);
    return r;
  }

  /** The learner's live records, in insertion order. */
  *recordsOf(slot: number): Generator<number> {
    for (let r = this.learnerHead[slot]!; r >= 0; r = this.next[r]!) yield r;
  }

  /** Every live record, in slot order (deterministic for a given history). */
  *records(): Generator<number> {
    for (let r = 0; r < this.used; r++) if (this.flags[r]! & LIVE) yield r;
  }

  isLive(r: number): boolean {
    return (this.flags[r]! & LIVE) !== 0;
  }

  tenantIdOf(r: number): string {
    return this.tenants.get(this.learnerTenant[this.learner[r]!]!);
  }

  learnerIdOf(r: number): string {
    const slot = this.learner[r]!;
    return this.learnerKeys[slot]!.slice(this.tenants.get(this.learnerTenant[slot]!).length + 1);
  }

  learnerKeyOfRecord(r: number): string {
    return this.learnerKeys[this.learner[r]!]!;
  }

  topicIdOf(r: number): string {
    return this.topics.get(this.topic[r]!);
  }

  /** Order of the records' keys `tenant\0learner\0topic` as strings (UTF-16 code units). */
  readonly compareKeys = (a: number, b: number): number => {
    const la = this.learnerKeys[this.learner[a]!]!;
    const lb = this.learnerKeys[this.learner[b]!]!;
    const ta = this.topics.get(this.topic[a]!);
    const tb = this.topics.get(this.topic[b]!);
    if (la === lb) return compareStrings(ta, tb);
    // The first difference lies inside both learner keys unless one is a prefix of the other.
    if (la.startsWith(lb) || lb.startsWith(la)) return compareStrings(`${la}\u0000${ta}`, `${lb}\u0000${tb}`);
    return compareStrings(la, lb);
  };

  card(r: number): StoredCard | null {
    const flags = this.flags[r]!;
    if (!(flags & HAS_CARD)) return null;
    return {
      dueMs: this.f.dueMs[r]!,
      stability: this.f.stability[r]!,
      difficulty: this.f.difficulty[r]!,
      scheduledDays: this.f.scheduledDays[r]!,
      learningSteps: this.n.learningSteps[r]!,
      reps: this.n.reps[r]!,
      lapses: this.n.lapses[r]!,
      state: this.cardState[r]! as State,
      lastReviewMs: flags & HAS_LAST_REVIEW ? this.f.lastReviewMs[r]! : null,
    };
  }

  setCard(r: number, card: StoredCard | null): void {
    let flags = this.flags[r]! & ~(HAS_CARD | HAS_LAST_REVIEW);
    if (card) {
      flags |= HAS_CARD;
      this.f.dueMs[r] = card.dueMs;
      this.f.stability[r] = card.stability;
      this.f.difficulty[r] = card.difficulty;
      this.f.scheduledDays[r] = card.scheduledDays;
      this.n.learningSteps[r] = exactUint(card.learningSteps, 'card.learningSteps');
      this.n.reps[r] = exactUint(card.reps, 'card.reps');
      this.n.lapses[r] = exactUint(card.lapses, 'card.lapses');
      this.cardState[r] = exactUint(card.state, 'card.state', 255);
      if (card.lastReviewMs !== null) {
        flags |= HAS_LAST_REVIEW;
        this.f.lastReviewMs[r] = card.lastReviewMs;
      }
    }
    this.flags[r] = flags;
  }

  lastScore(r: number): number | null {
    return this.flags[r]! & HAS_LAST_SCORE ? this.f.lastScore[r]! : null;
  }

  setLastScore(r: number, score: number | null): void {
    if (score === null) this.flags[r] = this.flags[r]! & ~HAS_LAST_SCORE;
    else {
      this.flags[r] = this.flags[r]! | HAS_LAST_SCORE;
      this.f.lastScore[r] = score;
    }
  }

  /** The record as its fields (checkpoints). */
  fields(r: number): TopicMasteryFields {
    return {
      tenantId: this.tenantIdOf(r),
      learnerId: this.learnerIdOf(r),
      topicId: this.topicIdOf(r),
      pKnown: this.f.pKnown[r]!,
      attempts: this.n.attempts[r]!,
      correct: this.n.correct[r]!,
      firstAttempts: this.n.firstAttempts[r]!,
      firstAttemptCorrect: this.n.firstAttemptCorrect[r]!,
      card: this.card(r),
      lastScore: this.lastScore(r),
    };
  }

  /** Adds (or overwrites) the record of the fields' learner × topic. */
  restore(fields: TopicMasteryFields): number {
    const r = this.findOrAdd(fields.tenantId, fields.learnerId, fields.topicId, () => fields.pKnown);
    this.f.pKnown[r] = fields.pKnown;
    this.n.attempts[r] = exactUint(fields.attempts, 'attempts');
    this.n.correct[r] = exactUint(fields.correct, 'correct');
    this.n.firstAttempts[r] = exactUint(fields.firstAttempts, 'firstAttempts');
    this.n.firstAttemptCorrect[r] = exactUint(fields.firstAttemptCorrect, 'firstAttemptCorrect');
    this.setCard(r, fields.card);
    this.setLastScore(r, fields.lastScore);
    return r;
  }

  /**
   * Takes the learner's records out of the lookup (they are no longer live);
   * returns the learner slot to `release` later, or undefined if not held.
   */
  detachLearner(lk: string): number | undefined {
    const slot = this.learnerIndex.get(lk);
    if (slot === undefined) return undefined;
    this.learnerIndex.delete(lk);
    for (let r = this.learnerHead[slot]!; r >= 0; r = this.next[r]!) {
      this.unindex(slot, this.topic[r]!);
      this.flags[r] = 0;
      this.contents.delete(r);
      this.live--;
    }
    return slot;
  }

  /** Frees a detached learner's slot, records and interned strings. */
  release(slot: number): void {
    for (let r = this.learnerHead[slot]!; r >= 0; ) {
      const after = this.next[r]!;
      this.topics.release(this.topic[r]!);
      this.learner[r] = -1;
      this.next[r] = -1;
      this.freeRecords.push(r);
      r = after;
    }
    this.tenants.release(this.learnerTenant[slot]!);
    this.learnerKeys[slot] = undefined;
    this.learnerHead[slot] = -1;
    this.learnerTail[slot] = -1;
    this.freeLearners.push(slot);
  }

  clear(): void {
    this.tenants.clear();
    this.topics.clear();
    this.learnerIndex.clear();
    this.learnerKeys = [];
    this.learnerSlots = 0;
    this.freeLearners.clear();
    this.used = 0;
    this.live = 0;
    this.freeRecords.clear();
    this.contents.clear();
    this.table.fill(0);
  }

  private addLearner(learnerKey: string, tenantId: string): number {
    const lk = ownString(learnerKey);
    let slot = this.freeLearners.pop();
    if (slot < 0) {
      slot = this.learnerSlots++;
      if (slot >= this.learnerCapacity) {
        const capacity = nextCapacity(this.learnerCapacity, slot + 1);
        this.learnerTenant = grow(this.learnerTenant, capacity);
        this.learnerHead = grow(this.learnerHead, capacity);
        this.learnerTail = grow(this.learnerTail, capacity);
        this.learnerCapacity = capacity;
      }
    }
    this.learnerIndex.set(lk, slot);
    this.learnerKeys[slot] = lk;
    this.learnerTenant[slot] = this.tenants.acquire(tenantId);
    this.learnerHead[slot] = -1;
    this.learnerTail[slot] = -1;
    return slot;
  }

  private allocate(slot: number, t: number): number {
    let r = this.freeRecords.pop();
    if (r < 0) {
      r = this.used++;
      if (r >= this.capacity) this.growRecords(r + 1);
    }
    this.learner[r] = slot;
    this.topic[r] = t;
    this.next[r] = -1;
    this.flags[r] = LIVE;
    this.cardState[r] = 0;
    const { f, n } = this;
    f.pKnown[r] = 0;
    f.lastScore[r] = 0;
    n.attempts[r] = 0;
    n.correct[r] = 0;
    n.firstAttempts[r] = 0;
    n.firstAttemptCorrect[r] = 0;
    // The card columns are read only under HAS_CARD, which setCard writes with them.
    const tail = this.learnerTail[slot]!;
    if (tail < 0) this.learnerHead[slot] = r;
    else this.next[tail] = r;
    this.learnerTail[slot] = r;
    this.live++;
    this.index(slot, t, r);
    return r;
  }

  private growRecords(needed: number): void {
    const capacity = nextCapacity(this.capacity, needed);
    this.learner = grow(this.learner, capacity);
    this.topic = grow(this.topic, capacity);
    this.next = grow(this.next, capacity);
    this.flags = grow(this.flags, capacity);
    this.cardState = grow(this.cardState, capacity);
    for (const name of Object.keys(this.f) as (keyof MasteryRecords['f'])[]) {
      this.f[name] = grow(this.f[name], capacity);
    }
    for (const name of Object.keys(this.n) as (keyof MasteryRecords['n'])[]) {
      this.n[name] = grow(this.n[name], capacity);
    }
    this.capacity = capacity;
  }

  // The (learner, topic) table: at most three quarters full, so probes stay short.

  private slotOf(l: number, t: number): number {
    let h = Math.imul(l, 0x9e3779b1) ^ Math.imul(t + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return h & this.mask;
  }

  private lookup(l: number, t: number): number {
    if (this.mask < 0) return -1;
    for (let i = this.slotOf(l, t); ; i = (i + 1) & this.mask) {
      const v = this.table[i]!;
      if (v === 0) return -1;
      const r = v - 1;
      if (this.learner[r] === l && this.topic[r] === t) return r;
    }
  }

  private index(l: number, t: number, r: number): void {
    if (4 * (this.live + 1) > 3 * this.table.length) this.rehash(Math.max(64, this.table.length * 2));
    let i = this.slotOf(l, t);
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = r + 1;
  }

  /** Removes (l, t) by backward-shift deletion (no tombstones). */
  private unindex(l: number, t: number): void {
    let i = this.slotOf(l, t);
    for (;;) {
      const v = this.table[i]!;
      if (v === 0) return;
      if (this.learner[v - 1] === l && this.topic[v - 1] === t) break;
      i = (i + 1) & this.mask;
    }
    let hole = i;
    for (let j = (hole + 1) & this.mask; ; j = (j + 1) & this.mask) {
      const v = this.table[j]!;
      if (v === 0) break;
      const home = this.slotOf(this.learner[v - 1]!, this.topic[v - 1]!);
      // Move the entry at j into the hole if its home is not cyclically within (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.table[hole] = v;
        hole = j;
      }
    }
    this.table[hole] = 0;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (const v of old) {
      if (v === 0) continue;
      let i = this.slotOf(this.learner[v - 1]!, this.topic[v - 1]!);
      while (this.table[i] !== 0) i = (i + 1) & this.mask;
      this.table[i] = v;
    }
  }
}

/** `value` as a uint column holds it, or a typed error naming the field (checkpoints are untrusted). */
function exactUint(value: number, field: string, max = 0xffffffff): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`mastery ${field} ${String(value)} is not an integer in 0..${max}`);
  }
  return value;
}

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
import {
  FreeList,
  type PagedColumn,
  PagedFloat64,
  PagedInt32,
  PagedUint8,
  PagedUint16,
  PagedUint32,
} from '../state/columns.js';
import { ownString, StringTable } from '../state/string-table.js';
import type { StoredCard } from './memory-model.js';
import { compareStrings, learnerKey } from './operator.js';
import { isRecentOutcomes } from './recent-outcomes.js';

const HAS_CARD = 1;
const HAS_LAST_REVIEW = 2;
const HAS_LAST_SCORE = 4;
const LIVE = 8;

/** Tables of the (learner, topic) lookup, by the hash's top 8 bits. */
const SHARDS = 256;
const SHARD_BITS = 24;
const SHARD_MIN = 16;

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
  /** The last attempts' outcomes (recent-outcomes.ts); absent in checkpoints written before it: none. */
  recent?: number;
}

export class MasteryRecords {
  readonly tenants = new StringTable();
  readonly topics = new StringTable();

  // Learner slots.
  private readonly learnerIndex = new Map<string, number>();
  private learnerKeys: (string | undefined)[] = [];
  private readonly learnerTenant = new PagedInt32();
  private readonly learnerHead = new PagedInt32();
  private readonly learnerTail = new PagedInt32();
  private learnerSlots = 0;
  private readonly freeLearners = new FreeList();

  // Record columns, paged: growing never copies a whole column (state/columns.ts).
  private used = 0;
  private live = 0;
  private readonly freeRecords = new FreeList();
  private readonly learner = new PagedInt32();
  private readonly topic = new PagedInt32();
  private readonly next = new PagedInt32();
  private readonly flags = new PagedUint8();
  private readonly cardState = new PagedUint8();
  readonly f = {
    pKnown: new PagedFloat64(),
    lastScore: new PagedFloat64(),
    dueMs: new PagedFloat64(),
    stability: new PagedFloat64(),
    difficulty: new PagedFloat64(),
    scheduledDays: new PagedFloat64(),
    lastReviewMs: new PagedFloat64(),
  };
  readonly n = {
    attempts: new PagedUint32(),
    correct: new PagedUint32(),
    firstAttempts: new PagedUint32(),
    firstAttemptCorrect: new PagedUint32(),
    learningSteps: new PagedUint32(),
    reps: new PagedUint32(),
    lapses: new PagedUint32(),
  };
  /** The last attempts' outcomes, packed in 16 bits (recent-outcomes.ts). */
  readonly recent = new PagedUint16();
  private readonly allColumns: PagedColumn[] = [
    this.learner,
    this.topic,
    this.next,
    this.flags,
    this.cardState,
    this.recent,
    ...Object.values(this.f),
    ...Object.values(this.n),
  ];
  /** Content progress per record, only for records with content (content ids are untrusted: Map keys). */
  readonly contents = new Map<number, Map<string, number>>();

  // (learner, topic) → record + 1 (0: empty), linear probing, in SHARDS tables chosen by the
  // hash's top bits: each grows on its own, so a rehash moves 1/SHARDS of the keys, not all.
  private readonly shards: Int32Array[] = Array.from({ length: SHARDS }, () => new Int32Array(SHARD_MIN));
  private readonly shardLive = new Int32Array(SHARDS);

  /** Live records. */
  get size(): number {
    return this.live;
  }

  /** The keys of the learners with records (erased ones in waiting not). */
  heldLearnerKeys(): IterableIterator<string> {
    return this.learnerIndex.keys();
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
    return this.findOrAddKeyed(learnerKey(tenantId, learnerId), tenantId, topicId, prior);
  }

  /** `findOrAdd` by the learner key `tenant\0learner` (a restore has it as one string for all the learner's records). */
  private findOrAddKeyed(lk: string, tenantId: string, topicId: string, prior: (topicId: string) => number): number {
    let slot = this.learnerIndex.get(lk);
    if (slot !== undefined) {
      const t = this.topics.lookup(topicId);
      const found = t === undefined ? -1 : this.lookup(slot, t);
      if (found >= 0) return found;
    } else slot = this.addLearner(lk, tenantId);
    const r = this.allocate(slot, this.topics.acquire(topicId));
    this.f.pKnown.set(r, prior(topicId));
    return r;
  }

  /** The learner's live records, in insertion order. */
  *recordsOf(slot: number): Generator<number> {
    for (let r = this.learnerHead.get(slot); r >= 0; r = this.next.get(r)) yield r;
  }

  /** Every live record, in slot order (deterministic for a given history). */
  *records(): Generator<number> {
    for (let r = 0; r < this.used; r++) if (this.flags.get(r) & LIVE) yield r;
  }

  isLive(r: number): boolean {
    return (this.flags.get(r) & LIVE) !== 0;
  }

  tenantIdOf(r: number): string {
    return this.tenants.get(this.learnerTenant.get(this.learner.get(r)));
  }

  learnerIdOf(r: number): string {
    const slot = this.learner.get(r);
    return this.learnerKeys[slot]!.slice(this.tenants.get(this.learnerTenant.get(slot)).length + 1);
  }

  learnerKeyOfRecord(r: number): string {
    return this.learnerKeys[this.learner.get(r)]!;
  }

  topicIdOf(r: number): string {
    return this.topics.get(this.topic.get(r));
  }

  /** Order of the records' keys `tenant\0learner\0topic` as strings (UTF-16 code units). */
  readonly compareKeys = (a: number, b: number): number => {
    const la = this.learnerKeys[this.learner.get(a)]!;
    const lb = this.learnerKeys[this.learner.get(b)]!;
    const ta = this.topics.get(this.topic.get(a));
    const tb = this.topics.get(this.topic.get(b));
    if (la === lb) return compareStrings(ta, tb);
    // The first difference lies inside both learner keys unless one is a prefix of the other.
    if (la.startsWith(lb) || lb.startsWith(la)) return compareStrings(`${la}\u0000${ta}`, `${lb}\u0000${tb}`);
    return compareStrings(la, lb);
  };

  card(r: number): StoredCard | null {
    const flags = this.flags.get(r);
    if (!(flags & HAS_CARD)) return null;
    return {
      dueMs: this.f.dueMs.get(r),
      stability: this.f.stability.get(r),
      difficulty: this.f.difficulty.get(r),
      scheduledDays: this.f.scheduledDays.get(r),
      learningSteps: this.n.learningSteps.get(r),
      reps: this.n.reps.get(r),
      lapses: this.n.lapses.get(r),
      state: this.cardState.get(r) as State,
      lastReviewMs: flags & HAS_LAST_REVIEW ? this.f.lastReviewMs.get(r) : null,
    };
  }

  setCard(r: number, card: StoredCard | null): void {
    let flags = this.flags.get(r) & ~(HAS_CARD | HAS_LAST_REVIEW);
    if (card) {
      flags |= HAS_CARD;
      this.f.dueMs.set(r, card.dueMs);
      this.f.stability.set(r, card.stability);
      this.f.difficulty.set(r, card.difficulty);
      this.f.scheduledDays.set(r, card.scheduledDays);
      this.n.learningSteps.set(r, exactUint(card.learningSteps, 'card.learningSteps'));
      this.n.reps.set(r, exactUint(card.reps, 'card.reps'));
      this.n.lapses.set(r, exactUint(card.lapses, 'card.lapses'));
      this.cardState.set(r, exactUint(card.state, 'card.state', 255));
      if (card.lastReviewMs !== null) {
        flags |= HAS_LAST_REVIEW;
        this.f.lastReviewMs.set(r, card.lastReviewMs);
      }
    }
    this.flags.set(r, flags);
  }

  lastScore(r: number): number | null {
    return this.flags.get(r) & HAS_LAST_SCORE ? this.f.lastScore.get(r) : null;
  }

  setLastScore(r: number, score: number | null): void {
    if (score === null) this.flags.set(r, this.flags.get(r) & ~HAS_LAST_SCORE);
    else {
      this.flags.set(r, this.flags.get(r) | HAS_LAST_SCORE);
      this.f.lastScore.set(r, score);
    }
  }

  /** The record as its fields (checkpoints). */
  fields(r: number): TopicMasteryFields {
    return {
      tenantId: this.tenantIdOf(r),
      learnerId: this.learnerIdOf(r),
      topicId: this.topicIdOf(r),
      pKnown: this.f.pKnown.get(r),
      attempts: this.n.attempts.get(r),
      correct: this.n.correct.get(r),
      firstAttempts: this.n.firstAttempts.get(r),
      firstAttemptCorrect: this.n.firstAttemptCorrect.get(r),
      card: this.card(r),
      lastScore: this.lastScore(r),
      recent: this.recent.get(r),
    };
  }

  /**
   * Adds (or overwrites) the record of the fields' learner × topic; `lk` is their learner key when the
   * caller holds it (a block's string), saving a concatenation and its hashing per record.
   */
  restore(fields: TopicMasteryFields, lk = learnerKey(fields.tenantId, fields.learnerId)): number {
    const r = this.findOrAddKeyed(lk, fields.tenantId, fields.topicId, () => fields.pKnown);
    this.f.pKnown.set(r, fields.pKnown);
    this.n.attempts.set(r, exactUint(fields.attempts, 'attempts'));
    this.n.correct.set(r, exactUint(fields.correct, 'correct'));
    this.n.firstAttempts.set(r, exactUint(fields.firstAttempts, 'firstAttempts'));
    this.n.firstAttemptCorrect.set(r, exactUint(fields.firstAttemptCorrect, 'firstAttemptCorrect'));
    const recent = fields.recent ?? 0;
    if (!isRecentOutcomes(recent)) throw new TypeError(`mastery recent outcomes ${String(recent)} are not a window`);
    this.recent.set(r, recent);
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
    for (let r = this.learnerHead.get(slot); r >= 0; r = this.next.get(r)) {
      this.unindex(slot, this.topic.get(r));
      this.flags.set(r, 0);
      this.contents.delete(r);
      this.live--;
    }
    return slot;
  }

  /** Frees a detached learner's slot, records and interned strings. */
  release(slot: number): void {
    for (let r = this.learnerHead.get(slot); r >= 0; ) {
      const after = this.next.get(r);
      this.topics.release(this.topic.get(r));
      this.learner.set(r, -1);
      this.next.set(r, -1);
      this.freeRecords.push(r);
      r = after;
    }
    this.tenants.release(this.learnerTenant.get(slot));
    this.learnerKeys[slot] = undefined;
    this.learnerHead.set(slot, -1);
    this.learnerTail.set(slot, -1);
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
    for (let s = 0; s < SHARDS; s++) this.shards[s] = new Int32Array(SHARD_MIN);
    this.shardLive.fill(0);
  }

  private addLearner(learnerKey: string, tenantId: string): number {
    const lk = ownString(learnerKey);
    let slot = this.freeLearners.pop();
    if (slot < 0) {
      slot = this.learnerSlots++;
      this.learnerTenant.ensure(slot + 1);
      this.learnerHead.ensure(slot + 1);
      this.learnerTail.ensure(slot + 1);
    }
    this.learnerIndex.set(lk, slot);
    this.learnerKeys[slot] = lk;
    this.learnerTenant.set(slot, this.tenants.acquire(tenantId));
    this.learnerHead.set(slot, -1);
    this.learnerTail.set(slot, -1);
    return slot;
  }

  private allocate(slot: number, t: number): number {
    let r = this.freeRecords.pop();
    if (r < 0) {
      r = this.used++;
      this.growRecords(r + 1);
    }
    this.learner.set(r, slot);
    this.topic.set(r, t);
    this.next.set(r, -1);
    this.flags.set(r, LIVE);
    this.cardState.set(r, 0);
    const { f, n } = this;
    f.pKnown.set(r, 0);
    f.lastScore.set(r, 0);
    n.attempts.set(r, 0);
    n.correct.set(r, 0);
    n.firstAttempts.set(r, 0);
    n.firstAttemptCorrect.set(r, 0);
    this.recent.set(r, 0);
    // The card columns are read only under HAS_CARD, which setCard writes with them.
    const tail = this.learnerTail.get(slot);
    if (tail < 0) this.learnerHead.set(slot, r);
    else this.next.set(tail, r);
    this.learnerTail.set(slot, r);
    this.live++;
    this.index(slot, t, r);
    return r;
  }

  private growRecords(needed: number): void {
    for (const column of this.allColumns) column.ensure(needed);
  }

  // The (learner, topic) table: each shard at most three quarters full, so probes stay short.

  private hashOf(l: number, t: number): number {
    let h = Math.imul(l, 0x9e3779b1) ^ Math.imul(t + 0x7f4a7c15, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 13;
    return h >>> 0;
  }

  private lookup(l: number, t: number): number {
    const h = this.hashOf(l, t);
    const table = this.shards[h >>> SHARD_BITS]!;
    const mask = table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = table[i]!;
      if (v === 0) return -1;
      const r = v - 1;
      if (this.learner.get(r) === l && this.topic.get(r) === t) return r;
    }
  }

  private index(l: number, t: number, r: number): void {
    const h = this.hashOf(l, t);
    const s = h >>> SHARD_BITS;
    let table = this.shards[s]!;
    const live = this.shardLive[s]! + 1;
    if (4 * live > 3 * table.length) table = this.rehash(s, table.length * 2);
    this.shardLive[s] = live;
    const mask = table.length - 1;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = r + 1;
  }

  /** Removes (l, t) by backward-shift deletion (no tombstones). */
  private unindex(l: number, t: number): void {
    const h = this.hashOf(l, t);
    const s = h >>> SHARD_BITS;
    const table = this.shards[s]!;
    const mask = table.length - 1;
    let i = h & mask;
    for (;;) {
      const v = table[i]!;
      if (v === 0) return;
      if (this.learner.get(v - 1) === l && this.topic.get(v - 1) === t) break;
      i = (i + 1) & mask;
    }
    this.shardLive[s] = this.shardLive[s]! - 1;
    let hole = i;
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const v = table[j]!;
      if (v === 0) break;
      const home = this.hashOf(this.learner.get(v - 1), this.topic.get(v - 1)) & mask;
      // Move the entry at j into the hole if its home is not cyclically within (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        table[hole] = v;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  private rehash(s: number, size: number): Int32Array {
    const old = this.shards[s]!;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (const v of old) {
      if (v === 0) continue;
      let i = this.hashOf(this.learner.get(v - 1), this.topic.get(v - 1)) & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = v;
    }
    this.shards[s] = table;
    return table;
  }
}

/** `value` as a uint column holds it, or a typed error naming the field (checkpoints are untrusted). */
function exactUint(value: number, field: string, max = 0xffffffff): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`mastery ${field} ${String(value)} is not an integer in 0..${max}`);
  }
  return value;
}

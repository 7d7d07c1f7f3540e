// Mastery records in checkpoints as binary blocks: up to BLOCK_RECORDS records
// read straight from the typed columns into one buffer, with the block's
// strings (learner keys, tenant, topic and content ids) listed once each and
// referenced by index. A `mastery.blocks` entry is `[strings, records]`: the
// strings as a JSON array, the records as base64 text. A JSON `mastery.topics`
// entry spelled every field name and the learner id twice (about 450
// characters per record); a block record is about 75 bytes (100 characters of
// base64), and no object is built per record to write it.
//
// The strings stay plain text so an erasure finds a learner's pseudonym in
// stored checkpoints (views/retention.ts blanks it there); format 1 carried
// them inside the base64 and is still read.
//
// Records (little-endian): u8 format, varint record count, then per record
// (format 1 put a varint string count and the strings — varint UTF-8 length,
// bytes — before the record count): varint learner
// key, tenant and topic refs, u8 flags, f64 pKnown, varint attempts, correct,
// first attempts, first-attempt correct, the recent outcomes (format 3; formats
// 1 and 2 have none, read as an empty window); f64 last score if flagged; the card
// if flagged (f64 due, stability, difficulty, scheduled days; varint learning
// steps, reps, lapses; u8 state; f64 last review if flagged); varint content
// count, then per content a varint id ref and an f64 progress.
//
// Checkpoints are untrusted on the way back: every read is bounds-checked,
// refs must name a string of the block, counts must fit the block, numbers
// must be finite — a malformed block throws, it never writes garbage.
import type { State } from 'ts-fsrs';
import type { MasteryRecords, TopicMasteryFields } from './mastery-records.js';
import { isRecentOutcomes } from './recent-outcomes.js';

export const BLOCK_FORMAT = 3;
/** Strings beside the records, without the recent outcomes (written before them; read with none). */
const BLOCK_FORMAT_NO_RECENT = 2;
/** Strings inside the base64 (written before erasure had to find them). */
const BLOCK_FORMAT_INLINE_STRINGS = 1;

/** A `mastery.blocks` entry: the block's strings, then its records as base64. */
export type MasteryBlock = [strings: string[], records: string];
/** Records per block (a block is then about 75 kB, 100 kB of base64). */
export const BLOCK_RECORDS = 1_024;

const CARD = 1;
const LAST_REVIEW = 2;
const LAST_SCORE = 4;
const KNOWN_FLAGS = CARD | LAST_REVIEW | LAST_SCORE;

class BlockWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  varint(v: number): void {
    this.room(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.at++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.at++] = x;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }

  string(s: string): void {
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.room(bytes);
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  base64(): string {
    return this.buf.toString('base64', 0, this.at);
  }
}

class BlockReader {
  private at = 0;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new TypeError('a mastery block ends early');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }

  varint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.u8();
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (v > 0xffffffff) break;
        return v;
      }
    }
    throw new TypeError('a mastery block holds a varint over 32 bits');
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    if (!Number.isFinite(v)) throw new TypeError('a mastery block holds a number that is not finite');
    return v;
  }

  string(): string {
    const bytes = this.varint();
    this.need(bytes);
    const s = this.buf.toString('utf8', this.at, this.at + bytes);
    this.at += bytes;
    return s;
  }

  /** A count of items of at least `minBytes` each: never more than the bytes left could hold. */
  count(minBytes: number): number {
    const n = this.varint();
    if (n * minBytes > this.buf.length - this.at) throw new TypeError('a mastery block count exceeds the block');
    return n;
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }
}

/** The records `ids` of `records` as one block, base64. */
export function encodeMasteryBlock(records: MasteryRecords, ids: readonly number[]): MasteryBlock {
  const strings = new Map<string, number>();
  const order: string[] = [];
  const ref = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) {
      i = order.length;
      strings.set(s, i);
      order.push(s);
    }
    return i;
  };
  // Strings first (the reader needs the table before the records), then the records.
  const refs = new Int32Array(ids.length * 3);
  ids.forEach((r, k) => {
    refs[3 * k] = ref(records.learnerKeyOfRecord(r));
    refs[3 * k + 1] = ref(records.tenantIdOf(r));
    refs[3 * k + 2] = ref(records.topicIdOf(r));
    const contents = records.contents.get(r);
    if (contents) for (const id of contents.keys()) ref(id);
  });
  const w = new BlockWriter();
  w.u8(BLOCK_FORMAT);
  w.varint(ids.length);
  const { f, n } = records;
  ids.forEach((r, k) => {
    w.varint(refs[3 * k]!);
    w.varint(refs[3 * k + 1]!);
    w.varint(refs[3 * k + 2]!);
    const card = records.card(r);
    const lastScore = records.lastScore(r);
    w.u8(
      (card ? CARD : 0) |
        (card && card.lastReviewMs !== null ? LAST_REVIEW : 0) |
        (lastScore !== null ? LAST_SCORE : 0),
    );
    w.f64(f.pKnown.get(r));
    w.varint(n.attempts.get(r));
    w.varint(n.correct.get(r));
    w.varint(n.firstAttempts.get(r));
    w.varint(n.firstAttemptCorrect.get(r));
    w.varint(records.recent.get(r));
    if (lastScore !== null) w.f64(lastScore);
    if (card) {
      w.f64(card.dueMs);
      w.f64(card.stability);
      w.f64(card.difficulty);
      w.f64(card.scheduledDays);
      w.varint(card.learningSteps);
      w.varint(card.reps);
      w.varint(card.lapses);
      w.u8(card.state);
      if (card.lastReviewMs !== null) w.f64(card.lastReviewMs);
    }
    const contents = records.contents.get(r);
    w.varint(contents?.size ?? 0);
    if (contents) {
      for (const [id, progress] of contents) {
        w.varint(strings.get(id)!);
        w.f64(progress);
      }
    }
  });
  return [order, w.base64()];
}

/** One record of a block, as the records store restores it, with its content progress. */
export interface BlockRecord {
  /** `tenant\0learner`, as the block holds it (one string for all of the learner's records). */
  learnerKey: string;
  fields: TopicMasteryFields;
  contents: Map<string, number> | null;
}

/** Every record of a block, in order; throws a TypeError on anything malformed. */
export function* decodeMasteryBlock(block: unknown): Generator<BlockRecord> {
  let strings: string[] = [];
  let data: string;
  if (typeof block === 'string')
    data = block; // format 1: one base64 text
  else if (
    Array.isArray(block) &&
    block.length === 2 &&
    Array.isArray(block[0]) &&
    block[0].every((s) => typeof s === 'string') &&
    typeof block[1] === 'string'
  ) {
    strings = block[0] as string[];
    data = block[1];
  } else throw new TypeError('a mastery block is neither [strings, records] nor text');
  const r = new BlockReader(Buffer.from(data, 'base64'));
  const format = r.u8();
  const known = typeof block === 'string' ? [BLOCK_FORMAT_INLINE_STRINGS] : [BLOCK_FORMAT_NO_RECENT, BLOCK_FORMAT];
  if (!known.includes(format)) throw new TypeError(`mastery block format ${format}, expected ${known.join(' or ')}`);
  if (format === BLOCK_FORMAT_INLINE_STRINGS) for (let i = r.count(1); i > 0; i--) strings.push(r.string());
  const str = (): string => {
    const i = r.varint();
    if (i >= strings.length) throw new TypeError('a mastery block names a string it does not hold');
    return strings[i]!;
  };
  for (let k = r.count(16); k > 0; k--) {
    const key = str();
    const tenantId = str();
    const topicId = str();
    if (!key.startsWith(`${tenantId}\u0000`)) throw new TypeError('a mastery block learner key without its tenant');
    const flags = r.u8();
    if (flags & ~KNOWN_FLAGS || (flags & LAST_REVIEW && !(flags & CARD))) {
      throw new TypeError('a mastery block record with unknown flags');
    }
    const pKnown = r.f64();
    const attempts = r.varint();
    const correct = r.varint();
    const firstAttempts = r.varint();
    const firstAttemptCorrect = r.varint();
    const recent = format === BLOCK_FORMAT ? r.varint() : 0;
    if (!isRecentOutcomes(recent)) throw new TypeError('a mastery block record with recent outcomes out of shape');
    const lastScore = flags & LAST_SCORE ? r.f64() : null;
    let card: TopicMasteryFields['card'] = null;
    if (flags & CARD) {
      const dueMs = r.f64();
      const stability = r.f64();
      const difficulty = r.f64();
      const scheduledDays = r.f64();
      const learningSteps = r.varint();
      const reps = r.varint();
      const lapses = r.varint();
      const state = r.u8() as State;
      const lastReviewMs = flags & LAST_REVIEW ? r.f64() : null;
      card = { dueMs, stability, difficulty, scheduledDays, learningSteps, reps, lapses, state, lastReviewMs };
    }
    const contentCount = r.count(9);
    const contents = contentCount > 0 ? new Map<string, number>() : null;
    for (let c = 0; c < contentCount; c++) {
      const id = str();
      contents!.set(id, r.f64());
    }
    const fields: TopicMasteryFields = {
      tenantId,
      learnerId: key.slice(tenantId.length + 1),
      topicId,
      pKnown,
      attempts,
      correct,
      firstAttempts,
      firstAttemptCorrect,
      card,
      lastScore,
      recent,
    };
    yield { learnerKey: key, fields, contents };
  }
  if (!r.done) throw new TypeError('a mastery block has bytes after its records');
}

// An open day's buffered items in checkpoints as rows of numbers (state
// version 6). A `mastery.pending` entry (versions ≤ 5) was one JSON object per
// item per topic, spelling every field name, the event id and the topic key:
// about 190 characters per item, and an attempt on 5 topics is 5 items — at
// 1,000 learners with a day of attempts open, 94% of a checkpoint. A
// `mastery.pendingRows` entry is `[day, strings, rows]`: the strings (topic
// keys `tenant\0learner\0topic`, event ids, content ids) listed once each,
// and nine numbers per item referring to them — about 30 characters.
//
// Row fields: key ref, time − day start (ms), event id ref, flags, value
// (attempt score / content progress), attempt number or content id ref,
// response time ms, hints used, confidence (0 unless flagged as a number).
// Flags: 1 content, 2 correct, 4 confidence null, 8 confidence absent.
// A record's rows keep their buffering order, in one entry or spread over
// consecutive ones (an entry holds about ENTRY_CHARS characters, so a part of
// PART_MAX_CHARS takes several).
//
// The strings stay plain JSON strings, so an erasure blanks a learner's
// pseudonym in stored checkpoints (views/retention.ts) as it does elsewhere.
// Checkpoints are untrusted on the way back: refs must name a string of the
// entry and every field must be a number; a malformed entry throws.
import type { PendingDay, PendingItem } from './mastery-pending.js';

export const PENDING_ROWS = 'mastery.pendingRows';
export const ROW_FIELDS = 9;
/** Characters of JSON per entry, about (strings as written, numbers taken as 5 characters each). */
export const ENTRY_CHARS = 64_000;

export type PendingRowsEntry = [day: number, strings: string[], rows: number[]];

const CONTENT = 1;
const CORRECT = 2;
const CONFIDENCE_NULL = 4;
const CONFIDENCE_ABSENT = 8;

/** The rows of `records`' items in `day`, as entries of at most ROWS_PER_ENTRY rows. */
export function* encodePendingRows(
  day: number,
  pending: PendingDay,
  records: Iterable<number>,
  keyOf: (record: number) => string,
): Generator<PendingRowsEntry> {
  let strings: string[] = [];
  let refs = new Map<string, number>();
  let rows: number[] = [];
  let stringChars = 0;
  const ref = (s: string): number => {
    let i = refs.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      refs.set(s, i);
      stringChars += s.length + 3;
    }
    return i;
  };
  for (const r of records) {
    if (!pending.has(r)) continue;
    let key = -1;
    for (const row of pending.bufferedRowsOf(r)) {
      if (stringChars + rows.length * 5 >= ENTRY_CHARS) {
        yield [day, strings, rows];
        strings = [];
        refs = new Map();
        rows = [];
        stringChars = 0;
        key = -1;
      }
      if (key < 0) key = ref(keyOf(r));
      const dt = pending.timeOf(row) - day;
      const id = ref(pending.idOf(row));
      if (pending.isContent(row)) {
        rows.push(key, dt, id, CONTENT, pending.progressOf(row), ref(pending.contentIdOf(row)), 0, 0, 0);
        continue;
      }
      const a = pending.attemptOf(row);
      const flags =
        (a.correct ? CORRECT : 0) |
        (a.confidence === null ? CONFIDENCE_NULL : 0) |
        (a.confidence === undefined ? CONFIDENCE_ABSENT : 0);
      rows.push(
        key,
        dt,
        id,
        flags,
        a.score,
        a.attemptNumber,
        a.responseTimeMs,
        a.hintsUsed,
        typeof a.confidence === 'number' ? a.confidence : 0,
      );
    }
  }
  if (rows.length > 0) yield [day, strings, rows];
}

/** Reads a `mastery.pendingRows` entry: `add(day, key, item)` per row, in row order. */
export function decodePendingRows(value: unknown, add: (day: number, key: string, item: PendingItem) => void): void {
  if (!Array.isArray(value) || value.length !== 3) throw malformed('not [day, strings, rows]');
  const [day, strings, rows] = value as [unknown, unknown, unknown];
  if (typeof day !== 'number' || !Array.isArray(strings) || !Array.isArray(rows)) {
    throw malformed('not [day, strings, rows]');
  }
  if (rows.length % ROW_FIELDS !== 0) throw malformed(`${rows.length} numbers, not rows of ${ROW_FIELDS}`);
  for (const s of strings) if (typeof s !== 'string') throw malformed('a string that is not one');
  const str = (i: unknown): string => {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= strings.length) {
      throw malformed(`a string ref ${String(i)} outside the entry's ${strings.length}`);
    }
    return strings[i] as string;
  };
  for (let at = 0; at < rows.length; at += ROW_FIELDS) {
    for (let k = 0; k < ROW_FIELDS; k++)
      if (typeof rows[at + k] !== 'number') throw malformed('a field that is not a number');
    const key = str(rows[at]);
    const t = day + (rows[at + 1] as number);
    const id = str(rows[at + 2]);
    const flags = rows[at + 3] as number;
    const value = rows[at + 4] as number;
    if (flags & CONTENT) {
      add(day, key, { t, id, kind: 'content', contentId: str(rows[at + 5]), progress: value });
      continue;
    }
    const confidence =
      flags & CONFIDENCE_NULL ? null : flags & CONFIDENCE_ABSENT ? undefined : (rows[at + 8] as number);
    add(day, key, {
      t,
      id,
      kind: 'attempt',
      attempt: {
        correct: (flags & CORRECT) !== 0,
        score: value,
        attemptNumber: rows[at + 5] as number,
        responseTimeMs: rows[at + 6] as number,
        hintsUsed: rows[at + 7] as number,
        confidence: confidence as number | null,
      },
    });
  }
}

function malformed(what: string): TypeError {
  return new TypeError(`a malformed ${PENDING_ROWS} entry: ${what}`);
}

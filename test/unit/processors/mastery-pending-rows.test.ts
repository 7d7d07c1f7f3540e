// An open day's buffered mastery items in checkpoints as rows of numbers
// (state version 6): the exact rows for hand-made items, a round trip that
// keeps every field (confidence null, absent or a number; content items;
// numbers the packed columns cannot hold), records spread over entries, the
// size against the JSON objects of version 5, and malformed entries refused.
import { describe, expect, it } from 'vitest';
import { PendingDay, type PendingItem } from '../../../src/processors/operators/mastery-pending.js';
import {
  decodePendingRows,
  ENTRY_CHARS,
  encodePendingRows,
  PENDING_ROWS,
  ROW_FIELDS,
} from '../../../src/processors/operators/mastery-pending-rows.js';

const D0 = Date.UTC(2026, 10, 16);
const UUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function day(items: [record: number, item: PendingItem][]): PendingDay {
  const p = new PendingDay((a, b) => a - b);
  for (const [r, item] of items) p.addItem(r, item);
  return p;
}

type Attempt = (PendingItem & { kind: 'attempt' })['attempt'];

function attempt(t: number, id: string, fields: Partial<Attempt> = {}): PendingItem {
  const base: Attempt = {
    correct: true,
    score: 1,
    attemptNumber: 1,
    responseTimeMs: 20_000,
    hintsUsed: 0,
    confidence: null,
  };
  return { t, id, kind: 'attempt', attempt: { ...base, ...fields } };
}

function decodeAll(entries: unknown[]): [number, string, PendingItem][] {
  const out: [number, string, PendingItem][] = [];
  for (const e of entries) decodePendingRows(e, (d, key, item) => out.push([d, key, item]));
  return out;
}

describe('mastery pending rows', () => {
  it('writes nine numbers per item against the strings listed once', () => {
    const p = day([
      [7, attempt(D0 + 60_000, UUID, { correct: false, score: 0, attemptNumber: 2, hintsUsed: 1 })],
      [3, { t: D0 + 120_000, id: 'e-2', kind: 'content', contentId: 'video-1', progress: 0.25 }],
      [7, attempt(D0 + 180_000, 'e-3', { confidence: 4 })],
      [3, attempt(D0 + 240_000, UUID)], // the same event on another topic: its id is listed once
    ]);
    const keys = new Map([
      [3, 't\u0000L\u0000algebra'],
      [7, 't\u0000L\u0000geometry'],
    ]);
    const entries = Array.from(encodePendingRows(D0, p, [7, 3], (r) => keys.get(r)!));
    // Record 7 first (the order asked), each record's items in buffering order. Flags: 1 content,
    // 2 correct, 4 confidence null, 8 confidence absent.
    expect(entries).toEqual([
      [
        D0,
        ['t\u0000L\u0000geometry', UUID, 'e-3', 't\u0000L\u0000algebra', 'e-2', 'video-1'],
        [
          [0, 60_000, 1, 4, 0, 2, 20_000, 1, 0],
          [0, 180_000, 2, 2, 1, 1, 20_000, 0, 4],
          [3, 120_000, 4, 1, 0.25, 5, 0, 0, 0],
          [3, 240_000, 1, 2 | 4, 1, 1, 20_000, 0, 0],
        ].flat(),
      ],
    ]);
  });

  it('reads back every field, odd numbers and an absent confidence included', () => {
    const items: PendingItem[] = [
      attempt(D0 + 1, UUID, { confidence: 0.75, score: 0.4 }),
      attempt(D0 + 2, 'not-a-uuid', { attemptNumber: 2 ** 40, responseTimeMs: -5, hintsUsed: 1.5 }),
      { t: D0 + 3, id: 'e', kind: 'content', contentId: 'c', progress: 1 },
    ];
    const absent = attempt(D0 + 4, 'e4');
    delete (absent as { attempt: { confidence?: unknown } }).attempt.confidence;
    const p = day([...items, absent].map((item) => [1, item] as [number, PendingItem]));
    const entries = Array.from(encodePendingRows(D0, p, [1], () => 'k'));
    const back = decodeAll(JSON.parse(JSON.stringify(entries)) as unknown[]);
    expect(back.map(([d, k]) => [d, k])).toEqual(Array(4).fill([D0, 'k']));
    expect(back.slice(0, 3).map(([, , item]) => item)).toEqual(items);
    const last = back[3]![2] as PendingItem & { kind: 'attempt' };
    expect('confidence' in last.attempt && last.attempt.confidence === undefined).toBe(true);
    // Restored into a day, the items are the originals, in order.
    const q = day(back.map(([, , item]) => [1, item] as [number, PendingItem]));
    expect(JSON.stringify(q.itemsOf(1))).toBe(JSON.stringify(p.itemsOf(1)));
  });

  it('spreads records over entries of about ENTRY_CHARS characters, in order', () => {
    const n = 5_000;
    const p = day(Array.from({ length: n }, (_, i) => [i % 2, attempt(D0 + i, `e-${i}`)] as [number, PendingItem]));
    const entries = Array.from(encodePendingRows(D0, p, [0, 1], (r) => `key-${r}`));
    expect(entries.length).toBeGreaterThan(2);
    for (const e of entries) expect(JSON.stringify(e).length).toBeLessThan(ENTRY_CHARS + 1_000);
    expect(entries.reduce((sum, e) => sum + e[2].length / ROW_FIELDS, 0)).toBe(n);
    const back = decodeAll(entries);
    const ids = (record: number) => back.filter(([, k]) => k === `key-${record}`).map(([, , item]) => item.id);
    expect(ids(0)).toEqual(Array.from({ length: n / 2 }, (_, i) => `e-${2 * i}`));
    expect(ids(1)).toEqual(Array.from({ length: n / 2 }, (_, i) => `e-${2 * i + 1}`));
  });

  it('is a fifth of the JSON objects it replaces, or less', () => {
    // 200 attempts, each on the same 5 topics (records 0–4): 1,000 items, as the state bench's workload has them.
    const items = Array.from({ length: 1_000 }, (_, i) => {
      const event = Math.floor(i / 5);
      return [i % 5, attempt(D0 + event * 1_000, `e-${event}`)] as [number, PendingItem];
    });
    const p = day(items);
    const key = (r: number) => `tenant-5\u00002b89f425b3e9a913981fb2aafa962ed7\u0000topic-${r}`;
    const rows = JSON.stringify(Array.from(encodePendingRows(D0, p, [0, 1, 2, 3, 4], key)));
    const objects = JSON.stringify([0, 1, 2, 3, 4].map((r) => [D0, key(r), p.itemsOf(r)]));
    expect(rows.length * 5).toBeLessThan(objects.length);
  });

  it('refuses malformed entries', () => {
    const ok = [D0, ['k', 'e'], [0, 1, 1, 2, 1, 1, 1, 0, 0]];
    expect(decodeAll([ok])).toHaveLength(1);
    for (const bad of [
      null,
      [D0, ['k', 'e']],
      ['day', ['k', 'e'], [0, 1, 1, 2, 1, 1, 1, 0, 0]],
      [D0, ['k', 7], [0, 1, 1, 2, 1, 1, 1, 0, 0]],
      [D0, ['k', 'e'], [0, 1, 1, 2, 1, 1, 1, 0]],
      [D0, ['k', 'e'], [2, 1, 1, 2, 1, 1, 1, 0, 0]],
      [D0, ['k', 'e'], [0.5, 1, 1, 2, 1, 1, 1, 0, 0]],
      [D0, ['k', 'e'], [0, 1, 1, 2, '1', 1, 1, 0, 0]],
      [D0, ['k', 'e'], [0, 1, 1, 1, 1, 9, 1, 0, 0]], // a content item whose content id ref is outside
    ]) {
      expect(() => decodeAll([bad]), JSON.stringify(bad)).toThrow(new RegExp(PENDING_ROWS));
    }
  });
});

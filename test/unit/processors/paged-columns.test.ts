// Paged columns keep every value through growth: the last page doubles until
// full, then a new page starts small; nothing in a full page ever moves.
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PagedFloat64, PagedInt32, PagedUint8, PagedUint32 } from '../../../src/processors/state/columns.js';

describe('paged columns', () => {
  it('keep values written before each growth, across page boundaries', () => {
    const n = 3 * PAGE_SIZE + 17;
    const f = new PagedFloat64();
    const i = new PagedInt32();
    const u = new PagedUint32();
    const b = new PagedUint8();
    for (let r = 0; r < n; r++) {
      for (const c of [f, i, u, b]) c.ensure(r + 1);
      f.set(r, r / 4);
      i.set(r, 1 - r);
      u.set(r, 4_000_000_000 - r);
      b.set(r, r % 256);
    }
    for (const r of [0, 1, 63, 64, PAGE_SIZE - 1, PAGE_SIZE, 2 * PAGE_SIZE + 5, n - 1]) {
      expect([f.get(r), i.get(r), u.get(r), b.get(r)]).toEqual([r / 4, 1 - r, 4_000_000_000 - r, r % 256]);
    }
  });

  it('grows straight to many pages when asked for more than one page at once', () => {
    const c = new PagedInt32();
    c.ensure(10);
    c.set(9, 7);
    c.ensure(5 * PAGE_SIZE);
    c.set(5 * PAGE_SIZE - 1, 11);
    expect(c.get(9)).toBe(7);
    expect(c.get(5 * PAGE_SIZE - 1)).toBe(11);
    expect(c.get(PAGE_SIZE + 3)).toBe(0);
  });

  it('allocate at most twice what the last page holds past the full pages', () => {
    const c = new PagedFloat64();
    const n = 15 * PAGE_SIZE + 16_960; // 1,000,000 records
    for (let r = 0; r < n; r++) {
      c.ensure(r + 1);
      c.set(r, r);
    }
    const pages = (c as unknown as { pages: Float64Array[] }).pages;
    expect(pages.map((p) => p.length)).toEqual([...Array(15).fill(PAGE_SIZE), 32_768]);
    expect([c.get(0), c.get(PAGE_SIZE), c.get(n - 1)]).toEqual([0, PAGE_SIZE, n - 1]);
  });
});

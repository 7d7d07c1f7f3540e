// The lean FSRS-6 long-term scheduler against ts-fsrs itself: every field of
// every card equal, over random review histories (new cards, same-day and
// long gaps, every grade, lapses), at two retention targets.
import { describe, expect, it } from 'vitest';
import { MemoryModel, type StoredCard } from '../../../src/processors/operators/memory-model.js';

/** A small deterministic PRNG (mulberry32): the histories are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('FsrsLongTerm (MemoryModel.review)', () => {
  for (const retention of [0.9, 0.8]) {
    it(`equals ts-fsrs field for field over 60,000 random reviews (retention ${retention})`, () => {
      const model = new MemoryModel(retention);
      const random = prng(retention * 1000);
      let lean: StoredCard | null = null;
      let reference: StoredCard | null = null;
      let at = Date.UTC(2026, 0, 5, 9, 30);
      let lapses = 0;
      for (let i = 0; i < 60_000; i++) {
        if (random() < 0.01) {
          lean = null; // a new topic: a new card
          reference = null;
        }
        const gap = random();
        // Same minute, same day, next days, weeks, years apart.
        at +=
          gap < 0.2 ? 0 : gap < 0.5 ? Math.floor(random() * 8 * 3_600_000) : Math.floor(random() * 400 * 86_400_000);
        const grade = (1 + Math.floor(random() * 4)) as 1 | 2 | 3 | 4;
        lean = model.review(lean, at, grade);
        reference = model.reviewWithTsFsrs(reference, at, grade);
        expect(lean).toEqual(reference);
        lapses = Math.max(lapses, lean.lapses);
      }
      expect(lapses).toBeGreaterThan(0);
    });
  }

  it('a review before the last one on an earlier day is refused, as ts-fsrs refuses it', () => {
    const model = new MemoryModel(0.9);
    const card = model.review(null, Date.UTC(2026, 0, 5, 12), 3);
    const earlier = Date.UTC(2026, 0, 3, 12);
    expect(() => model.reviewWithTsFsrs(card, earlier, 3)).toThrow(/Invalid delta_t "-2"/);
    expect(() => model.review(card, earlier, 3)).toThrow(/Invalid delta_t "-2"/);
  });
});

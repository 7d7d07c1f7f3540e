// FSRS-6 long-term scheduling (no learning steps, no fuzz) on plain numbers:
// the same arithmetic as ts-fsrs 5's LongTermScheduler, operation for
// operation (each roundTo(…, 8) where it rounds), without what it builds per
// review — two Date objects per card, four candidate cards and logs, a Map and
// a scheduler instance. ts-fsrs computed 10.7 µs per review here, a fifth of a
// question attempt's cost at five topics per item; this is the hot path of
// the mastery operator (issue 13, "a lean record path"). The parameters (w,
// the interval modifier, the maximum interval) still come from ts-fsrs, and
// test/unit/processors/fsrs-long-term.test.ts checks every field of the card
// equal to ts-fsrs's over hundreds of thousands of random reviews.
import type { StoredCard } from './memory-model.js';

const DAY_MS = 86_400_000;
const S_MIN = 1e-3;
const S_MAX = 36_500;
/** ts-fsrs' State.Review. */
const REVIEW = 2;
/** ts-fsrs' State.New. */
const NEW = 0;

function roundTo8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

export interface LongTermParameters {
  w: readonly number[];
  intervalModifier: number;
  maximumInterval: number;
}

export class FsrsLongTerm {
  private readonly w: readonly number[];
  private readonly decay: number;
  private readonly factor: number;
  private readonly initEasyDifficulty: number;
  /** Stabilities and intervals of the four grades of the review under way (reused). */
  private readonly s = new Float64Array(5);
  private readonly ivl = new Float64Array(5);

  constructor(private readonly p: LongTermParameters) {
    this.w = p.w;
    this.decay = -(p.w[20] as number);
    this.factor = roundTo8(Math.exp(this.decay ** -1 * Math.log(0.9)) - 1);
    this.initEasyDifficulty = this.initDifficulty(4);
  }

  /** Probability of recall after `elapsedDays` at stability `s` (ts-fsrs' forgetting_curve). */
  forgettingCurve(elapsedDays: number, s: number): number {
    return roundTo8((1 + (this.factor * elapsedDays) / s) ** this.decay);
  }

  /** The card after a review at `atMs` with grade `g` (1 again … 4 easy); a new card when `card` is null. */
  review(card: StoredCard | null, atMs: number, g: number): StoredCard {
    const w = this.w;
    const isNew = card === null || card.state === NEW;
    const d = card?.difficulty ?? 0;
    const s = card?.stability ?? 0;
    let t = 0;
    if (!isNew && card?.lastReviewMs != null) t = Math.floor(atMs / DAY_MS) - Math.floor(card.lastReviewMs / DAY_MS);
    if (t < 0) throw new Error(`Invalid delta_t "${t}"`);
    let newD: number;
    if (d === 0 && s === 0) {
      // First review (or a card with no memory yet): the initial state of each grade.
      for (let grade = 1; grade <= 4; grade++) this.s[grade] = Math.max(w[grade - 1] as number, 0.1);
      newD = clamp(this.initDifficulty(g), 1, 10);
    } else {
      if (d < 1 || s < S_MIN) throw new Error(`Invalid memory state { difficulty: ${d}, stability: ${s} }`);
      const r = this.forgettingCurve(t, s);
      const forget = roundTo8(
        clamp(
          (w[11] as number) *
            d ** -(w[12] as number) *
            ((s + 1) ** (w[13] as number) - 1) *
            Math.exp((1 - r) * (w[14] as number)),
          S_MIN,
          S_MAX,
        ),
      );
      this.s[1] = clamp(roundTo8(s / Math.exp(0)), S_MIN, forget);
      for (let grade = 2; grade <= 4; grade++) {
        const hardPenalty = grade === 2 ? (w[15] as number) : 1;
        const easyBound = grade === 4 ? (w[16] as number) : 1;
        this.s[grade] = roundTo8(
          clamp(
            s *
              (1 +
                Math.exp(w[8] as number) *
                  (11 - d) *
                  s ** -(w[9] as number) *
                  (Math.exp((1 - r) * (w[10] as number)) - 1) *
                  hardPenalty *
                  easyBound),
            S_MIN,
            S_MAX,
          ),
        );
      }
      const deltaD = -(w[6] as number) * (g - 3);
      const nextD = d + roundTo8((deltaD * (10 - d)) / 9);
      newD = clamp(roundTo8((w[7] as number) * this.initEasyDifficulty + (1 - (w[7] as number)) * nextD), 1, 10);
    }
    for (let grade = 1; grade <= 4; grade++) {
      const ivl = Math.min(
        Math.max(1, Math.round((this.s[grade] as number) * this.p.intervalModifier)),
        this.p.maximumInterval,
      );
      this.ivl[grade] = Math.round(ivl);
    }
    this.ivl[1] = Math.min(this.ivl[1] as number, this.ivl[2] as number);
    this.ivl[2] = Math.max(this.ivl[2] as number, (this.ivl[1] as number) + 1);
    this.ivl[3] = Math.max(this.ivl[3] as number, (this.ivl[2] as number) + 1);
    this.ivl[4] = Math.max(this.ivl[4] as number, (this.ivl[3] as number) + 1);
    const interval = this.ivl[g] as number;
    return {
      dueMs: atMs + interval * 24 * 60 * 60 * 1e3,
      stability: this.s[g] as number,
      difficulty: newD,
      scheduledDays: interval,
      learningSteps: 0,
      reps: (card?.reps ?? 0) + 1,
      lapses: (card?.lapses ?? 0) + (!isNew && g === 1 ? 1 : 0),
      state: REVIEW,
      lastReviewMs: atMs,
    };
  }

  private initDifficulty(g: number): number {
    return roundTo8((this.w[4] as number) - Math.exp((g - 1) * (this.w[5] as number)) + 1);
  }
}

// Bayesian Knowledge Tracing: the running estimate P(known) of a learner on a
// topic. Each answer first updates the estimate by Bayes' rule (slip and
// guess), then applies the learning transition: P' = post + (1 − post)·learn.

export interface BktParameters {
  /** P(L0): known before any attempt. */
  prior: number;
  /** P(T): learned at an attempt, given not known before it. */
  learn: number;
  /** P(S): answers wrong although known. */
  slip: number;
  /** P(G): answers right although not known. */
  guess: number;
}

/**
 * Defaults (PRODUCT.md asks for sane ones): prior 0.2, learn 0.15, slip 0.1,
 * guess 0.2 — in the range of the classic BKT fits (Corbett & Anderson 1995;
 * slip and guess kept below 0.3 and 0.5 so a correct answer always raises
 * the estimate).
 */
export const DEFAULT_BKT: BktParameters = { prior: 0.2, learn: 0.15, slip: 0.1, guess: 0.2 };

/** P(known) after one answer, including the learning transition. */
export function bktUpdate(pKnown: number, correct: boolean, p: BktParameters): number {
  const posterior = correct
    ? (pKnown * (1 - p.slip)) / (pKnown * (1 - p.slip) + (1 - pKnown) * p.guess)
    : (pKnown * p.slip) / (pKnown * p.slip + (1 - pKnown) * (1 - p.guess));
  return posterior + (1 - posterior) * p.learn;
}

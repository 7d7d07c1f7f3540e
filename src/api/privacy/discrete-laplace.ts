// The discrete Laplace (two-sided geometric) mechanism for counts, sampled
// exactly with integer arithmetic only — Canonne, Kamath & Steinke, "The
// Discrete Gaussian for Differential Privacy" (2020), algorithms 1 and 2 — so
// no floating-point artefact leaks the true value (the flaw of naive Laplace).
// P(X = x) ∝ exp(−|x|·s/t): scale t/s = sensitivity / epsilon.
import type { RandomSource } from './random.js';

function bernoulli(num: number, den: number, rng: RandomSource): boolean {
  return rng.below(den) < num;
}

/** Bernoulli(exp(−num/den)) for 0 ≤ num/den ≤ 1 (CKS algorithm 1). */
function bernoulliExpUnit(num: number, den: number, rng: RandomSource): boolean {
  let k = 1;
  while (bernoulli(num, den * k, rng)) k++;
  return k % 2 === 1;
}

/** Bernoulli(exp(−num/den)) for any num/den ≥ 0. */
export function bernoulliExp(num: number, den: number, rng: RandomSource): boolean {
  let rest = num;
  while (rest > den) {
    if (!bernoulliExpUnit(1, 1, rng)) return false;
    rest -= den;
  }
  return bernoulliExpUnit(rest, den, rng);
}

/** One draw of discrete Laplace noise with scale t/s (t, s positive integers). */
export function sampleDiscreteLaplace(s: number, t: number, rng: RandomSource): number {
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(t) || s <= 0 || t <= 0) {
    throw new RangeError(`discrete Laplace scale must be a ratio of positive integers, got ${t}/${s}`);
  }
  for (;;) {
    const u = rng.below(t);
    if (!bernoulliExp(u, t, rng)) continue;
    let v = 0;
    while (bernoulliExp(1, 1, rng)) v++;
    const y = Math.floor((u + t * v) / s);
    const negative = bernoulli(1, 2, rng);
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}

/** Variance of discrete Laplace with scale t/s: 2p/(1−p)² where p = exp(−s/t). */
export function discreteLaplaceVariance(s: number, t: number): number {
  const p = Math.exp(-s / t);
  return (2 * p) / (1 - p) ** 2;
}

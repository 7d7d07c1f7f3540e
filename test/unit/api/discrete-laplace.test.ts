// Statistical checks of the discrete Laplace sampler against the distribution
// it must follow, P(x) = (1−p)/(1+p)·p^|x| with p = exp(−s/t). Moments are
// computed here by summing that pmf (independently of the code's variance
// formula). Tolerances are 5 standard errors of each estimator, so a correct
// sampler fails with probability well under 1e-5 per assertion.
import { describe, expect, it } from 'vitest';
import {
  discreteLaplaceVariance,
  keyedRandomSource,
  noiseKey,
  sampleDiscreteLaplace,
  systemRandomSource,
} from '../../../src/api/privacy/index.js';

function pmfMoments(s: number, t: number) {
  const p = Math.exp(-s / t);
  const c = (1 - p) / (1 + p);
  let m2 = 0;
  let m4 = 0;
  for (let x = -5000; x <= 5000; x++) {
    const pr = c * p ** Math.abs(x);
    m2 += x * x * pr;
    m4 += x ** 4 * pr;
  }
  return { p0: c, variance: m2, m4 };
}

describe('sampleDiscreteLaplace', () => {
  // (s, t): epsilon/sensitivity as s/t. dp_medium on a count: 1/1; dp_high over 2 figures: 1/4; 2/3 has s > 1.
  for (const [s, t] of [
    [1, 1],
    [1, 4],
    [2, 3],
  ] as const) {
    it(`scale ${t}/${s}: mean 0, variance and P(0) as the pmf says`, () => {
      const n = 40_000;
      const rng = systemRandomSource();
      let sum = 0;
      let sumSq = 0;
      let zeros = 0;
      for (let i = 0; i < n; i++) {
        const x = sampleDiscreteLaplace(s, t, rng);
        expect(Number.isInteger(x)).toBe(true);
        sum += x;
        sumSq += x * x;
        if (x === 0) zeros++;
      }
      const { p0, variance, m4 } = pmfMoments(s, t);
      expect(discreteLaplaceVariance(s, t)).toBeCloseTo(variance, 6);
      const mean = sum / n;
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(variance / n));
      const sampleVar = sumSq / n - mean * mean;
      // SE of the second moment: sqrt((E[x^4] − Var²)/n).
      expect(Math.abs(sampleVar - variance)).toBeLessThan(5 * Math.sqrt((m4 - variance ** 2) / n));
      expect(Math.abs(zeros / n - p0)).toBeLessThan(5 * Math.sqrt((p0 * (1 - p0)) / n));
    });
  }

  it('is symmetric: P(x) = P(−x) for small |x|', () => {
    const rng = systemRandomSource();
    const counts = new Map<number, number>();
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const x = sampleDiscreteLaplace(1, 2, rng);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    for (const x of [1, 2, 3]) {
      const a = counts.get(x) ?? 0;
      const b = counts.get(-x) ?? 0;
      // Difference of two binomial counts: SD ≈ sqrt(a + b).
      expect(Math.abs(a - b)).toBeLessThan(5 * Math.sqrt(a + b));
    }
  });

  it('the keyed source repeats its draws for the same key and differs for another', () => {
    const key = noiseKey('a-secret-of-16-chars', { tenantId: 't1', period: 'p', queryHash: 'q', figure: 'f' });
    const other = noiseKey('a-secret-of-16-chars', { tenantId: 't2', period: 'p', queryHash: 'q', figure: 'f' });
    const draw = (k: Buffer) => {
      const rng = keyedRandomSource(k);
      return Array.from({ length: 50 }, () => sampleDiscreteLaplace(1, 3, rng));
    };
    expect(draw(key)).toEqual(draw(key));
    expect(draw(key)).not.toEqual(draw(other));
  });

  it('keyed draws over many keys follow the same distribution (mean 0, pmf variance)', () => {
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const rng = keyedRandomSource(
        noiseKey('a-secret-of-16-chars', { tenantId: 't', period: 'p', queryHash: String(i), figure: 'f' }),
      );
      const x = sampleDiscreteLaplace(1, 1, rng);
      sum += x;
      sumSq += x * x;
    }
    const { variance, m4 } = pmfMoments(1, 1);
    expect(Math.abs(sum / n)).toBeLessThan(5 * Math.sqrt(variance / n));
    expect(Math.abs(sumSq / n - (sum / n) ** 2 - variance)).toBeLessThan(5 * Math.sqrt((m4 - variance ** 2) / n));
  });

  it('rejects a scale that is not a ratio of positive integers', () => {
    expect(() => sampleDiscreteLaplace(0, 1, systemRandomSource())).toThrow(RangeError);
    expect(() => sampleDiscreteLaplace(1, 0.5, systemRandomSource())).toThrow(RangeError);
  });
});

// The privacy guard without ClickHouse (an in-memory budget): k-anonymity,
// suppression on the noisy count, repeatable noise, budget charged once.
import { describe, expect, it } from 'vitest';
import type { PrivacyBudget } from '../../../src/api/privacy/budget.js';
import { createPrivacyGuard, type ReleaseRequest } from '../../../src/api/privacy/release.js';

function memoryBudget(limit: number): PrivacyBudget & { charges: number } {
  const seen = new Set<string>();
  let spent = 0;
  const b = {
    charges: 0,
    async charge(tenantId: string, hash: string, epsilon: number) {
      if (seen.has(`${tenantId}|${hash}`)) return { charged: 0, period: 'p', spent, budget: limit };
      if (spent + epsilon > limit) throw new Error('budget spent');
      seen.add(`${tenantId}|${hash}`);
      spent += epsilon;
      b.charges++;
      return { charged: epsilon, period: 'p', spent, budget: limit };
    },
    async spent() {
      return { period: 'p', spent, budget: limit };
    },
  };
  return b;
}

const base = (
  level: ReleaseRequest['level'],
  cohorts: ReleaseRequest['cohorts'],
  figures: ReleaseRequest['figures'] = [],
) => ({
  tenantId: 'acme',
  level,
  period: '2026-11-01..2026-11-08',
  actor: 'test',
  query: { route: 'x' },
  cohorts,
  figures,
});

describe('privacy guard', () => {
  it('anonymized: a cohort of 4 is suppressed (null + marker), a cohort of 5 is shown exactly', async () => {
    const guard = createPrivacyGuard({ k: 5, noiseSecret: 'noise-secret-16chars', budget: memoryBudget(10) });
    const r = await guard.release(
      base(
        'anonymized',
        [
          { key: 'small', size: 4 },
          { key: 'big', size: 5 },
        ],
        [
          { key: 'small-sessions', value: 9, sensitivity: 1, cohort: 'small' },
          { key: 'big-sessions', value: 12, sensitivity: 1, cohort: 'big' },
        ],
      ),
    );
    expect(r.cohorts.get('small')).toEqual({ size: null, suppressed: true });
    expect(r.figures.get('small-sessions')).toBeNull();
    expect(r.cohorts.get('big')).toEqual({ size: 5, suppressed: false });
    expect(r.figures.get('big-sessions')).toBe(12);
    expect(r.epsilonCharged).toBe(0);
  });

  it('DP: same query → identical answer and one charge; another period → new noise and a new charge', async () => {
    const budget = memoryBudget(10);
    const guard = createPrivacyGuard({ k: 5, noiseSecret: 'noise-secret-16chars', budget });
    const cohorts = Array.from({ length: 40 }, (_, i) => ({ key: `c${i}`, size: 100 }));
    const a = await guard.release(base('dp_medium', cohorts));
    const b = await guard.release(base('dp_medium', cohorts));
    expect([...b.cohorts]).toEqual([...a.cohorts]);
    expect(a.epsilonCharged).toBe(1);
    expect(b.epsilonCharged).toBe(0);
    expect(budget.charges).toBe(1);
    const c = await guard.release({ ...base('dp_medium', cohorts), period: '2026-11-08..2026-11-15' });
    expect([...c.cohorts]).not.toEqual([...a.cohorts]);
    expect(budget.charges).toBe(2);
  });

  it('DP: suppression is decided on the noisy count', async () => {
    const guard = createPrivacyGuard({ k: 5, noiseSecret: 'noise-secret-16chars', budget: memoryBudget(1000) });
    // One cohort of exactly k learners per query, 50 distinct queries.
    let suppressed = 0;
    let shown = 0;
    for (let i = 0; i < 50; i++) {
      const r = await guard.release({ ...base('dp_low', [{ key: 'c', size: 5 }]), query: { route: 'x', i } });
      const c = r.cohorts.get('c')!;
      if (c.suppressed) {
        suppressed++;
        expect(c.size).toBeNull();
      } else {
        shown++;
        // A shown figure is the noisy count, never below k.
        expect(c.size).toBeGreaterThanOrEqual(5);
      }
    }
    // With epsilon 2 the noise is negative (→ suppressed) with probability p/(1+p) = e^-2/(1+e^-2) ≈ 0.12,
    // so over 50 queries both outcomes occur with overwhelming probability.
    expect(suppressed).toBeGreaterThan(0);
    expect(shown).toBeGreaterThan(0);
  });
});

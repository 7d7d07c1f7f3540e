// Turns the exact figures of one query into what a caller may see at a given
// privacy level: k-anonymity suppression of small cohorts, and under the DP
// levels discrete Laplace noise on every count (the query's epsilon split
// evenly over the released counts, sequential composition), suppression
// decided on the noisy cohort size, budget charged once per distinct query.
import { createHash } from 'node:crypto';
import type { PrivacyBudget } from './budget.js';
import { sampleDiscreteLaplace } from './discrete-laplace.js';
import { epsilonValue, type PrivacyLevelName, privacyLevels } from './levels.js';
import { keyedRandomSource, noiseKey } from './random.js';

/** A group of learners a figure is computed over; its size is released as a count (sensitivity 1). */
export interface CohortInput {
  key: string;
  size: number;
}

/** A count or capped sum over a cohort; `sensitivity` bounds one learner's effect on it. */
export interface FigureInput {
  key: string;
  value: number;
  sensitivity: number;
  cohort: string;
}

/**
 * One cohort and its figures for a release: each measure `[name, value, sensitivity]`
 * becomes the figure `key:name` over the cohort `key`.
 */
export function addCohort(
  cohorts: CohortInput[],
  figures: FigureInput[],
  key: string,
  size: number,
  measures: readonly (readonly [name: string, value: number, sensitivity: number])[],
): void {
  cohorts.push({ key, size });
  for (const [name, value, sensitivity] of measures)
    figures.push({ key: `${key}:${name}`, value, sensitivity, cohort: key });
}

export interface ReleaseRequest {
  tenantId: string;
  level: PrivacyLevelName;
  /** The data period the query covers, e.g. `2026-11-01..2026-11-30`. */
  period: string;
  /** Who asks: recorded in the budget ledger. */
  actor: string;
  /** Everything that identifies the query (route and parameters). */
  query: Record<string, unknown>;
  cohorts: CohortInput[];
  figures: FigureInput[];
  /**
   * Releases over disjoint sets of learners may share one charge (parallel
   * composition): give them the same budgetKey. Default: the query itself.
   */
  budgetKey?: Record<string, unknown>;
}

export interface ReleasedCohort {
  size: number | null;
  suppressed: boolean;
}

export interface Released {
  level: PrivacyLevelName;
  cohorts: Map<string, ReleasedCohort>;
  figures: Map<string, number | null>;
  /** Epsilon this call charged to the tenant's budget (0 for anonymized or a repeated query). */
  epsilonCharged: number;
  epsilonPerFigure: number;
}

export interface PrivacyGuard {
  release(req: ReleaseRequest): Promise<Released>;
  /** The tenant's budget in the current period: what the ledger holds as spent, and the limit. */
  budgetStatus(tenantId: string): Promise<{ period: string; spent: number; budget: number }>;
}

export function queryHash(tenantId: string, period: string, level: string, query: Record<string, unknown>): string {
  const canonical = JSON.stringify([
    tenantId,
    period,
    level,
    Object.entries(query).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export function createPrivacyGuard(opts: { k: number; noiseSecret: string; budget: PrivacyBudget }): PrivacyGuard {
  return {
    budgetStatus: (tenantId) => opts.budget.spent(tenantId),
    async release(req) {
      const level = privacyLevels[req.level];
      const cohorts = new Map<string, ReleasedCohort>();
      const figures = new Map<string, number | null>();
      if (!level.epsilon) {
        for (const c of req.cohorts) {
          const suppressed = c.size < opts.k;
          cohorts.set(c.key, { size: suppressed ? null : c.size, suppressed });
        }
        for (const f of req.figures) figures.set(f.key, cohorts.get(f.cohort)?.suppressed ? null : f.value);
        return { level: req.level, cohorts, figures, epsilonCharged: 0, epsilonPerFigure: 0 };
      }
      const hash = queryHash(req.tenantId, req.period, req.level, req.query);
      const epsilon = epsilonValue(level);
      const budgetHash = req.budgetKey ? queryHash(req.tenantId, req.period, req.level, req.budgetKey) : hash;
      const charge = await opts.budget.charge(req.tenantId, budgetHash, epsilon, {
        privacyLevel: req.level,
        actor: req.actor,
      });
      const m = Math.max(1, req.cohorts.length + req.figures.length);
      const noisy = (key: string, value: number, sensitivity: number): number => {
        const rng = keyedRandomSource(
          noiseKey(opts.noiseSecret, { tenantId: req.tenantId, period: req.period, queryHash: hash, figure: key }),
        );
        // Scale = sensitivity / (epsilon / m) = sensitivity·m·den / num.
        const t = Math.max(1, Math.round(sensitivity)) * m * level.epsilon!.den;
        const noise = sampleDiscreteLaplace(level.epsilon!.num, t, rng);
        // Clamping at zero is post-processing: it costs no privacy.
        return Math.max(0, Math.round(value) + noise);
      };
      for (const c of req.cohorts) {
        const size = noisy(`cohort:${c.key}`, c.size, 1);
        const suppressed = size < opts.k;
        cohorts.set(c.key, { size: suppressed ? null : size, suppressed });
      }
      for (const f of req.figures) {
        const v = noisy(`figure:${f.key}`, f.value, f.sensitivity);
        figures.set(f.key, cohorts.get(f.cohort)?.suppressed ? null : v);
      }
      return { level: req.level, cohorts, figures, epsilonCharged: charge.charged, epsilonPerFigure: epsilon / m };
    },
  };
}

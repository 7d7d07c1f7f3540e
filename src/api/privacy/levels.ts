// The privacy levels of PRODUCT.md ("Privacy"). Epsilon is kept as a ratio of
// integers because the exact noise sampler works on rationals.
export const privacyLevelNames = ['anonymized', 'dp_low', 'dp_medium', 'dp_high'] as const;
export type PrivacyLevelName = (typeof privacyLevelNames)[number];

export interface PrivacyLevel {
  name: PrivacyLevelName;
  /** Undefined for `anonymized` (k-anonymity only). */
  epsilon: { num: number; den: number } | undefined;
  description: string;
}

export const DELTA = 1e-5;

export const privacyLevels: Record<PrivacyLevelName, PrivacyLevel> = {
  anonymized: {
    name: 'anonymized',
    epsilon: undefined,
    description: 'Exact figures; any figure over a cohort smaller than k learners is suppressed.',
  },
  dp_low: {
    name: 'dp_low',
    epsilon: { num: 2, den: 1 },
    description: 'Discrete Laplace noise, epsilon 2.0 per query.',
  },
  dp_medium: {
    name: 'dp_medium',
    epsilon: { num: 1, den: 1 },
    description: 'Discrete Laplace noise, epsilon 1.0 per query.',
  },
  dp_high: {
    name: 'dp_high',
    epsilon: { num: 1, den: 2 },
    description: 'Discrete Laplace noise, epsilon 0.5 per query.',
  },
};

export function epsilonValue(level: PrivacyLevel): number {
  return level.epsilon ? level.epsilon.num / level.epsilon.den : 0;
}

/**
 * Per-learner contribution caps applied under DP so a sum has a known
 * sensitivity: one learner changes a capped sum by at most the cap.
 */
export const contributionCaps = {
  /** Sessions one learner adds to a period's count. */
  sessionsPerPeriod: 200,
  /** Learning minutes one learner adds to a period's total. */
  minutesPerPeriod: 6000,
  /** Sessions one learner adds to one day's count. */
  sessionsPerDay: 20,
  /** Learning minutes one learner adds to one day's total. */
  minutesPerDay: 600,
} as const;

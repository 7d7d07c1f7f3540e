// Privacy of released figures: levels, k-anonymity, the discrete Laplace
// mechanism with reproducible noise, and the per-tenant budget ledger.
export {
  type BudgetCharge,
  type BudgetPeriodKind,
  budgetPeriodOf,
  createPrivacyBudget,
  type PrivacyBudget,
} from './budget.js';
export { bernoulliExp, discreteLaplaceVariance, sampleDiscreteLaplace } from './discrete-laplace.js';
export {
  contributionCaps,
  DELTA,
  epsilonValue,
  type PrivacyLevel,
  type PrivacyLevelName,
  privacyLevelNames,
  privacyLevels,
} from './levels.js';
export { keyedRandomSource, noiseKey, type RandomSource, systemRandomSource } from './random.js';
export {
  type CohortInput,
  createPrivacyGuard,
  type FigureInput,
  type PrivacyGuard,
  queryHash,
  type Released,
  type ReleasedCohort,
  type ReleaseRequest,
} from './release.js';

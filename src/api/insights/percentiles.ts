// Where a learner stands in their tenant's cohort: the percentile rank of a
// value among the cohort's values, and the thresholds of the cohort figures
// (struggling, difficulty). Pure; the counts come from queries/cohort.ts and
// pass the privacy guard (k-anonymity, DP noise) before they get here.
//
// Percentile rank = 100 · (below + ties / 2) / cohort, where `below` counts the
// cohort's values strictly lower than the learner's and `ties` the equal ones
// (the learner's own included): the mid-rank definition, so a cohort of equal
// values puts everyone at 50 and the single best of five at 90.

/** A learner struggles with a topic when their newest mastery score in the period is below this. */
export const STRUGGLING_BELOW = 0.5;

/** The percentile rank (0–100, two decimals) from the cohort counts; null without a cohort. */
export function percentileRank(below: number | null, ties: number | null, cohort: number | null): number | null {
  if (below === null || ties === null || cohort === null || cohort <= 0) return null;
  const rank = (100 * (below + ties / 2)) / cohort;
  return Number(Math.min(100, Math.max(0, rank)).toFixed(2));
}

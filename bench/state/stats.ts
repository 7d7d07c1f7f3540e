// Summaries of a run's timings: nearest-rank percentiles (the value below
// which at least p of the samples lie, always one of the samples) and the
// per-run figures the state report prints.

/** Nearest-rank percentile of `values` for p in (0, 1]: the ⌈p·n⌉-th smallest; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 1)) throw new RangeError(`percentile wants 0 < p <= 1, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(p * sorted.length);
  return sorted[rank - 1] as number;
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? Number.NaN : values.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY),
  };
}

/** Events per second of a run, and its ratio to a baseline run (the "must not fall as learners grow"). */
export function throughputRatio(eventsPerSecond: number, baselineEventsPerSecond: number): number {
  return baselineEventsPerSecond > 0 ? eventsPerSecond / baselineEventsPerSecond : Number.NaN;
}

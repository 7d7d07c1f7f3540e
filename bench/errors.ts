// Error codes of the benchmark suite: a measurement that could not run (a
// peer that failed to build or start, a child process that died, a timeout).
import { defineErrorCode } from '../src/core/errors.js';

export const BenchOptionInvalid = defineErrorCode('LS_BENCH_OPTION', 'Invalid benchmark option', 400, false);
export const BenchMeasurementFailed = defineErrorCode(
  'LS_BENCH_MEASUREMENT',
  'A benchmark measurement failed',
  500,
  false,
);
export const BenchTimeout = defineErrorCode('LS_BENCH_TIMEOUT', 'A benchmark measurement timed out', 504, false);

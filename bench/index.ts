// Public surface of the benchmark suite: the runner the CLI calls
// (`learnstream bench`), the report model and its required fields.
export { type BenchOptions, parseBenchOptions, usage } from './options.js';
export { type BenchReport, missingReportPaths, requiredReportPaths } from './report/model.js';
export { type BenchRunResult, runBench, runBenchSuite } from './run.js';

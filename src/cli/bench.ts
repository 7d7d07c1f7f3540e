// `learnstream bench`: runs the benchmark suite (bench/run.ts, a dev-only part
// of the repository) with the caller's terminal, or says clearly that this
// checkout or install has no benchmark suite.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LearnstreamError } from '../core/errors.js';
import { CliUsage } from './errors.js';

/** bench/run.ts seen from src/cli (tsx) and from dist/cli (compiled): both two levels down from the root. */
export const benchEntry = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

export const benchHelp = `Usage: learnstream bench [options]   (the same as: npm run bench -- [options])

Runs the benchmark suite (bench/run.ts): broker limit, raw kafkajs, Kafka Streams,
learnstream end to end, live feed latency and heap per key; writes its report to
bench/reports.`;

type BenchModule = { runBench?: (argv: string[]) => Promise<number> };

export async function runBench(argv: string[], entry = benchEntry): Promise<number> {
  const help = argv.includes('--help') || argv.includes('-h');
  if (!existsSync(entry)) {
    const msg = `learnstream bench: the benchmark suite is not in this installation (${entry} is missing).\nRun it from a source checkout of learnstream: npm run bench -- --help`;
    if (help) {
      console.log(`${benchHelp}\n\n${msg}`);
      return 0;
    }
    console.error(msg);
    return 1;
  }
  if (help) console.log(`${benchHelp}\n`);
  // In-process when TypeScript loads (sources run through tsx), so option errors are the CLI's usage errors.
  const mod = (await import(pathToFileURL(entry).href).catch(() => undefined)) as BenchModule | undefined;
  if (mod?.runBench) {
    try {
      return await mod.runBench(argv);
    } catch (err) {
      if (err instanceof LearnstreamError && err.code === 'LS_BENCH_OPTION') {
        throw new LearnstreamError(CliUsage, err.message, { cause: err });
      }
      throw err;
    }
  }
  // A compiled install cannot import .ts: run the suite through tsx in a child.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), entry, ...argv], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

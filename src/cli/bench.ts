// `learnstream bench`: runs the benchmark suite (bench/run.ts, a dev-only part
// of the repository) in a child process with the caller's terminal, or says
// clearly that this checkout or install has no benchmark suite.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** bench/run.ts seen from src/cli (tsx) and from dist/cli (compiled): both two levels down from the root. */
export const benchEntry = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

export const benchHelp = `Usage: learnstream bench [options]

Runs the benchmark suite (bench/run.ts): throughput, end-to-end latency, live feed
fan-out and memory, with a report in bench/reports. Same as \`npm run bench\`.
Its options are listed by \`learnstream bench --help\` when the suite is present.`;

export async function runBench(argv: string[], entry = benchEntry): Promise<number> {
  if (!existsSync(entry)) {
    const msg = `learnstream bench: the benchmark suite is not in this installation (${entry} is missing).\nRun it from a source checkout of learnstream: npm run bench -- --help`;
    if (argv.includes('--help') || argv.includes('-h')) {
      console.log(`${benchHelp}\n\n${msg}`);
      return 0;
    }
    console.error(msg);
    return 1;
  }
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

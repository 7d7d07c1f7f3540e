// Runs one measurement in its own Node process (TypeScript through tsx), so
// each gets a clean heap, its own chdb data dir and, when asked, a
// `node --cpu-prof` profile. The child prints one JSON line prefixed RESULT.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LearnstreamError } from '../src/core/errors.js';
import { BenchMeasurementFailed, BenchTimeout } from './errors.js';

export interface ChildRun {
  /** Module in bench/children/, without extension. */
  child: string;
  input: unknown;
  nodeFlags?: string[];
  timeoutMs: number;
  env?: Record<string, string>;
}

export const resultPrefix = 'RESULT ';

export function childPath(name: string): string {
  return fileURLToPath(new URL(`./children/${name}.ts`, import.meta.url));
}

export function runChild<T>(run: ChildRun): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const args = ['--import', 'tsx', ...(run.nodeFlags ?? []), childPath(run.child), JSON.stringify(run.input)];
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...run.env },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8000);
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new LearnstreamError(BenchTimeout, `${run.child} ran longer than ${run.timeoutMs} ms`));
    }, run.timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(resultPrefix));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(resultPrefix.length)) as T);
      reject(new LearnstreamError(BenchMeasurementFailed, `${run.child} exited ${code}: ${err.trim().slice(-2000)}`));
    });
  });
}

/** In a child: reads its input, runs `body`, prints the RESULT line and exits. */
export function childMain<I, O>(body: (input: I) => Promise<O>): void {
  const input = JSON.parse(process.argv[2] ?? '{}') as I;
  body(input).then(
    (result) => {
      process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

/** Wall clock with sub-millisecond resolution, comparable across processes on one machine. */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Like runChild, for a child that prints its RESULT and then stays alive:
 * once the RESULT line is read the child is killed with SIGKILL (no clean-up,
 * no exit handlers, as a crashed instance), and the result resolves after it is gone.
 */
export function runChildThenKill<T>(run: ChildRun): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const args = ['--import', 'tsx', ...(run.nodeFlags ?? []), childPath(run.child), JSON.stringify(run.input)];
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...run.env },
    });
    let out = '';
    let err = '';
    let result: T | undefined;
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (result !== undefined) return;
      const line = out.split('\n').find((l, i, all) => l.startsWith(resultPrefix) && i < all.length - 1);
      if (!line) return;
      result = JSON.parse(line.slice(resultPrefix.length)) as T;
      proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8000);
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new LearnstreamError(BenchTimeout, `${run.child} ran longer than ${run.timeoutMs} ms`));
    }, run.timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined && signal === 'SIGKILL') return resolve(result);
      reject(
        new LearnstreamError(
          BenchMeasurementFailed,
          `${run.child} exited ${code ?? signal} before its result: ${err.trim().slice(-2000)}`,
        ),
      );
    });
  });
}

// A Java peer of the benchmark (the Kafka Streams app, the Flink job) as a
// child process: started with the bench's heap and any extra JVM flags
// (BENCH_JAVA_OPTS, e.g. a flight recording), its wall-clock marks read from
// stdout (START before the engine starts, FIRST at the first record it
// decodes, DONE when a bounded job has finished), stopped by its own PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { LearnstreamError } from '../../src/core/errors.js';
import { BenchMeasurementFailed, BenchTimeout } from '../errors.js';

/** -Xmx of every Java peer: room for its state on a 2,000,000-event run without tuning per peer. */
export const peerHeap = '-Xmx2g';

export interface JavaPeer {
  readonly proc: ChildProcess;
  /** Wall-clock ms of each mark the peer printed (START, FIRST, DONE). */
  readonly marks: Map<string, number>;
  /** Throws when the peer exited (or, with `allowExit`, failed) or the deadline passed; else waits 100 ms. */
  tick(allowExit?: boolean): Promise<void>;
  readonly exitCode: number | null | undefined;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export function startJavaPeer(
  name: string,
  mainClass: string,
  classpath: string,
  args: string[],
  timeoutMs: number,
): JavaPeer {
  const extra = (process.env.BENCH_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  const proc = spawn('java', [peerHeap, ...extra, '-cp', classpath, mainClass, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const marks = new Map<string, number>();
  let stderr = '';
  let exitCode: number | null | undefined;
  let pending = '';
  proc.stdout?.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^(START|FIRST|DONE) (\d+)$/.exec(line.trim());
      if (m && !marks.has(m[1] as string)) marks.set(m[1] as string, Number(m[2]));
    }
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const deadline = Date.now() + timeoutMs;
  return {
    proc,
    marks,
    get exitCode() {
      return exitCode;
    },
    async tick(allowExit = false) {
      if (exitCode !== undefined && !(allowExit && exitCode === 0)) {
        throw new LearnstreamError(BenchMeasurementFailed, `${name} exited (code ${exitCode}): ${stderr}`);
      }
      if (Date.now() > deadline) throw new LearnstreamError(BenchTimeout, `${name} did not complete`);
      await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      if (exitCode === undefined) proc.kill('SIGTERM');
      await exited;
    },
  };
}

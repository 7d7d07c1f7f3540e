// Child processes of local services: spawned in their own process group so a
// stop kills the whole tree, tracked so the parent never leaves one behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

export interface SpawnedService {
  pid: number;
  child: ChildProcess;
}

export function spawnService(
  command: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean },
): SpawnedService {
  const out = openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', out, out],
    detached: true, // own process group, so killGroup reaches every descendant
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  if (opts.detached) {
    child.unref();
  } else {
    live.add(child.pid);
    installExitHook();
    child.once('exit', () => live.delete(child.pid as number));
  }
  return { pid: child.pid, child };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) killGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  live.delete(pid);
}

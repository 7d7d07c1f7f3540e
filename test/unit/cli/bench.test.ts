// `learnstream bench` where the benchmark suite is absent (an installed
// package ships without bench/): a clear note instead of a stack trace.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBench } from '../../../src/cli/bench.js';

describe('learnstream bench without the suite', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exits 1 and says where the suite is expected', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    expect(await runBench(['--smoke'], '/nonexistent/bench/run.ts')).toBe(1);
    expect(errors.join('\n')).toContain(
      'the benchmark suite is not in this installation (/nonexistent/bench/run.ts is missing)',
    );
  });

  it('--help still exits 0 and documents the command', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
    expect(await runBench(['--help'], '/nonexistent/bench/run.ts')).toBe(0);
    expect(out.join('\n')).toContain('Usage: learnstream bench [options]');
  });
});

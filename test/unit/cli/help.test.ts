// The `learnstream` binary as a user meets it: every command answers --help
// with exit 0 and lists its options; unknown commands and options are usage
// errors (exit 2) that name the culprit and point at --help.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../../bin/learnstream.mjs', import.meta.url).pathname;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// What each command's help must document, written from the README's CLI reference.
const documented: Record<string, string[]> = {
  start: ['--help', 'learnstream config', 'LEARNSTREAM_SOURCE_KIND', 'CLICKHOUSE_URL'],
  simulate: [
    '--seed',
    '--events',
    '--tenants',
    '--learners',
    '--days',
    '--start',
    '--out',
    '--format',
    '--kafka',
    '--topic',
    '--brokers',
    '--late',
    '--out-of-order',
    '--malformed',
    '--help',
  ],
  replay: [
    'FILE',
    '--to',
    '--token',
    '--kafka',
    '--topic',
    '--brokers',
    '--format',
    '--batch',
    '--rate',
    '--fail-on-reject',
    '--help',
  ],
  migrate: ['--dir'],
  services: ['up', 'down', 'status', '--help'],
  bench: ['bench'],
  'erase-learner': ['--tenant', '--learner'],
  token: ['--role', 'producer', '--tenant', '--learner', '--linked', '--sub', '--ttl', '--help'],
  config: ['--json', '--help'],
};

describe('learnstream --help', () => {
  it('lists every command', () => {
    const { code, stdout } = run('--help');
    expect(code).toBe(0);
    for (const name of Object.keys(documented)) expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('without a command prints the usage on stderr and exits 2', () => {
    const { code, stderr } = run();
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: learnstream <command>');
  });

  it.each(Object.entries(documented))('%s --help exits 0 and documents its options', (name, options) => {
    const { code, stdout } = run(name, '--help');
    expect(code).toBe(0);
    expect(stdout.toLowerCase()).toContain(name === 'bench' ? 'bench' : `learnstream ${name}`);
    for (const option of options) expect(stdout).toContain(option);
  });
});

describe('usage errors exit 2', () => {
  it('an unknown command', () => {
    const { code, stderr } = run('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });

  it.each(['start', 'simulate', 'replay', 'migrate', 'services', 'erase-learner', 'token', 'config'])(
    '%s with an unknown option names it and points at --help',
    (name) => {
      const { code, stderr } = run(name, '--no-such-option');
      expect(code).toBe(2);
      expect(stderr).toContain(`learnstream ${name}:`);
      expect(stderr).toContain("'--no-such-option'");
      expect(stderr).toContain(`learnstream ${name} --help`);
    },
  );

  it('bench with an unknown option: a usage error, or a clear note when the suite is not installed', () => {
    const { code, stderr } = run('bench', '--no-such-option');
    if (existsSync(new URL('../../../bench/run.ts', import.meta.url))) {
      expect(code).toBe(2);
      expect(stderr).toContain("learnstream bench: Unknown option '--no-such-option'");
    } else {
      expect(code).toBe(1);
      expect(stderr).toContain('the benchmark suite is not in this installation');
    }
  });

  it('replay without a file, with a missing file, with a bad --batch', () => {
    expect(run('replay').code).toBe(2);
    const missing = run('replay', '/nonexistent/learnstream.ndjson');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/learnstream.ndjson');
    const bad = run('replay', bin, '--batch', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--batch must be a positive integer');
  });

  it('simulate with a bad value names the option', () => {
    const events = run('simulate', '--events', 'x');
    expect(events.code).toBe(2);
    expect(events.stderr).toContain('--events must be a non-negative integer (got x)');
    const late = run('simulate', '--late', '3');
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('--late is a share between 0 and 1 (got 3)');
  });

  it('services with an unknown action', () => {
    const { code, stderr } = run('services', 'restart');
    expect(code).toBe(2);
    expect(stderr).toContain('up, down or status');
  });
});

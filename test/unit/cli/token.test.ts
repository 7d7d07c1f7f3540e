// `learnstream token` as an operator runs it: the printed token verifies with
// the engine's verifier under the same settings, carries the asked-for claims
// and an expiry within the role's limit; a lifetime beyond it, a missing
// tenant or an unknown role is a usage error (exit 2).
import { spawnSync } from 'node:child_process';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../src/api/auth/tokens.js';
import { parseTtl } from '../../../src/cli/token.js';

const bin = new URL('../../../bin/learnstream.mjs', import.meta.url).pathname;
const jwtSecret = 'cli-token-test-secret-0123456789abcdef0123';

function token(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, 'token', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LEARNSTREAM_AUTH_JWT_SECRET: jwtSecret, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('learnstream token', () => {
  it('parses durations', () => {
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('45m')).toBe(2700);
    expect(parseTtl('12h')).toBe(43_200);
    expect(parseTtl('30d')).toBe(2_592_000);
    for (const bad of ['', '0s', '1', '1w', '-1h', '1.5h', 'h']) expect(parseTtl(bad), bad).toBeUndefined();
  });

  it('a producer token: bound to its tenant, 30 days by default, accepted by the verifier', async () => {
    const { code, stdout, stderr } = token(['--role', 'producer', '--tenant', 'acme', '--sub', 'lms-acme']);
    expect(code, stderr).toBe(0);
    const claims = decodeJwt(stdout);
    expect(claims).toMatchObject({ sub: 'lms-acme', role: 'producer', tenant_id: 'acme' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86_400);
    await expect(createTokenVerifier({ jwtSecret }).verify(stdout)).resolves.toEqual({
      subject: 'lms-acme',
      role: 'producer',
      tenantId: 'acme',
      learnerIds: [],
    });
    expect(stderr).toContain('"role":"producer"');
    expect(stderr).not.toContain('default or weak');
  });

  it('interactive roles: 1 h by default, --ttl up to the configured limit', () => {
    const admin = decodeJwt(token(['--role', 'admin']).stdout);
    expect((admin.exp as number) - (admin.iat as number)).toBe(3600);
    const parent = token(['--role', 'parent', '--tenant', 'acme', '--linked', 'p-1, p-2', '--ttl', '24h']);
    expect(decodeJwt(parent.stdout)).toMatchObject({ linked_learners: ['p-1', 'p-2'] });
    const tooLong = token(['--role', 'tenant_staff', '--tenant', 'acme', '--ttl', '25h']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain(
      '--ttl 25h is 90000 s; tenant_staff tokens may live at most 86400 s (LEARNSTREAM_AUTH_MAX_TOKEN_TTL_SECONDS)',
    );
    const shorter = token(['--role', 'admin', '--ttl', '2h'], { LEARNSTREAM_AUTH_MAX_TOKEN_TTL_SECONDS: '3600' });
    expect(shorter.code).toBe(2);
  });

  it('usage errors: unknown role, missing tenant, bad duration', () => {
    const root = token(['--role', 'root']);
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('--role must be one of admin, tenant_staff, learner, parent, producer (got root)');
    const noTenant = token(['--role', 'producer']);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toContain('producer token needs tenant_id');
    expect(token(['--role', 'admin', '--ttl', 'forever']).code).toBe(2);
  });

  it('warns when signing with the default secret', () => {
    const r = spawnSync(process.execPath, [bin, 'token', '--role', 'admin'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('default or weak LEARNSTREAM_AUTH_JWT_SECRET');
  });
});

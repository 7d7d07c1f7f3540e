// Token verification: HS256 with the configured secret, RS256 against a JWKS
// served over HTTP (a local server standing in for the identity provider),
// and refusal of everything else with LS_API_UNAUTHENTICATED.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canPostEventFor,
  canPostEvents,
  canReadLearner,
  canReadOperations,
  canReadResults,
  canReadTenant,
} from '../../../src/api/auth/principal.js';
import { createTokenVerifier, issueDevToken, signToken, tokenLifetimeProblem } from '../../../src/api/auth/tokens.js';

const secret = 'a-test-secret-that-is-at-least-32-chars';

describe('HS256 tokens', () => {
  const verifier = createTokenVerifier({ jwtSecret: secret });

  it('reads each role into a principal', async () => {
    const staff = await verifier.verify(
      await signToken(secret, { sub: 's1', role: 'tenant_staff', tenant_id: 'acme' }),
    );
    expect(staff).toEqual({ subject: 's1', role: 'tenant_staff', tenantId: 'acme', learnerIds: [] });
    const learner = await verifier.verify(
      await signToken(secret, { sub: 'l1', role: 'learner', tenant_id: 'acme', learner_id: 'p-1' }),
    );
    expect(learner.learnerIds).toEqual(['p-1']);
    const parent = await verifier.verify(
      await signToken(secret, { sub: 'm1', role: 'parent', tenant_id: 'acme', linked_learners: ['p-1', 'p-2'] }),
    );
    expect(parent.learnerIds).toEqual(['p-1', 'p-2']);
    const admin = await verifier.verify(await issueDevToken({ jwtSecret: secret }));
    expect(admin).toMatchObject({ role: 'admin', tenantId: undefined });
  });

  it('refuses a wrong secret, an expired token, garbage and missing claims', async () => {
    const wrong = await signToken('another-secret-that-is-32-chars-long!!', { sub: 'x', role: 'admin' });
    await expect(verifier.verify(wrong)).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED', status: 401 });
    const expired = await signToken(secret, { sub: 'x', role: 'admin' }, { expiresIn: '-1m' });
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED' });
    await expect(verifier.verify('not-a-jwt')).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED' });
    const noTenant = await new SignJWT({ sub: 'x', role: 'tenant_staff' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    await expect(verifier.verify(noTenant)).rejects.toThrow(/tenant_id/);
    const badRole = await new SignJWT({ sub: 'x', role: 'root' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    await expect(verifier.verify(badRole)).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED' });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createTokenVerifier({ jwtSecret: secret, issuer: 'idp', audience: 'learnstream' });
    const good = await signToken(secret, { sub: 'x', role: 'admin' }, { issuer: 'idp', audience: 'learnstream' });
    await expect(strict.verify(good)).resolves.toMatchObject({ role: 'admin' });
    const bad = await signToken(secret, { sub: 'x', role: 'admin' }, { issuer: 'other', audience: 'learnstream' });
    await expect(strict.verify(bad)).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED' });
  });
});

describe('token lifetime', () => {
  const verifier = createTokenVerifier({ jwtSecret: secret });
  const key = new TextEncoder().encode(secret);
  const now = () => Math.floor(Date.now() / 1000);
  /** A token with exactly these time claims (undefined: claim absent). */
  const raw = (claims: Record<string, unknown>, times: { iat?: number; exp?: number }) => {
    let jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' });
    if (times.iat !== undefined) jwt = jwt.setIssuedAt(times.iat);
    if (times.exp !== undefined) jwt = jwt.setExpirationTime(times.exp);
    return jwt.sign(key);
  };
  const admin = { sub: 'a', role: 'admin' } as const;
  const producer = { sub: 'lms', role: 'producer', tenant_id: 'acme' } as const;
  const HOUR = 3600;
  const DAY = 24 * HOUR;

  it('refuses a token without exp, for every role', async () => {
    for (const claims of [admin, producer, { sub: 's', role: 'tenant_staff', tenant_id: 'acme' }]) {
      await expect(verifier.verify(await raw(claims, { iat: now() }))).rejects.toMatchObject({
        code: 'LS_API_UNAUTHENTICATED',
        message: expect.stringContaining('no exp claim'),
      });
    }
  });

  it('interactive roles: at most 24 h by default; producers at most 30 days', async () => {
    const t = now();
    await expect(verifier.verify(await raw(admin, { iat: t, exp: t + DAY }))).resolves.toMatchObject({
      role: 'admin',
    });
    await expect(verifier.verify(await raw(admin, { iat: t, exp: t + DAY + 60 }))).rejects.toThrow(
      `token lifetime ${DAY + 60} s exceeds the ${DAY} s admin tokens may have (LEARNSTREAM_AUTH_MAX_TOKEN_TTL_SECONDS)`,
    );
    await expect(verifier.verify(await raw(producer, { iat: t, exp: t + 30 * DAY }))).resolves.toMatchObject({
      role: 'producer',
      tenantId: 'acme',
    });
    await expect(verifier.verify(await raw(producer, { iat: t, exp: t + 31 * DAY }))).rejects.toThrow(
      'LEARNSTREAM_AUTH_MAX_PRODUCER_TOKEN_TTL_SECONDS',
    );
  });

  it('follows the configured limits', async () => {
    const strict = createTokenVerifier({ jwtSecret: secret, maxTokenTtlSeconds: 600, maxProducerTokenTtlSeconds: DAY });
    await expect(strict.verify(await signToken(secret, admin, { expiresIn: '10m' }))).resolves.toBeDefined();
    await expect(strict.verify(await signToken(secret, admin, { expiresIn: '1h' }))).rejects.toThrow(
      /exceeds the 600 s/,
    );
    await expect(strict.verify(await signToken(secret, producer, { expiresIn: '24h' }))).resolves.toBeDefined();
    await expect(strict.verify(await signToken(secret, producer, { expiresIn: '25h' }))).rejects.toThrow(
      /exceeds the 86400 s producer tokens/,
    );
  });

  it('a missing or forward-dated iat cannot stretch the lifetime: it then runs from now', async () => {
    const t = now();
    await expect(verifier.verify(await raw(admin, { exp: t + 2 * DAY }))).rejects.toThrow(/exceeds the 86400 s/);
    await expect(verifier.verify(await raw(admin, { exp: t + HOUR }))).resolves.toBeDefined();
    const tenYears = 10 * 365 * DAY;
    await expect(verifier.verify(await raw(admin, { iat: t + tenYears, exp: t + tenYears + HOUR }))).rejects.toThrow(
      /exceeds the 86400 s/,
    );
  });

  it('the pure rule, by hand', () => {
    const settings = { jwtSecret: secret, maxTokenTtlSeconds: 100, maxProducerTokenTtlSeconds: 1000 };
    expect(tokenLifetimeProblem({ iat: 50, exp: 150 }, 'learner', settings, 60)).toBeUndefined();
    expect(tokenLifetimeProblem({ iat: 50, exp: 151 }, 'learner', settings, 60)).toMatch(/lifetime 101 s/);
    expect(tokenLifetimeProblem({ iat: 50, exp: 1050 }, 'producer', settings, 60)).toBeUndefined();
    expect(tokenLifetimeProblem({ iat: 50, exp: 1051 }, 'producer', settings, 60)).toMatch(/lifetime 1001 s/);
    // No iat: from now (60) to exp.
    expect(tokenLifetimeProblem({ exp: 160 }, 'admin', settings, 60)).toBeUndefined();
    expect(tokenLifetimeProblem({ exp: 161 }, 'admin', settings, 60)).toMatch(/lifetime 101 s/);
    // iat after now: from now.
    expect(tokenLifetimeProblem({ iat: 500, exp: 590 }, 'admin', settings, 60)).toMatch(/lifetime 530 s/);
    expect(tokenLifetimeProblem({ iat: 50 }, 'admin', settings, 60)).toMatch(/no exp claim/);
    expect(tokenLifetimeProblem({ iat: 50, exp: '150' }, 'admin', settings, 60)).toMatch(/no exp claim/);
  });

  it('the dev token (24 h) is within the default limit', async () => {
    await expect(verifier.verify(await issueDevToken({ jwtSecret: secret }))).resolves.toMatchObject({ role: 'admin' });
  });
});

describe('RS256 tokens via JWKS', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a token signed by a JWKS key and refuses one signed by another key', async () => {
    const verifier = createTokenVerifier({ jwtSecret: secret, jwksUrl });
    const token = await new SignJWT({ sub: 'idp-user', role: 'tenant_staff', tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'idp-user', tenantId: 'acme' });
    const stranger = (await generateKeyPair('RS256')).privateKey;
    const forged = await new SignJWT({ sub: 'x', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .sign(stranger);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'LS_API_UNAUTHENTICATED' });
  });

  it('refuses RS256 when no JWKS URL is configured', async () => {
    const token = await new SignJWT({ sub: 'x', role: 'admin' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await expect(createTokenVerifier({ jwtSecret: secret }).verify(token)).rejects.toThrow(/no JWKS URL/);
  });
});

describe('access rules', () => {
  const staff = { subject: 's', role: 'tenant_staff' as const, tenantId: 'acme', learnerIds: [] };
  const learner = { subject: 'l', role: 'learner' as const, tenantId: 'acme', learnerIds: ['p-1'] };
  const parent = { subject: 'm', role: 'parent' as const, tenantId: 'acme', learnerIds: ['p-1', 'p-2'] };
  const admin = { subject: 'a', role: 'admin' as const, tenantId: undefined, learnerIds: [] };

  it('tenant aggregates: admin any, staff own only, learners and parents none', () => {
    expect(canReadTenant(admin, 'other')).toBe(true);
    expect(canReadTenant(staff, 'acme')).toBe(true);
    expect(canReadTenant(staff, 'other')).toBe(false);
    expect(canReadTenant(learner, 'acme')).toBe(false);
    expect(canReadTenant(parent, 'acme')).toBe(false);
  });

  it('producers: post events of their own tenant only, read nothing; admins post for any tenant', () => {
    const producer = { subject: 'lms', role: 'producer' as const, tenantId: 'acme', learnerIds: [] };
    expect(canPostEvents(producer)).toBe(true);
    expect(canPostEventFor(producer, 'acme')).toBe(true);
    expect(canPostEventFor(producer, 'other')).toBe(false);
    expect(canPostEvents(admin)).toBe(true);
    expect(canPostEventFor(admin, 'other')).toBe(true);
    for (const reader of [staff, learner, parent]) {
      expect(canPostEvents(reader)).toBe(false);
      expect(canPostEventFor(reader, 'acme')).toBe(false);
      expect(canReadResults(reader)).toBe(true);
    }
    expect(canReadResults(producer)).toBe(false);
    expect(canReadTenant(producer, 'acme')).toBe(false);
    expect(canReadLearner(producer, 'acme', 'p-1')).toBe(false);
    expect(canReadOperations(producer)).toBe(false);
  });

  it('learner data: staff of that tenant, the learner, linked parents', () => {
    expect(canReadLearner(staff, 'acme', 'p-9')).toBe(true);
    expect(canReadLearner(staff, 'other', 'p-9')).toBe(false);
    expect(canReadLearner(learner, 'acme', 'p-1')).toBe(true);
    expect(canReadLearner(learner, 'acme', 'p-2')).toBe(false);
    expect(canReadLearner(parent, 'acme', 'p-2')).toBe(true);
    expect(canReadLearner(parent, 'other', 'p-2')).toBe(false);
    expect(canReadOperations(admin)).toBe(true);
    expect(canReadOperations(staff)).toBe(false);
  });
});

// Token verification: HS256 with the configured secret, RS256 against a JWKS
// served over HTTP (a local server standing in for the identity provider),
// and refusal of everything else with LS_API_UNAUTHENTICATED.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canReadLearner, canReadOperations, canReadTenant } from '../../../src/api/auth/principal.js';
import { createTokenVerifier, issueDevToken, signToken } from '../../../src/api/auth/tokens.js';

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

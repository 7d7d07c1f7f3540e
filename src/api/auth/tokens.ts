// Bearer token verification (HS256 with the configured secret, RS256 against
// an identity provider's JWKS) and the dev token the embedded engine prints at
// start. Produces a Principal; anything else becomes LS_API_UNAUTHENTICATED.
// Every token must expire: no `exp`, or a lifetime above the role's limit
// (auth.maxTokenTtlSeconds, auth.maxProducerTokenTtlSeconds), is refused.
import { createRemoteJWKSet, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { defaultMaxProducerTokenTtlSeconds, defaultMaxTokenTtlSeconds, envName } from '../../core/config.js';
import { LearnstreamError } from '../../core/errors.js';
import { ApiUnauthenticated } from '../errors.js';
import { type Principal, principalFromClaims, type Role, type TokenClaims, tokenClaimsSchema } from './principal.js';

export interface AuthSettings {
  jwtSecret: string;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Longest exp − iat of an interactive token (default 24 h). */
  maxTokenTtlSeconds?: number | undefined;
  /** Longest exp − iat of a producer token (default 30 days). */
  maxProducerTokenTtlSeconds?: number | undefined;
}

/** The longest lifetime, in seconds, a token of this role may have, and the setting that says so. */
export function maxTokenTtl(settings: AuthSettings, role: Role): { seconds: number; setting: string } {
  return role === 'producer'
    ? {
        seconds: settings.maxProducerTokenTtlSeconds ?? defaultMaxProducerTokenTtlSeconds,
        setting: envName('auth', 'maxProducerTokenTtlSeconds'),
      }
    : {
        seconds: settings.maxTokenTtlSeconds ?? defaultMaxTokenTtlSeconds,
        setting: envName('auth', 'maxTokenTtlSeconds'),
      };
}

/**
 * Why a verified token's lifetime is refused, or undefined when it is fine.
 * The lifetime runs from `iat` (or from now, when `iat` is absent or in the
 * future, so a forward-dated `iat` cannot stretch it) to `exp`.
 */
export function tokenLifetimeProblem(
  payload: { exp?: unknown; iat?: unknown },
  role: Role,
  settings: AuthSettings,
  nowSeconds: number,
): string | undefined {
  if (typeof payload.exp !== 'number') return 'token has no exp claim; every token must expire';
  const from = typeof payload.iat === 'number' ? Math.min(payload.iat, nowSeconds) : nowSeconds;
  const lifetime = payload.exp - from;
  const limit = maxTokenTtl(settings, role);
  if (lifetime > limit.seconds) {
    return `token lifetime ${Math.ceil(lifetime)} s exceeds the ${limit.seconds} s ${role} tokens may have (${limit.setting})`;
  }
  return undefined;
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export function createTokenVerifier(settings: AuthSettings): TokenVerifier {
  const secret = new TextEncoder().encode(settings.jwtSecret);
  const jwks: JWTVerifyGetKey | undefined = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl))
    : undefined;
  const options = {
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  return {
    async verify(token) {
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw new LearnstreamError(ApiUnauthenticated, 'token is not a JWT');
      }
      let payload: unknown;
      try {
        if (alg === 'HS256') {
          payload = (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
        } else if (alg === 'RS256' && jwks) {
          payload = (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256'] })).payload;
        } else {
          throw new Error(`algorithm ${alg} not accepted${alg === 'RS256' ? ' (no JWKS URL configured)' : ''}`);
        }
      } catch (err) {
        throw new LearnstreamError(ApiUnauthenticated, (err as Error).message, { cause: err });
      }
      const claims = tokenClaimsSchema.safeParse(payload);
      if (!claims.success) {
        throw new LearnstreamError(ApiUnauthenticated, claims.error.issues.map((i) => i.message).join('; '));
      }
      const problem = tokenLifetimeProblem(
        payload as { exp?: unknown; iat?: unknown },
        claims.data.role,
        settings,
        Date.now() / 1000,
      );
      if (problem) throw new LearnstreamError(ApiUnauthenticated, problem);
      return principalFromClaims(claims.data);
    },
  };
}

/** Signs an HS256 token with the configured secret (dev token, tests, scripts); it always gets `iat` and `exp`. */
export async function signToken(
  secret: string,
  claims: TokenClaims,
  opts: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '1h');
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** The admin token the embedded engine prints at start, valid for a day. */
export function issueDevToken(settings: AuthSettings): Promise<string> {
  return signToken(
    settings.jwtSecret,
    { sub: 'dev', role: 'admin' },
    {
      expiresIn: '24h',
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    },
  );
}

/** `Authorization: Bearer x` → x; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  return m?.[1];
}

// Bearer token verification (HS256 with the configured secret, RS256 against
// an identity provider's JWKS) and the dev token the embedded engine prints at
// start. Produces a Principal; anything else becomes LS_API_UNAUTHENTICATED.
import { createRemoteJWKSet, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { LearnstreamError } from '../../core/errors.js';
import { ApiUnauthenticated } from '../errors.js';
import { type Principal, principalFromClaims, type TokenClaims, tokenClaimsSchema } from './principal.js';

export interface AuthSettings {
  jwtSecret: string;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
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
      return principalFromClaims(claims.data);
    },
  };
}

/** Signs an HS256 token with the configured secret (dev token, tests, scripts). */
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

// Everything a route handler needs, built once per API instance: the store,
// settings, the token verifier, the privacy guard, the audit log, and the
// request-level checks (who is calling, does this tenant / learner exist).
import type { FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import { LearnstreamError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ClickHouseStore } from '../views/store.js';
import type { AuditLog } from './audit.js';
import { canReadResults, type Principal, producerReadsNothing } from './auth/principal.js';
import { bearerToken, type TokenVerifier } from './auth/tokens.js';
import { ApiForbidden, ApiNotFound, ApiUnauthenticated } from './errors.js';
import type { ReadinessReport } from './health.js';
import type { LiveFeed } from './live-feed.js';
import type { PipelineStatus } from './pipeline-status.js';
import type { PrivacyGuard } from './privacy/release.js';
import { tenantExists } from './queries/directory.js';

export interface ApiContext {
  store: ClickHouseStore;
  config: Config;
  logger: Logger;
  verifier: TokenVerifier;
  privacy: PrivacyGuard;
  audit: AuditLog;
  liveFeed: LiveFeed | undefined;
  pipelineStatus: () => PipelineStatus | Promise<PipelineStatus>;
  /** The process's readiness checks, as /readyz reports them. */
  readiness: () => Promise<ReadinessReport>;
  authenticate(req: FastifyRequest): Promise<Principal>;
  /** 404 unless the tenant has results. */
  requireTenant(tenantId: string): Promise<void>;
}

export function createApiContext(
  parts: Omit<ApiContext, 'authenticate' | 'requireTenant'> & { tenantCacheMs?: number },
): ApiContext {
  // Known tenants only ever become known, so positive answers are cached briefly.
  const known = new Map<string, number>();
  const cacheMs = parts.tenantCacheMs ?? 60_000;
  return {
    ...parts,
    async authenticate(req) {
      const token = bearerToken(req.headers.authorization);
      if (!token) throw new LearnstreamError(ApiUnauthenticated, 'send Authorization: Bearer <token>');
      const who = await parts.verifier.verify(token);
      if (!canReadResults(who)) throw new LearnstreamError(ApiForbidden, producerReadsNothing);
      return who;
    },
    async requireTenant(tenantId) {
      const at = known.get(tenantId);
      if (at !== undefined && Date.now() - at < cacheMs) return;
      if (!(await tenantExists(parts.store, tenantId))) {
        throw new LearnstreamError(ApiNotFound, `tenant ${tenantId} has no results`, { details: { tenantId } });
      }
      known.set(tenantId, Date.now());
    },
  };
}

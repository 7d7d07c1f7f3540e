// Who may post events to the collector (POST /v1/events): the bearer token is
// verified like every API token; admins may post for any tenant, a `producer`
// for its own; every other role gets 403. The collector asks the returned grant
// about each event's tenant and rejects mismatching events one by one.
import { LearnstreamError } from '../../core/errors.js';
import type { CollectorAuthorizer } from '../../ingest/collector.js';
import { ApiForbidden, ApiUnauthenticated } from '../errors.js';
import { canPostEventFor, canPostEvents } from './principal.js';
import { bearerToken, type TokenVerifier } from './tokens.js';

export function createCollectorAuthorizer(verifier: TokenVerifier): CollectorAuthorizer {
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (!token) throw new LearnstreamError(ApiUnauthenticated, 'send Authorization: Bearer <producer token>');
    const who = await verifier.verify(token);
    if (!canPostEvents(who)) {
      throw new LearnstreamError(ApiForbidden, `role ${who.role} may not post events; use a producer token`);
    }
    return {
      subject: who.subject,
      tenantId: who.tenantId,
      mayPostFor: (tenantId) => canPostEventFor(who, tenantId),
    };
  };
}

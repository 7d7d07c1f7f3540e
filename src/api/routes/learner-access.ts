// Who may read one learner's data, and in which tenant: the rule every
// learner-level route shares. Learners read their own data, parents their
// linked learners', staff their tenant's learners, admins anyone's (naming the
// tenant when a pseudonym has results in several). A learner another tenant's
// staff may not read gets the same 404 as one that does not exist.
import { LearnstreamError } from '../../core/errors.js';
import { canReadLearner, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiBadRequest, ApiForbidden, ApiNotFound } from '../errors.js';
import { tenantsOfLearner } from '../queries/directory.js';

/** The learner's tenant, once `who` may read them; throws 403 / 404 / 400 otherwise. */
export async function learnerTenantFor(
  ctx: ApiContext,
  who: Principal,
  learnerId: string,
  tenantAsked: string | undefined,
): Promise<string> {
  if ((who.role === 'learner' || who.role === 'parent') && !who.learnerIds.includes(learnerId)) {
    throw new LearnstreamError(
      ApiForbidden,
      `a ${who.role} may read only ${who.role === 'learner' ? 'their own' : "linked learners'"} data`,
    );
  }
  const wanted = who.tenantId ?? tenantAsked;
  const tenants = (await tenantsOfLearner(ctx.store, learnerId)).filter((t) => !wanted || t === wanted);
  const tenantId = tenants[0];
  if (!tenantId || !canReadLearner(who, tenantId, learnerId)) {
    throw new LearnstreamError(
      ApiNotFound,
      `learner ${learnerId} has no results${wanted ? ` in tenant ${wanted}` : ''}`,
    );
  }
  if (tenants.length > 1) {
    throw new LearnstreamError(ApiBadRequest, 'this pseudonym has results in several tenants: pass tenant_id', {
      details: { tenants },
    });
  }
  return tenantId;
}

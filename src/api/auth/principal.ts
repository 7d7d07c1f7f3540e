// Who is calling, as read from a verified token, and what that caller may
// read or write: the one place the role rules of PRODUCT.md ("Access control")
// live. Routes, the live feed and the collector ask these questions.
import { z } from 'zod';

export const roles = ['admin', 'tenant_staff', 'learner', 'parent', 'producer'] as const;
export type Role = (typeof roles)[number];

const id = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/);

/** The claims learnstream reads from a bearer token (snake_case, as JWTs usually are). */
export const tokenClaimsSchema = z
  .object({
    sub: z.string().min(1),
    role: z.enum(roles),
    tenant_id: id.optional(),
    learner_id: id.optional(),
    linked_learners: z.array(id).max(100).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.role !== 'admin' && !c.tenant_id)
      ctx.addIssue({ code: 'custom', message: `${c.role} token needs tenant_id` });
    if (c.role === 'learner' && !c.learner_id)
      ctx.addIssue({ code: 'custom', message: 'learner token needs learner_id' });
    if (c.role === 'parent' && !c.linked_learners?.length) {
      ctx.addIssue({ code: 'custom', message: 'parent token needs linked_learners' });
    }
  });

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

export interface Principal {
  /** Token subject: written to the audit log as the actor. */
  subject: string;
  role: Role;
  /** Undefined only for admins; for a producer, the one tenant it may post events for. */
  tenantId: string | undefined;
  /** Learners whose own data this caller may read (learner: self; parent: linked). */
  learnerIds: readonly string[];
}

export function principalFromClaims(c: TokenClaims): Principal {
  return {
    subject: c.sub,
    role: c.role,
    tenantId: c.role === 'admin' ? undefined : c.tenant_id,
    learnerIds: c.role === 'learner' ? [c.learner_id!] : c.role === 'parent' ? [...(c.linked_learners ?? [])] : [],
  };
}

/** Tenant aggregates: admins for all tenants, staff for their own. */
export function canReadTenant(p: Principal, tenantId: string): boolean {
  return p.role === 'admin' || (p.role === 'tenant_staff' && p.tenantId === tenantId);
}

/** A tenant's reference data (the topic catalog), reading or replacing it: admins for all tenants, staff for their own. */
export function canManageCatalog(p: Principal, tenantId: string): boolean {
  return p.role === 'admin' || (p.role === 'tenant_staff' && p.tenantId === tenantId);
}

/** One learner's data: admins, staff of the learner's tenant, the learner, linked parents. */
export function canReadLearner(p: Principal, tenantId: string, learnerId: string): boolean {
  if (p.role === 'admin') return true;
  if (p.tenantId !== tenantId) return false;
  if (p.role === 'tenant_staff') return true;
  return p.learnerIds.includes(learnerId);
}

/** Operational views (pipeline status) span tenants: admins only. */
export function canReadOperations(p: Principal): boolean {
  return p.role === 'admin';
}

export const producerReadsNothing = 'a producer token may only post events (POST /v1/events)';

/** Reading results at all (REST, live feed): every role but `producer`, which only posts events. */
export function canReadResults(p: Principal): boolean {
  return p.role !== 'producer';
}

/** Posting events to the collector at all: admins and producers. */
export function canPostEvents(p: Principal): boolean {
  return p.role === 'admin' || p.role === 'producer';
}

/** Posting one event of this tenant: admins for any tenant, a producer for its own. */
export function canPostEventFor(p: Principal, tenantId: string): boolean {
  return p.role === 'admin' || (p.role === 'producer' && p.tenantId === tenantId);
}

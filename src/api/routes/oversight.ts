// Oversight of the privacy rules themselves: admins read the audit log (every
// read of learner-level data, every erasure, catalog upload), and a tenant's
// admins and staff see how much of the differential-privacy budget of the
// current period is spent and what remains. Reading the audit log is itself
// audited.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LearnstreamError } from '../../core/errors.js';
import { sql } from '../../views/sql.js';
import { canReadOperations, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiForbidden } from '../errors.js';
import { parsePeriod } from '../queries/period.js';
import { errorResponses, learnerIdSchema, tenantIdSchema, tenantParams } from '../schemas.js';
import { authorizeTenant } from './tenants.js';

const auditQuery = z.object({
  tenant_id: tenantIdSchema.optional(),
  learner_id: learnerIdSchema.optional(),
  actor: z.string().min(1).max(256).optional().describe('Token subject'),
  action: z
    .string()
    .regex(/^[a-z_]{1,64}$/, 'actions are lowercase words joined by _')
    .optional(),
  from: z.string().optional().describe('ISO date or date-time; default 30 days before `to`'),
  to: z.string().optional().describe('Exclusive end; default the end of the current UTC day'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const auditResponse = z.object({
  entries: z.array(
    z.object({
      at: z.string(),
      actor: z.string(),
      role: z.string(),
      tenantId: z.string(),
      learnerId: z.string().describe("'' when the learner was erased since, or the action names none"),
      action: z.string(),
      resource: z.string(),
    }),
  ),
  page: z.object({ limit: z.number(), offset: z.number(), nextOffset: z.number().nullable() }),
});

export const budgetResponse = z.object({
  tenantId: z.string(),
  period: z.string().describe('The budget period the ledger charges now (e.g. 2026-11 or 2026-W49)'),
  budgetEpsilon: z.number(),
  spentEpsilon: z.number(),
  remainingEpsilon: z.number(),
});

/** GET /v1/tenants/:tenantId/privacy/budget as JSON, for REST and GraphQL alike. */
export async function privacyBudget(ctx: ApiContext, who: Principal, tenantId: string) {
  await authorizeTenant(ctx, who, tenantId);
  const status = await ctx.privacy.budgetStatus(tenantId);
  const round = (v: number) => Number(v.toFixed(6));
  return {
    tenantId,
    period: status.period,
    budgetEpsilon: status.budget,
    spentEpsilon: round(status.spent),
    remainingEpsilon: round(Math.max(0, status.budget - status.spent)),
  };
}

export function registerOversightRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/admin/audit',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The audit log, newest first, filtered by tenant, learner, actor, action and time',
        security: [{ bearerAuth: [] }],
        querystring: auditQuery,
        response: { 200: auditResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      if (!canReadOperations(who)) throw new LearnstreamError(ApiForbidden, 'the audit log is for admins');
      const q = req.query;
      const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays });
      const filters = [
        sql`at_ms >= ${period.fromMs} AND at_ms < ${period.toMs}`,
        ...(q.tenant_id ? [sql`tenant_id = ${q.tenant_id}`] : []),
        ...(q.learner_id ? [sql`learner_id = ${q.learner_id}`] : []),
        ...(q.actor ? [sql`actor = ${q.actor}`] : []),
        ...(q.action ? [sql`action = ${q.action}`] : []),
      ];
      const where = filters.map((f) => f.text).join(' AND ');
      await ctx.audit.record(who, {
        action: 'read_audit_log',
        resource: `/v1/admin/audit?from=${period.fromDay}&to=${period.toDay}`,
        tenantId: q.tenant_id ?? '',
        learnerId: q.learner_id ?? '',
      });
      // One row past the page says whether another page follows.
      const rows = await ctx.store.query<Record<string, string | number>>(
        `SELECT at_ms, actor, role, tenant_id, learner_id, action, resource FROM audit_log WHERE ${where}
         ORDER BY at_ms DESC, actor, action, resource LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
      );
      const page = rows.slice(0, q.limit);
      return {
        entries: page.map((r) => ({
          at: new Date(Number(r.at_ms)).toISOString(),
          actor: String(r.actor),
          role: String(r.role),
          tenantId: String(r.tenant_id),
          learnerId: String(r.learner_id),
          action: String(r.action),
          resource: String(r.resource),
        })),
        page: { limit: q.limit, offset: q.offset, nextOffset: rows.length > q.limit ? q.offset + q.limit : null },
      };
    },
  );

  api.get(
    '/v1/tenants/:tenantId/privacy/budget',
    {
      schema: {
        tags: ['privacy'],
        summary: "The tenant's differential-privacy budget in the current period: spent and remaining epsilon",
        security: [{ bearerAuth: [] }],
        params: tenantParams,
        response: { 200: budgetResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return privacyBudget(ctx, who, req.params.tenantId);
    },
  );
}

// POST /v1/admin/erasures (admins): erase one learner on request — from the
// engine's live operator state and checkpoints, then from every ClickHouse
// table. The engine supplies the erasure; an API-only process answers 503.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LearnstreamError } from '../../core/errors.js';
import { canReadOperations } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiBadRequest, ApiForbidden, ApiUnavailable } from '../errors.js';
import { errorResponses, learnerIdSchema, tenantIdSchema } from '../schemas.js';

export interface ErasureReport {
  tenantId: string;
  /** The pseudonym erased (the raw id is never stored or echoed). */
  pseudonym: string;
  /** True when the engine's live state held something of the learner. */
  stateCleared: boolean;
  /** Table mutations run. */
  mutations: number;
}

/** Implemented by the engine: `learnerId` is the platform's raw id, `pseudonym` the stored one. */
export type EraseLearner = (
  tenantId: string,
  who: { learnerId?: string; pseudonym?: string },
) => Promise<ErasureReport>;

const erasureRequest = z
  .object({
    tenantId: tenantIdSchema,
    learnerId: z.string().min(1).max(256).optional().describe("The platform's own learner id (pseudonymised here)"),
    pseudonym: learnerIdSchema.optional().describe('The pseudonym as stored, if the raw id is not at hand'),
  })
  .refine((b) => Boolean(b.learnerId) !== Boolean(b.pseudonym), {
    message: 'give exactly one of learnerId or pseudonym',
  });

const erasureResponse = z.object({
  tenantId: z.string(),
  pseudonym: z.string(),
  stateCleared: z.boolean(),
  mutations: z.number(),
});

export function registerAdminRoutes(app: FastifyInstance, ctx: ApiContext, erase: EraseLearner | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/admin/erasures',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Erase one learner everywhere (state, checkpoints, tables); aggregates stay',
        security: [{ bearerAuth: [] }],
        body: erasureRequest,
        response: { 200: erasureResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      if (!canReadOperations(who)) throw new LearnstreamError(ApiForbidden, 'erasure is for admins');
      if (!erase)
        throw new LearnstreamError(
          ApiUnavailable,
          'this process runs no engine; erase with `learnstream erase-learner`',
        );
      const body = req.body;
      if (!body.learnerId && !body.pseudonym) throw new LearnstreamError(ApiBadRequest, 'learnerId or pseudonym');
      const report = await erase(body.tenantId, { learnerId: body.learnerId, pseudonym: body.pseudonym });
      await ctx.audit.record(who, {
        action: 'erase_learner',
        resource: '/v1/admin/erasures',
        tenantId: report.tenantId,
        learnerId: '',
      });
      return report;
    },
  );
}

// GET /v1/privacy/levels (public: what each level means),
// GET /v1/pipeline/status (admins: lag, watermarks, last closed windows,
// checkpoint age, dead-letter and late-event counts) and
// GET /docs/asyncapi.json (public: the live feed's AsyncAPI document).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LearnstreamError } from '../../core/errors.js';
import { canReadOperations } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiForbidden } from '../errors.js';
import { asyncApiDocument } from '../live-schema.js';
import { DELTA, epsilonValue, privacyLevelNames, privacyLevels } from '../privacy/levels.js';
import { storedPipelineFigures } from '../queries/pipeline.js';
import { errorResponses, pipelineStatusResponse, privacyLevelsResponse } from '../schemas.js';

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** GET /v1/privacy/levels as JSON (public), for REST and GraphQL alike. */
export function privacyLevelsOf(ctx: ApiContext) {
  return {
    k: ctx.config.privacy.kAnonymity,
    delta: DELTA,
    budget: { epsilon: ctx.config.privacy.budgetEpsilon, period: ctx.config.privacy.budgetPeriod },
    levels: privacyLevelNames.map((name) => {
      const level = privacyLevels[name];
      return { level: name, epsilon: level.epsilon ? epsilonValue(level) : null, description: level.description };
    }),
  };
}

export function registerMetaRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const asyncApi = JSON.stringify(asyncApiDocument());
  r.get('/docs/asyncapi.json', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('application/json; charset=utf-8')
      .serializer((p) => p as string)
      .send(asyncApi),
  );
  r.get(
    '/v1/privacy/levels',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The privacy levels every aggregate endpoint accepts',
        response: { 200: privacyLevelsResponse },
      },
    },
    async () => privacyLevelsOf(ctx),
  );

  r.get(
    '/v1/pipeline/status',
    {
      schema: {
        tags: ['operations'],
        summary: 'Per-partition lag and watermarks, last closed windows, checkpoint age, dead letters, late events',
        security: [{ bearerAuth: [] }],
        response: { 200: pipelineStatusResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      if (!canReadOperations(who)) throw new LearnstreamError(ApiForbidden, 'pipeline status is for admins');
      const [live, stored] = await Promise.all([ctx.pipelineStatus(), storedPipelineFigures(ctx.store)]);
      const now = Date.now();
      const checkpointAt = new Map(stored.checkpoints.map((c) => [c.partition, c.createdAtMs]));
      const partitions = live.partitions.map((p) => {
        const at = checkpointAt.get(p.partition);
        return {
          partition: p.partition,
          lag: p.lag,
          watermarkMs: p.watermarkMs,
          idle: p.idle,
          checkpointAgeSeconds: p.checkpointAgeSeconds ?? (at ? Math.max(0, (now - at) / 1000) : null),
        };
      });
      const lastClosed = live.lastClosedWindows?.length
        ? live.lastClosedWindows
        : (ctx.liveFeed?.lastClosedWindows() ?? []);
      return {
        generatedAt: new Date(now).toISOString(),
        engineWatermarkMs: live.engineWatermarkMs,
        partitions,
        lastClosedWindows: lastClosed,
        deadLetters: { total: sum(stored.deadLettersByReason), byReason: stored.deadLettersByReason },
        lateEvents: { total: sum(stored.lateEventsByOperator), byOperator: stored.lateEventsByOperator },
      };
    },
  );
}

// GET /v1/learners/:learnerId/metrics — one learner's own data, for admins,
// staff of the learner's tenant, the learner, and linked parents. Every read
// is written to the audit log before the data leaves.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { type IepGoalProgress, learnerIepGoals } from '../queries/iep.js';
import { learnerMastery, learnerSessionTotals } from '../queries/learner-metrics.js';
import { type Period, parsePeriod, previousPeriod } from '../queries/period.js';
import { errorResponses, learnerMetricsQuery, learnerMetricsResponse, learnerParams } from '../schemas.js';
import { learnerTenantFor } from './learner-access.js';
import { trendOf } from './tenants.js';

export type LearnerMetricsQuery = z.output<typeof learnerMetricsQuery>;

const round = (v: number, digits = 2) => Number(v.toFixed(digits));
const iso = (ms: number | null) => (ms === null || ms <= 0 ? null : new Date(ms).toISOString());

export type LearnerMetrics = z.infer<typeof learnerMetricsResponse>;

/**
 * The figures of GET /v1/learners/:learnerId/metrics, after the access check
 * and the audit row (written before any data is read out). REST and GraphQL
 * read them through `learnerMetrics`; the drop-in route
 * (/api/v1/metrics/learner) reshapes the same answer; `goals` are the IEP
 * goals as the query layer returns them.
 */
export async function learnerMetricsReport(
  ctx: ApiContext,
  who: Principal,
  learnerId: string,
  q: { from?: string | undefined; to?: string | undefined; tenant_id?: string | undefined },
  opts: { resource: (period: Period) => string; defaultDays?: number },
): Promise<{ metrics: LearnerMetrics; goals: IepGoalProgress[] }> {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays, defaultDays: opts.defaultDays });
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_metrics',
    resource: opts.resource(period),
    tenantId,
    learnerId,
  });
  const [now, before, mastery, goals] = await Promise.all([
    learnerSessionTotals(ctx.store, tenantId, learnerId, period),
    learnerSessionTotals(ctx.store, tenantId, learnerId, previousPeriod(period)),
    learnerMastery(ctx.store, tenantId, learnerId, period),
    learnerIepGoals(ctx.store, tenantId, learnerId, period),
  ]);
  const daysInPeriod = Math.ceil((period.toMs - period.fromMs) / 86_400_000);
  const metrics: LearnerMetrics = {
    learnerId,
    tenantId,
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() },
    sessions: {
      count: now.sessions,
      avgDurationMinutes: now.sessions ? round(now.durationMs / now.sessions / 60_000) : null,
      medianDurationMinutes: now.medianDurationMs === null ? null : round(now.medianDurationMs / 60_000),
      totalHours: round(now.durationMs / 3_600_000),
      activeHours: round(now.activeSeconds / 3600),
      trend: trendOf(now.sessions, before.sessions) ?? 'flat',
      previousCount: before.sessions,
      lastSessionAt: iso(now.lastSessionEndMs),
    },
    mastery: mastery.map((m) => ({
      topicId: m.topicId,
      day: m.day,
      masteryScore: round(m.masteryScore, 4),
      pKnown: round(m.pKnown, 4),
      accuracy: round(m.accuracy, 4),
      firstAttemptAccuracy: round(m.firstAttemptAccuracy, 4),
      retrievalStrength: round(m.retrievalStrength, 4),
      materialCompletion: round(m.materialCompletion, 4),
      attempts: m.attempts,
      nextReviewAt: iso(m.nextReviewMs),
      trend: m.trend,
      change: round(m.change, 4),
    })),
    iep: {
      updates: now.iepUpdates,
      sessionsWithUpdates: now.sessionsWithIep,
      goals: goals.map((g) => ({
        goalId: g.goalId,
        category: g.category,
        baseline: g.baseline,
        current: g.current,
        target: g.target,
        progress: round(g.progress, 4),
        onTrack: g.onTrack,
        measuredAt: iso(g.measuredAtMs),
        measurements: g.measurements,
      })),
    },
    dataCompleteness: {
      daysWithData: now.daysWithData,
      daysInPeriod,
      ratio: round(Math.min(1, now.daysWithData / daysInPeriod), 4),
      topicsWithMastery: mastery.length,
      questionAttempts: now.questionAttempts,
    },
  };
  return { metrics, goals };
}

/** GET /v1/learners/:learnerId/metrics as JSON, for REST and GraphQL alike (audited as the REST read). */
export async function learnerMetrics(
  ctx: ApiContext,
  who: Principal,
  learnerId: string,
  q: LearnerMetricsQuery,
): Promise<LearnerMetrics> {
  const { metrics } = await learnerMetricsReport(ctx, who, learnerId, q, {
    resource: (period) => `/v1/learners/${learnerId}/metrics?from=${period.fromDay}&to=${period.toDay}`,
  });
  return metrics;
}

export function registerLearnerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/learners/:learnerId/metrics',
    {
      schema: {
        tags: ['learners'],
        summary: "A learner's sessions, mastery per topic with next review, IEP activity and data completeness",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: learnerMetricsQuery,
        response: { 200: learnerMetricsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerMetrics(ctx, who, req.params.learnerId, req.query);
    },
  );
}

// Comparative analytics (issue 14 item 6): where a learner stands in their
// tenant's cohort (percentile of their newest mastery per topic, of their
// study time and of their accuracy), and per topic how hard the cohort finds
// it and how many struggle. Every cohort figure goes through the privacy
// guard: k-anonymity suppression, or at a DP level discrete Laplace noise on
// every count with the budget charged once per distinct query. The learner's
// own values are theirs and exact; the percentile is computed from the
// released (possibly noisy) counts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import {
  percentilesQuery,
  percentilesResponse,
  topicDifficultyQuery,
  topicDifficultyResponse,
} from '../insight-schemas.js';
import { percentileRank } from '../insights/percentiles.js';
import { addCohort, type CohortInput, type FigureInput, type Released } from '../privacy/release.js';
import { type Rank, sessionRanks, topicDifficulty, topicMasteryRanks } from '../queries/cohort.js';
import { parsePeriod } from '../queries/period.js';
import { errorResponses, learnerParams, tenantParams } from '../schemas.js';
import { learnerTenantFor } from './learner-access.js';
import { authorizeTenant, privacyInfo } from './tenants.js';

export type PercentilesQuery = z.output<typeof percentilesQuery>;
export type TopicDifficultyQuery = z.output<typeof topicDifficultyQuery>;

const round = (v: number, digits = 4) => Number(v.toFixed(digits));
const iso = (ms: number) => new Date(ms).toISOString();

/** The cohort and the two counts of one comparison, for the privacy guard. */
function rankInputs(key: string, r: Rank, cohorts: CohortInput[], figures: FigureInput[]): void {
  addCohort(cohorts, figures, key, r.cohort, [
    ['below', r.below, 1],
    ['ties', r.ties, 1],
  ]);
}

/** A comparison as released: suppressed, or the percentile from the released counts. */
function standing(key: string, released: Released) {
  const c = released.cohorts.get(key)!;
  if (c.suppressed || c.size === null) return { percentile: null, cohort: null, suppressed: true };
  const below = released.figures.get(`${key}:below`) ?? null;
  const ties = released.figures.get(`${key}:ties`) ?? null;
  return { percentile: percentileRank(below, ties, c.size), cohort: c.size, suppressed: false };
}

/** GET /v1/learners/:learnerId/percentiles as JSON, for REST and GraphQL alike (audited; DP levels charge the budget). */
export async function learnerPercentiles(ctx: ApiContext, who: Principal, learnerId: string, q: PercentilesQuery) {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays });
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_percentiles',
    resource: `/v1/learners/${learnerId}/percentiles?from=${period.fromDay}&to=${period.toDay}&privacy_level=${q.privacy_level}`,
    tenantId,
    learnerId,
  });
  const [topics, sessions] = await Promise.all([
    topicMasteryRanks(ctx.store, tenantId, learnerId, period),
    sessionRanks(ctx.store, tenantId, learnerId, period),
  ]);
  const cohorts: CohortInput[] = [];
  const figures: FigureInput[] = [];
  for (const t of topics) rankInputs(`topic:${t.topicId}`, t, cohorts, figures);
  if (sessions.studyTime) rankInputs('studyTime', sessions.studyTime, cohorts, figures);
  if (sessions.accuracy) rankInputs('accuracy', sessions.accuracy, cohorts, figures);
  const released = await ctx.privacy.release({
    tenantId,
    level: q.privacy_level,
    period: period.label,
    actor: who.subject,
    query: { route: 'learner-percentiles', learnerId },
    cohorts,
    figures,
  });
  const { studyTime, accuracy } = sessions;
  return {
    learnerId,
    tenantId,
    period: { from: iso(period.fromMs), to: iso(period.toMs) },
    privacy: privacyInfo(ctx, released, []),
    mastery: topics.map((t) => ({
      topicId: t.topicId,
      masteryScore: round(t.mine),
      ...standing(`topic:${t.topicId}`, released),
    })),
    studyTime: studyTime ? { activeHours: round(studyTime.mine / 3600, 2), ...standing('studyTime', released) } : null,
    accuracy: accuracy ? { accuracy: round(accuracy.mine), ...standing('accuracy', released) } : null,
  };
}

/** GET /v1/tenants/:tenantId/topics/difficulty as JSON, for REST and GraphQL alike. */
export async function topicDifficultyOf(ctx: ApiContext, who: Principal, tenantId: string, q: TopicDifficultyQuery) {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays });
  await authorizeTenant(ctx, who, tenantId);
  const rows = await topicDifficulty(ctx.store, tenantId, period);
  const cohorts: CohortInput[] = [];
  const figures: FigureInput[] = [];
  for (const t of rows) {
    addCohort(cohorts, figures, `topic:${t.topicId}`, t.learners, [
      ['struggling', t.struggling, 1],
      ['accuracy', t.accuracySumPct, 100],
      ['score', t.scoreSumPct, 100],
    ]);
  }
  const released = await ctx.privacy.release({
    tenantId,
    level: q.privacy_level,
    period: period.label,
    actor: who.subject,
    query: { route: 'topic-difficulty' },
    cohorts,
    figures,
  });
  return {
    tenantId,
    period: { from: iso(period.fromMs), to: iso(period.toMs) },
    privacy: privacyInfo(ctx, released, []),
    topics: rows.map((t) => {
      const key = `topic:${t.topicId}`;
      const c = released.cohorts.get(key)!;
      const f = (name: string) => released.figures.get(`${key}:${name}`) ?? null;
      const share = (v: number | null, scale = 1) =>
        v === null || !c.size || c.suppressed ? null : round(Math.min(1, Math.max(0, v / scale / c.size)));
      const avgAccuracy = share(f('accuracy'), 100);
      const struggling = c.suppressed ? null : f('struggling');
      return {
        topicId: t.topicId,
        suppressed: c.suppressed,
        learners: c.size,
        avgAccuracy,
        difficulty: avgAccuracy === null ? null : round(1 - avgAccuracy),
        avgMasteryScore: share(f('score'), 100),
        struggling,
        strugglingShare: share(struggling),
      };
    }),
  };
}

export function registerCohortInsightRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/learners/:learnerId/percentiles',
    {
      schema: {
        tags: ['learners'],
        summary: "A learner's percentile in their tenant's cohort: mastery per topic, study time, accuracy",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: percentilesQuery,
        response: { 200: percentilesResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerPercentiles(ctx, who, req.params.learnerId, req.query);
    },
  );

  api.get(
    '/v1/tenants/:tenantId/topics/difficulty',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Per topic: how hard the cohort finds it (1 − mean accuracy) and the share of learners struggling',
        security: [{ bearerAuth: [] }],
        params: tenantParams,
        querystring: topicDifficultyQuery,
        response: { 200: topicDifficultyResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return topicDifficultyOf(ctx, who, req.params.tenantId, req.query);
    },
  );
}

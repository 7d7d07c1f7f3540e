// Learner insights over the engine's results, one learner at a time: streaks
// and learning patterns, mastery history with the projected time to mastery,
// FSRS reviews due, and the summary a learner or a linked parent reads.
// Same access rule as every learner-level route (learner-access.ts); every
// read is written to the audit log before the data leaves.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { catalogView } from '../../ingest/catalog/index.js';
import { catalogOf } from '../../views/catalog.js';
import type { Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import {
  gapsQuery,
  gapsResponse,
  learnerPatternsQuery,
  learnerPatternsResponse,
  learnerSummaryQuery,
  learnerSummaryResponse,
  masteryHistoryQuery,
  masteryHistoryResponse,
  reviewsQuery,
  reviewsResponse,
} from '../insight-schemas.js';
import { gapOf, recentFailureRate, SEVERITY_FROM } from '../insights/gaps.js';
import { MASTERY_LEVEL, projectMastery } from '../insights/mastery-projection.js';
import {
  MIN_BUCKET_ATTEMPTS,
  MIN_BUCKET_SESSIONS,
  MIN_PATTERN_SESSIONS,
  patternsOf,
  streaksOf,
} from '../insights/patterns.js';
import {
  learnerActiveDays,
  learnerLatestMastery,
  learnerMasterySeries,
  learnerRecentSessions,
  learnerSessions,
  learnerTimeTotals,
} from '../queries/learner-insights.js';
import { addDays, dayOf, parseInstant, parsePeriod } from '../queries/period.js';
import { errorResponses, learnerParams } from '../schemas.js';
import { learnerTenantFor } from './learner-access.js';

export type LearnerPatternsQuery = z.output<typeof learnerPatternsQuery>;
export type MasteryHistoryQuery = z.output<typeof masteryHistoryQuery>;
export type GapsQuery = z.output<typeof gapsQuery>;
export type ReviewsQuery = z.output<typeof reviewsQuery>;
export type LearnerSummaryQuery = z.output<typeof learnerSummaryQuery>;

const DAY_MS = 86_400_000;
const LATEST_SESSIONS = 5;
const round = (v: number, digits = 2) => Number(v.toFixed(digits));
const iso = (ms: number) => new Date(ms).toISOString();

/** GET /v1/learners/:learnerId/patterns as JSON, for REST and GraphQL alike (audited). */
export async function learnerPatterns(ctx: ApiContext, who: Principal, learnerId: string, q: LearnerPatternsQuery) {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays, defaultDays: 90 });
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_patterns',
    resource: `/v1/learners/${learnerId}/patterns?from=${period.fromDay}&to=${period.toDay}`,
    tenantId,
    learnerId,
  });
  const asOf = addDays(period.toDay, -1);
  const [active, sessions] = await Promise.all([
    learnerActiveDays(ctx.store, tenantId, learnerId, period.toDay),
    learnerSessions(ctx.store, tenantId, learnerId, period),
  ]);
  return {
    learnerId,
    tenantId,
    period: { from: iso(period.fromMs), to: iso(period.toMs) },
    asOf,
    streaks: streaksOf(active.days, asOf),
    calendar: active.days.filter((d) => d >= period.fromDay),
    patterns: patternsOf(sessions),
    minimums: {
      patternSessions: MIN_PATTERN_SESSIONS,
      groupSessions: MIN_BUCKET_SESSIONS,
      groupAttempts: MIN_BUCKET_ATTEMPTS,
    },
  };
}

/** GET /v1/learners/:learnerId/mastery/history as JSON, for REST and GraphQL alike (audited). */
export async function learnerMasteryHistory(
  ctx: ApiContext,
  who: Principal,
  learnerId: string,
  q: MasteryHistoryQuery,
) {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays, defaultDays: 90 });
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_mastery_history',
    resource: `/v1/learners/${learnerId}/mastery/history?from=${period.fromDay}&to=${period.toDay}${q.topic ? `&topic=${q.topic}` : ''}`,
    tenantId,
    learnerId,
  });
  const points = await learnerMasterySeries(ctx.store, tenantId, learnerId, period, q.topic);
  const byTopic = new Map<string, typeof points>();
  for (const p of points) {
    const list = byTopic.get(p.topicId) ?? [];
    list.push(p);
    byTopic.set(p.topicId, list);
  }
  return {
    learnerId,
    tenantId,
    period: { from: iso(period.fromMs), to: iso(period.toMs) },
    topics: [...byTopic].map(([topicId, series]) => ({
      topicId,
      points: series.map((p) => ({
        day: p.day,
        masteryScore: round(p.masteryScore, 4),
        pKnown: round(p.pKnown, 4),
        accuracy: round(p.accuracy, 4),
        retrievalStrength: round(p.retrievalStrength, 4),
        attempts: p.attempts,
        trend: p.trend,
      })),
      projection: projectMastery(series.map((p) => ({ day: p.day, score: p.masteryScore }))),
    })),
  };
}

/** GET /v1/learners/:learnerId/gaps as JSON, for REST and GraphQL alike (audited). */
export async function learnerGaps(ctx: ApiContext, who: Principal, learnerId: string, q: GapsQuery) {
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_gaps',
    resource: `/v1/learners/${learnerId}/gaps?min_severity=${q.min_severity}`,
    tenantId,
    learnerId,
  });
  const [latest, catalog] = await Promise.all([
    learnerLatestMastery(ctx.store, tenantId, learnerId),
    catalogOf(ctx.store, tenantId),
  ]);
  const view = catalogView(catalog ?? { tenantId, version: 0, deleted: false, digest: '', topics: [] });
  const floor = q.min_severity === 'low' ? Number.NEGATIVE_INFINITY : SEVERITY_FROM[q.min_severity];
  const gaps = latest
    .map((t) => {
      const info = view.topic(t.topicId);
      const failureRate = recentFailureRate(t.recentAttempts, t.recentFailures);
      const g = gapOf({
        masteryScore: t.masteryScore,
        recentFailureRate: failureRate,
        examWeightNorm: info.examWeightNorm,
        prerequisiteImpact: info.prerequisiteImpact,
        estimatedHours: info.estimatedHours,
      });
      return {
        topicId: t.topicId,
        name: info.known ? info.name : null,
        severity: g.severity,
        priority: round(g.priority, 4),
        gap: round(g.gap, 4),
        masteryScore: round(t.masteryScore, 4),
        recentFailureRate: round(failureRate, 4),
        recentAttempts: t.recentAttempts,
        examWeight: info.examWeight,
        prerequisiteImpact: round(info.prerequisiteImpact, 4),
        estimatedHoursToClose: round(g.hoursToClose, 2),
        inCatalog: info.known,
        snapshotDay: t.day,
        exact: g.priority,
      };
    })
    .filter((g) => g.exact >= floor)
    .sort((a, b) => b.exact - a.exact || (a.topicId < b.topicId ? -1 : 1))
    .slice(0, q.limit)
    .map(({ exact: _exact, ...g }) => g);
  return { learnerId, tenantId, catalogVersion: catalog?.version ?? 0, gaps };
}

/** GET /v1/learners/:learnerId/reviews as JSON, for REST and GraphQL alike (audited). */
export async function learnerReviews(ctx: ApiContext, who: Principal, learnerId: string, q: ReviewsQuery) {
  const dueBefore = q.due_before ? parseInstant(q.due_before, 'due_before') : Date.now();
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_reviews',
    resource: `/v1/learners/${learnerId}/reviews?due_before=${iso(dueBefore)}`,
    tenantId,
    learnerId,
  });
  const latest = await learnerLatestMastery(ctx.store, tenantId, learnerId);
  const due = latest
    .filter((t) => t.nextReviewMs > 0 && t.nextReviewMs < dueBefore)
    .sort((a, b) => a.nextReviewMs - b.nextReviewMs || (a.topicId < b.topicId ? -1 : 1));
  return {
    learnerId,
    tenantId,
    dueBefore: iso(dueBefore),
    reviews: due.map((t) => ({
      topicId: t.topicId,
      nextReviewAt: iso(t.nextReviewMs),
      overdueDays: round((dueBefore - t.nextReviewMs) / DAY_MS),
      masteryScore: round(t.masteryScore, 4),
      retrievalStrength: round(t.retrievalStrength, 4),
      snapshotDay: t.day,
    })),
  };
}

/** GET /v1/learners/:learnerId/summary as JSON, for REST and GraphQL alike (audited). */
export async function learnerSummary(ctx: ApiContext, who: Principal, learnerId: string, q: LearnerSummaryQuery) {
  const tenantId = await learnerTenantFor(ctx, who, learnerId, q.tenant_id);
  await ctx.audit.record(who, {
    action: 'read_learner_summary',
    resource: `/v1/learners/${learnerId}/summary`,
    tenantId,
    learnerId,
  });
  const today = dayOf(Date.now());
  const [active, totals, latest, recent] = await Promise.all([
    learnerActiveDays(ctx.store, tenantId, learnerId, addDays(today, 1)),
    learnerTimeTotals(ctx.store, tenantId, learnerId),
    learnerLatestMastery(ctx.store, tenantId, learnerId),
    learnerRecentSessions(ctx.store, tenantId, learnerId, LATEST_SESSIONS),
  ]);
  const streaks = streaksOf(active.days, today);
  return {
    learnerId,
    tenantId,
    firstActivityAt: active.firstStartMs === null ? null : iso(active.firstStartMs),
    lastActiveDay: streaks.lastActiveDay,
    currentStreakDays: streaks.current,
    longestStreakDays: streaks.longest,
    sessions: totals.sessions,
    totalHours: round(totals.sessionSeconds / 3600),
    activeHours: round(totals.activeSeconds / 3600),
    topicsTracked: latest.length,
    topicsMastered: latest.filter((t) => t.masteryScore >= MASTERY_LEVEL).length,
    latestSessions: recent.map((s) => ({
      startedAt: iso(s.startMs),
      durationMinutes: round(s.durationMs / 60_000),
      activeMinutes: round(s.activeSeconds / 60),
      questionAttempts: s.questionAttempts,
      questionsCorrect: s.questionsCorrect,
      topics: s.topics,
    })),
  };
}

export function registerLearnerInsightRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/v1/learners/:learnerId/patterns',
    {
      schema: {
        tags: ['learners'],
        summary: "A learner's streaks, consistency and learning patterns (time of day, best session length, pace)",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: learnerPatternsQuery,
        response: { 200: learnerPatternsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerPatterns(ctx, who, req.params.learnerId, req.query);
    },
  );

  api.get(
    '/v1/learners/:learnerId/mastery/history',
    {
      schema: {
        tags: ['learners'],
        summary: "A learner's daily mastery per topic, and when each topic reaches mastery (0.8) at its recent pace",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: masteryHistoryQuery,
        response: { 200: masteryHistoryResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerMasteryHistory(ctx, who, req.params.learnerId, req.query);
    },
  );

  api.get(
    '/v1/learners/:learnerId/gaps',
    {
      schema: {
        tags: ['learners'],
        summary:
          "A learner's knowledge gaps by priority: distance from mastery, exam weight, prerequisite impact, recent failures",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: gapsQuery,
        response: { 200: gapsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerGaps(ctx, who, req.params.learnerId, req.query);
    },
  );

  api.get(
    '/v1/learners/:learnerId/reviews',
    {
      schema: {
        tags: ['learners'],
        summary: "Topics due for review (FSRS next review time of each topic's newest snapshot), soonest first",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: reviewsQuery,
        response: { 200: reviewsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerReviews(ctx, who, req.params.learnerId, req.query);
    },
  );

  api.get(
    '/v1/learners/:learnerId/summary',
    {
      schema: {
        tags: ['learners'],
        summary:
          "A learner's journey in one call: first activity, streak, time on the platform, topics mastered, latest sessions",
        security: [{ bearerAuth: [] }],
        params: learnerParams,
        querystring: learnerSummaryQuery,
        response: { 200: learnerSummaryResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      return learnerSummary(ctx, who, req.params.learnerId, req.query);
    },
  );
}

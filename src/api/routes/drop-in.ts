// The drop-in API (/api/v1): the routes and JSON shapes of the privacy-first
// analytics service learning platforms already call, answered from the same
// query layer as /v1 — the same roles, k-anonymity, DP levels, budget charges
// (a drop-in query is the same query as its /v1 twin, so a repeat is free and
// gets the same noise) and audit of learner-level reads. Only the shape
// differs. Field meanings: src/api/drop-in-schemas.ts and the README.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LearnstreamError } from '../../core/errors.js';
import { catalogOf } from '../../views/catalog.js';
import { type EtlJob, listEtlJobs, runRematerialiseJob } from '../../views/rematerialise.js';
import { canReadOperations } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import {
  type DropInEtlJob,
  dropInEtlJobsQuery,
  dropInEtlJobsResponse,
  dropInEtlTriggerQuery,
  dropInEtlTriggerResponse,
  dropInHealthResponse,
  dropInLearnerParams,
  dropInLearnerQuery,
  dropInLearnerResponse,
  dropInPrivacyLevelsResponse,
  dropInTenantParams,
  dropInTenantQuery,
  dropInTenantResponse,
} from '../drop-in-schemas.js';
import { ApiEtlFailed, ApiForbidden, ApiRangeInvalid } from '../errors.js';
import { DELTA, epsilonValue, type PrivacyLevelName, privacyLevelNames, privacyLevels } from '../privacy/levels.js';
import { addDays, dayOf, parsePeriod } from '../queries/period.js';
import { errorResponses } from '../schemas.js';
import { learnerMetricsReport } from './learners.js';
import { releasedTopicMastery, tenantMetricsReport } from './tenants.js';

const DAY_MS = 86_400_000;
const round = (v: number, digits = 2) => Number(v.toFixed(digits));
const ratio = (a: number | null, b: number | null, digits = 2) =>
  a === null || b === null || b <= 0 ? null : round(a / b, digits);
const isoDay = (iso: string) => iso.slice(0, 10);
/** The inclusive last day of a period whose `to` is exclusive. */
const lastDay = (toIso: string) => dayOf(Date.parse(toIso) - 1);

const version: string = (() => {
  try {
    return String(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version);
  } catch {
    return 'unknown';
  }
})();

/** The service's `trend_direction` names: learnstream's flat is its stable, a withheld trend is no_data. */
const trendDirection = (t: 'up' | 'down' | 'flat' | null): 'up' | 'down' | 'stable' | 'no_data' =>
  t === null ? 'no_data' : t === 'flat' ? 'stable' : t;

const suitableFor: Record<PrivacyLevelName, string> = {
  anonymized: 'Staff dashboards of one tenant: exact figures, cohorts under k suppressed',
  dp_low: 'Reports shared inside the organisation',
  dp_medium: 'Reports shared outside the organisation',
  dp_high: 'Publication and research',
};

/** The learnstream period of the drop-in's inclusive dates. */
const periodQuery = (q: { start_date?: string | undefined; end_date?: string | undefined }) => ({
  from: q.start_date,
  to: q.end_date === undefined ? undefined : addDays(q.end_date, 1),
});

function jobShape(j: EtlJob): DropInEtlJob {
  return {
    job_id: j.jobId,
    job_name: j.jobName,
    tenant_id: j.tenantId,
    status: j.status,
    started_at: new Date(j.startedAtMs).toISOString(),
    completed_at: j.completedAtMs === null ? null : new Date(j.completedAtMs).toISOString(),
    records_processed: j.recordsProcessed,
    records_created: j.recordsCreated,
    processing_time_seconds: j.completedAtMs === null ? null : (j.completedAtMs - j.startedAtMs) / 1000,
    privacy_level: 'anonymized',
    epsilon_used: null,
    error_message: j.errorMessage,
    start_date: j.rangeFrom,
    end_date: addDays(j.rangeTo, -1),
    days_skipped: j.daysSkipped,
  };
}

// One rebuild per tenant at a time in this process: two interleaved rounds would count rows twice.
const rebuilding = new Map<string, Promise<unknown>>();
function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const next = (rebuilding.get(key) ?? Promise.resolve()).then(fn, fn);
  const settled = next.catch(() => undefined);
  rebuilding.set(key, settled);
  void settled.then(() => {
    if (rebuilding.get(key) === settled) rebuilding.delete(key);
  });
  return next;
}

export function registerDropInRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const k = ctx.config.privacy.kAnonymity;

  r.get(
    '/api/v1/metrics/tenant/:tenant_id',
    {
      schema: {
        tags: ['drop-in'],
        summary: 'Drop-in: tenant analytics summary (the figures of /v1/tenants/:id/metrics and /mastery)',
        security: [{ bearerAuth: [] }],
        params: dropInTenantParams,
        querystring: dropInTenantQuery,
        response: { 200: dropInTenantResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      const tenantId = req.params.tenant_id;
      const q = req.query;
      const level = q.privacy_level;
      const dp = privacyLevels[level].epsilon !== undefined;
      const { metrics, iepGoalCohort, knownCohort } = await tenantMetricsReport(ctx, who, tenantId, {
        ...periodQuery(q),
        privacy_level: level,
        top: q.top,
      });
      const period = parsePeriod(
        { from: metrics.period.from, to: metrics.period.to },
        { maxRangeDays: ctx.config.api.maxRangeDays },
      );
      // The /v1/tenants/:id/mastery query: by learners (under DP every topic, ranked on the noisy counts).
      const [mastery, catalog] = await Promise.all([
        releasedTopicMastery(
          ctx,
          who,
          tenantId,
          period,
          level,
          dp
            ? { sort: 'topic', order: 'asc', limit: 500, offset: 0 }
            : { sort: 'learners', order: 'desc', limit: q.top, offset: 0 },
        ),
        catalogOf(ctx.store, tenantId),
      ]);
      const parentOf = new Map((catalog?.topics ?? []).map((t) => [t.topicId, t.parentId]));
      const topSubjects = [...mastery.topics]
        .sort((a, b) => (b.learners ?? -1) - (a.learners ?? -1) || (a.topicId < b.topicId ? -1 : 1))
        .slice(0, q.top)
        .map((t) => ({
          subject_id: t.topicId,
          subject_category: parentOf.get(t.topicId) ?? null,
          current_mastery: t.avgMasteryScore,
          mastery_improvement: null,
          assessments_completed: null,
          time_to_mastery_hours: null,
          privacy_level: level,
          aggregation_level: 'tenant' as const,
          learners: t.learners,
          suppressed: t.suppressed,
        }));
      const s = metrics.sessions;
      const iep = metrics.iepSummary;
      const iepShown = !dp && !iepGoalCohort.suppressed && iep.goals !== null && iep.goals > 0;
      return {
        tenant_id: tenantId,
        reporting_period_start: isoDay(metrics.period.from),
        reporting_period_end: lastDay(metrics.period.to),
        total_active_learners: metrics.activeLearners,
        total_learning_hours: metrics.learningHours,
        average_engagement_rate: metrics.engagementRate,
        session_metrics: {
          total_sessions: s.count,
          avg_duration_minutes: s.avgDurationMinutes,
          median_duration_minutes: s.medianDurationMinutes,
          total_hours: s.totalHours,
          trend_direction: trendDirection(s.trend),
          privacy_level: level,
          data_points: s.dataPoints.length,
        },
        weekly_activity: metrics.weeklyActivity.map((w) => ({
          week_start: w.weekStart,
          active_learners: w.active,
          new_learners: w.new,
          engagement_rate:
            w.active === null || !knownCohort.size ? null : round(Math.min(1, w.active / knownCohort.size), 4),
          avg_sessions_per_learner: ratio(w.sessions, w.active),
          avg_time_per_learner: ratio(w.learningMinutes, w.active),
          demographics: {},
          privacy_level: level,
          suppressed: w.suppressed,
        })),
        top_subjects: topSubjects,
        iep_progress_summary: iepShown
          ? {
              total_iep_learners: iepGoalCohort.size,
              total_goals: iep.goals,
              on_track_goals: iep.onTrack,
              on_track_percentage: ratio(iep.onTrack, iep.goals, 4),
              average_progress_percentage: iep.avgProgress,
            }
          : null,
        privacy_level: level,
        suppressed: metrics.suppressed,
        last_updated: new Date().toISOString(),
      };
    },
  );

  r.get(
    '/api/v1/metrics/learner/:learner_id_hash',
    {
      schema: {
        tags: ['drop-in'],
        summary: "Drop-in: one learner's analytics (the figures of /v1/learners/:id/metrics); audited",
        security: [{ bearerAuth: [] }],
        params: dropInLearnerParams,
        querystring: dropInLearnerQuery,
        response: { 200: dropInLearnerResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      const learnerId = req.params.learner_id_hash;
      const q = req.query;
      const level = q.privacy_level;
      const { metrics, goals } = await learnerMetricsReport(
        ctx,
        who,
        learnerId,
        { ...periodQuery(q), tenant_id: q.tenant_id },
        {
          defaultDays: 60,
          resource: (p) => `/api/v1/metrics/learner/${learnerId}?start_date=${p.fromDay}&end_date=${dayOf(p.toMs - 1)}`,
        },
      );
      const catalog = await catalogOf(ctx.store, metrics.tenantId);
      const parentOf = new Map((catalog?.topics ?? []).map((t) => [t.topicId, t.parentId]));
      const s = metrics.sessions;
      return {
        learner_id_hash: learnerId,
        reporting_period_start: isoDay(metrics.period.from),
        reporting_period_end: lastDay(metrics.period.to),
        session_metrics: {
          total_sessions: s.count,
          avg_duration_minutes: s.avgDurationMinutes,
          median_duration_minutes: s.medianDurationMinutes,
          total_hours: s.totalHours,
          trend_direction: trendDirection(s.trend),
          privacy_level: level,
          data_points: metrics.dataCompleteness.daysWithData,
        },
        subject_progress: metrics.mastery.map((m) => ({
          subject_id: m.topicId,
          subject_category: parentOf.get(m.topicId) ?? null,
          current_mastery: m.masteryScore,
          mastery_improvement: m.change,
          assessments_completed: m.attempts,
          time_to_mastery_hours: null,
          privacy_level: level,
          aggregation_level: 'individual' as const,
          p_known: m.pKnown,
          next_review_at: m.nextReviewAt,
        })),
        iep_progress: goals.length
          ? goals.map((g) => ({
              goal_id: g.goalId,
              goal_category: g.category,
              baseline_score: g.baseline,
              current_score: g.current,
              target_score: g.target,
              progress_percentage: round(g.progress, 4),
              is_on_track: g.onTrack,
              days_since_baseline: Math.floor((g.measuredAtMs - g.firstMeasuredAtMs) / DAY_MS),
              projected_completion: null,
              support_level: null,
              interventions_used: null,
              privacy_level: level,
            }))
          : null,
        privacy_level: level,
        minimum_cohort_size: k,
        differential_privacy_epsilon: null,
        last_updated: new Date().toISOString(),
        data_completeness: metrics.dataCompleteness.ratio,
      };
    },
  );

  r.get(
    '/api/v1/privacy/levels',
    {
      schema: {
        tags: ['drop-in'],
        summary: 'Drop-in: the privacy levels every aggregate route accepts (as /v1/privacy/levels)',
        response: { 200: dropInPrivacyLevelsResponse },
      },
    },
    async () => ({
      privacy_levels: privacyLevelNames.map((name) => {
        const l = privacyLevels[name];
        return {
          level: name,
          description: l.description,
          epsilon: l.epsilon ? epsilonValue(l) : null,
          suitable_for: suitableFor[name],
        };
      }),
      minimum_cohort_size: k,
      delta: DELTA,
      budget: { epsilon: ctx.config.privacy.budgetEpsilon, period: ctx.config.privacy.budgetPeriod },
    }),
  );

  r.get(
    '/api/v1/health',
    {
      schema: {
        tags: ['drop-in'],
        summary: 'Drop-in: health, from the readiness checks of /readyz (503 when not ready)',
        response: { 200: dropInHealthResponse, 503: dropInHealthResponse },
      },
    },
    async (_req, reply) => {
      const { ready, checks } = await ctx.readiness();
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'healthy' : 'unhealthy', service: 'learnstream', version, checks });
    },
  );

  r.post(
    '/api/v1/etl/trigger/:tenant_id',
    {
      schema: {
        tags: ['drop-in'],
        summary:
          "Drop-in: rebuild a tenant's rollups of a day range from the result tables, verified, recorded as a job (admins)",
        security: [{ bearerAuth: [] }],
        params: dropInTenantParams,
        querystring: dropInEtlTriggerQuery,
        response: { 200: dropInEtlTriggerResponse, ...errorResponses, 503: errorResponses[400] },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      if (!canReadOperations(who)) throw new LearnstreamError(ApiForbidden, 'rebuilding rollups is for admins');
      const tenantId = req.params.tenant_id;
      const q = req.query;
      const fromDay = q.target_date ?? q.start_date ?? null;
      const toDay = q.target_date ? addDays(q.target_date, 1) : q.end_date ? addDays(q.end_date, 1) : dayOf(Date.now());
      if (fromDay !== null && fromDay >= toDay) {
        throw new LearnstreamError(ApiRangeInvalid, `start_date ${fromDay} must not be after the last day`, {
          details: { start_date: fromDay, end_date: addDays(toDay, -1) },
        });
      }
      await ctx.requireTenant(tenantId);
      const job = await serialised(tenantId, () =>
        runRematerialiseJob(ctx.store, { tenantId, range: { fromDay, toDay }, actor: who.subject }),
      );
      if (job.status !== 'completed') {
        throw new LearnstreamError(ApiEtlFailed, job.errorMessage ?? 'failed', { details: { job_id: job.jobId } });
      }
      return {
        message: 'Rollups rebuilt from the result tables and verified',
        tenant_id: tenantId,
        privacy_level: q.privacy_level,
        job_ids: [job.jobId],
        job: jobShape(job),
      };
    },
  );

  r.get(
    '/api/v1/etl/jobs',
    {
      schema: {
        tags: ['drop-in'],
        summary: 'Drop-in: rollup rebuild jobs, newest first (admins)',
        security: [{ bearerAuth: [] }],
        querystring: dropInEtlJobsQuery,
        response: { 200: dropInEtlJobsResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      if (!canReadOperations(who)) throw new LearnstreamError(ApiForbidden, 'the job history is for admins');
      const jobs = await listEtlJobs(ctx.store, { limit: req.query.limit, status: req.query.status_filter });
      return jobs.map(jobShape);
    },
  );
}

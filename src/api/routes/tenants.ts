// Tenant aggregates: GET /v1/tenants/:tenantId/metrics, /weekly-active and
// /mastery. Each reads exact figures, hands them to the privacy guard at the
// requested level, and shapes what it released (JSON, or CSV for the series).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { LearnstreamError } from '../../core/errors.js';
import { canReadTenant, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { toCsv } from '../csv.js';
import { ApiForbidden, ApiRangeInvalid } from '../errors.js';
import { contributionCaps, type PrivacyLevelName, privacyLevels } from '../privacy/levels.js';
import {
  addCohort,
  type CohortInput,
  type FigureInput,
  type Released,
  type ReleasedCohort,
} from '../privacy/release.js';
import { tenantIepTotals } from '../queries/iep.js';
import { type MasterySort, topicMastery } from '../queries/mastery.js';
import { addDays, mondayOf, type Period, parseInstant, parsePeriod, previousPeriod } from '../queries/period.js';
import {
  dailyPoints,
  knownLearners,
  periodTotals,
  topicRows,
  type WeekRow,
  weeklyRows,
  weeksOfPeriod,
} from '../queries/tenant-metrics.js';
import {
  errorResponses,
  masteryQuery,
  masteryResponse,
  tenantMetricsQuery,
  tenantMetricsResponse,
  tenantParams,
  weeklyActiveQuery,
  weeklyActiveResponse,
} from '../schemas.js';

export type TenantMetricsQuery = z.output<typeof tenantMetricsQuery>;
export type WeeklyActiveQuery = z.output<typeof weeklyActiveQuery>;
export type MasteryQuery = z.output<typeof masteryQuery>;

const round = (v: number | null | undefined, digits = 2): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits));

/** Up / down / flat: a change of more than 5 % either way counts. */
export function trendOf(current: number | null, previous: number | null): 'up' | 'down' | 'flat' | null {
  if (current === null || previous === null) return null;
  if (previous === 0) return current > 0 ? 'up' : 'flat';
  const change = (current - previous) / previous;
  return change > 0.05 ? 'up' : change < -0.05 ? 'down' : 'flat';
}

export async function authorizeTenant(ctx: ApiContext, who: Principal, tenantId: string): Promise<void> {
  if (!canReadTenant(who, tenantId)) {
    throw new LearnstreamError(ApiForbidden, `role ${who.role} cannot read tenant ${tenantId}'s aggregates`);
  }
  await ctx.requireTenant(tenantId);
}

export function privacyInfo(ctx: ApiContext, released: Released, withheld: string[]) {
  const dp = privacyLevels[released.level].epsilon !== undefined;
  return {
    level: released.level,
    k: ctx.config.privacy.kAnonymity,
    epsilonCharged: released.epsilonCharged,
    epsilonPerFigure: released.epsilonPerFigure,
    noisy: dp,
    withheld: dp ? withheld : [],
  };
}

function sendCsv(reply: FastifyReply, name: string, columns: string[], rows: Record<string, unknown>[]) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .serializer((p) => p as string)
    .send(toCsv(columns, rows as Record<string, string | number | null>[]));
}

/** Cohort and figures of one week of the weekly-active series. */
function weekInputs(w: WeekRow, dp: boolean): { cohort: CohortInput; figures: FigureInput[] } {
  const key = `week:${w.weekStart}`;
  const fig = (name: string, value: number): FigureInput => ({
    key: `${key}:${name}`,
    value,
    sensitivity: 1,
    cohort: key,
  });
  const figures = [
    fig('new', w.new),
    fig('returning', w.returning),
    fig('reactivated', w.reactivated),
    fig('churned', w.churned),
  ];
  // Sessions and minutes per week come from per-partition partials, uncapped: not releasable under DP.
  if (!dp) figures.push(fig('sessions', w.sessions), fig('minutes', w.learningMinutes));
  return { cohort: { key, size: w.active }, figures };
}

function weekPoint(w: WeekRow, r: Released, dp: boolean) {
  const key = `week:${w.weekStart}`;
  const c = r.cohorts.get(key)!;
  const f = (name: string) =>
    dp && (name === 'sessions' || name === 'minutes') ? null : (r.figures.get(`${key}:${name}`) ?? null);
  return {
    weekStart: w.weekStart,
    isoWeek: w.isoWeek,
    suppressed: c.suppressed,
    active: c.size,
    new: f('new'),
    returning: f('returning'),
    reactivated: f('reactivated'),
    churned: f('churned'),
    sessions: f('sessions'),
    learningMinutes: round(f('minutes')),
  };
}

/** Every ISO week between two Mondays, so weeks without results show as zero (and suppressed). */
function fillWeeks(rows: WeekRow[], fromWeek: string, toWeek: string): WeekRow[] {
  const byWeek = new Map(rows.map((r) => [r.weekStart, r]));
  const out: WeekRow[] = [];
  for (let w = fromWeek; w <= toWeek; w = addDays(w, 7)) {
    out.push(
      byWeek.get(w) ?? {
        weekStart: w,
        isoWeek: isoWeekLabel(w),
        active: 0,
        new: 0,
        returning: 0,
        reactivated: 0,
        churned: 0,
        sessions: 0,
        learningMinutes: 0,
      },
    );
  }
  return out;
}

function isoWeekLabel(monday: string): string {
  const thursday = new Date(Date.parse(`${monday}T00:00:00Z`) + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export type TenantMetrics = z.infer<typeof tenantMetricsResponse>;

/**
 * The figures of GET /v1/tenants/:tenantId/metrics for one caller: read, released
 * at the requested privacy level (one budget charge per distinct query) and
 * shaped. REST and GraphQL read it through `tenantMetrics`; the drop-in route
 * (/api/v1/metrics/tenant) reshapes the same answer.
 * Also returns the released cohorts of learners with IEP goal measurements and
 * of learners known by the period's end.
 */
export async function tenantMetricsReport(
  ctx: ApiContext,
  who: Principal,
  tenantId: string,
  q: { from?: string | undefined; to?: string | undefined; privacy_level: PrivacyLevelName; top: number },
): Promise<{ metrics: TenantMetrics; iepGoalCohort: ReleasedCohort; knownCohort: ReleasedCohort }> {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays });
  const prev = previousPeriod(period);
  await authorizeTenant(ctx, who, tenantId);
  const level: PrivacyLevelName = q.privacy_level;
  const dp = privacyLevels[level].epsilon !== undefined;
  const { fromWeek, toWeek } = weeksOfPeriod(period);
  const [totals, prevTotals, known, days, weeks, topics, iep] = await Promise.all([
    periodTotals(ctx.store, tenantId, period),
    periodTotals(ctx.store, tenantId, prev),
    knownLearners(ctx.store, tenantId, period),
    dailyPoints(ctx.store, tenantId, period),
    weeklyRows(ctx.store, tenantId, fromWeek, toWeek),
    // Under DP the top list is chosen on noisy values, so every candidate is released.
    topicRows(ctx.store, tenantId, period, dp ? 200 : q.top),
    tenantIepTotals(ctx.store, tenantId, period),
  ]);
  const caps = contributionCaps;
  const cohorts: CohortInput[] = [
    { key: 'period', size: totals.learners },
    { key: 'known', size: known },
    { key: 'previous', size: prevTotals.learners },
    { key: 'iep', size: totals.iepLearners },
  ];
  const figures: FigureInput[] = [
    {
      key: 'sessions',
      value: dp ? totals.sessionsCapped : totals.sessions,
      sensitivity: caps.sessionsPerPeriod,
      cohort: 'period',
    },
    {
      key: 'activeMinutes',
      value: dp ? totals.activeMinutesCapped : totals.activeMinutes,
      sensitivity: caps.minutesPerPeriod,
      cohort: 'period',
    },
    {
      key: 'durationMinutes',
      value: dp ? totals.durationMinutesCapped : totals.durationMinutes,
      sensitivity: caps.minutesPerPeriod,
      cohort: 'period',
    },
    {
      key: 'previousSessions',
      value: dp ? prevTotals.sessionsCapped : prevTotals.sessions,
      sensitivity: caps.sessionsPerPeriod,
      cohort: 'previous',
    },
  ];
  if (!dp) {
    // Per-learner update and goal counts are unbounded: exact under k-anonymity, withheld under DP.
    cohorts.push({ key: 'iepGoals', size: iep.learners });
    figures.push(
      { key: 'iepUpdates', value: totals.iepUpdates, sensitivity: 1, cohort: 'iep' },
      { key: 'iepGoals', value: iep.goals, sensitivity: 1, cohort: 'iepGoals' },
      { key: 'iepOnTrack', value: iep.onTrack, sensitivity: 1, cohort: 'iepGoals' },
    );
  }
  for (const d of days) {
    addCohort(cohorts, figures, `day:${d.day}`, d.learners, [
      ['sessions', dp ? d.sessionsCapped : d.sessions, caps.sessionsPerDay],
      ['minutes', dp ? d.activeMinutesCapped : d.activeMinutes, caps.minutesPerDay],
    ]);
  }
  const weekList = fillWeeks(weeks, fromWeek, toWeek);
  for (const w of weekList) {
    const inputs = weekInputs(w, dp);
    cohorts.push(inputs.cohort);
    for (const f of inputs.figures) figures.push(f);
  }
  for (const t of topics) {
    addCohort(cohorts, figures, `topic:${t.topicId}`, t.learners, [
      ['sessions', dp ? t.sessionsCapped : t.sessions, caps.sessionsPerPeriod],
    ]);
  }
  const released = await ctx.privacy.release({
    tenantId,
    level,
    period: period.label,
    actor: who.subject,
    query: { route: 'tenant-metrics', top: q.top },
    cohorts,
    figures,
  });
  const cohort = (k: string) => released.cohorts.get(k)!;
  const fig = (k: string) => released.figures.get(k) ?? null;
  const active = cohort('period').size;
  const knownSize = cohort('known').size;
  const sessions = fig('sessions');
  const durationMinutes = fig('durationMinutes');
  const activeMinutes = fig('activeMinutes');
  const dataPoints = days.map((d) => {
    const key = `day:${d.day}`;
    const minutes = fig(`${key}:minutes`);
    return {
      day: d.day,
      suppressed: cohort(key).suppressed,
      learners: cohort(key).size,
      sessions: fig(`${key}:sessions`),
      learningHours: minutes === null ? null : round(minutes / 60),
    };
  });
  const topTopics = topics
    .map((t) => {
      const key = `topic:${t.topicId}`;
      return {
        topicId: t.topicId,
        suppressed: cohort(key).suppressed,
        learners: cohort(key).size,
        sessions: fig(`${key}:sessions`),
      };
    })
    .sort((a, b) => (b.learners ?? -1) - (a.learners ?? -1) || (a.topicId < b.topicId ? -1 : 1))
    .slice(0, q.top);
  const previousCount = fig('previousSessions');
  const metrics: TenantMetrics = {
    tenantId,
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() },
    privacy: privacyInfo(ctx, released, [
      'sessions.medianDurationMinutes',
      'weeklyActivity.sessions',
      'weeklyActivity.learningMinutes',
      'iepSummary.updates',
      'iepSummary.goals',
      'iepSummary.avgProgress',
      'iepSummary.onTrack',
    ]),
    suppressed: cohort('period').suppressed,
    activeLearners: active,
    learningHours: activeMinutes === null ? null : round(activeMinutes / 60),
    engagementRate: active !== null && knownSize ? round(Math.min(1, active / knownSize), 4) : null,
    sessions: {
      count: sessions,
      avgDurationMinutes: sessions && durationMinutes !== null ? round(durationMinutes / sessions) : null,
      medianDurationMinutes:
        dp || cohort('period').suppressed || totals.medianDurationMs === null
          ? null
          : round(totals.medianDurationMs / 60_000),
      totalHours: durationMinutes === null ? null : round(durationMinutes / 60),
      trend: trendOf(sessions, previousCount),
      previousCount,
      dataPoints,
    },
    weeklyActivity: weekList.map((w) => weekPoint(w, released, dp)),
    topTopics,
    iepSummary: {
      suppressed: cohort('iep').suppressed,
      learnersWithUpdates: cohort('iep').size,
      updates: dp ? null : fig('iepUpdates'),
      goals: dp ? null : fig('iepGoals'),
      avgProgress: dp || cohort('iepGoals').suppressed || iep.avgProgress === null ? null : round(iep.avgProgress, 4),
      onTrack: dp ? null : fig('iepOnTrack'),
    },
  };
  // Under DP the IEP goal cohort is not released at all.
  return {
    metrics,
    iepGoalCohort: released.cohorts.get('iepGoals') ?? { size: null, suppressed: true },
    knownCohort: cohort('known'),
  };
}

/** GET /v1/tenants/:tenantId/metrics as JSON, for REST and GraphQL alike: same checks, same budget charge. */
export async function tenantMetrics(
  ctx: ApiContext,
  who: Principal,
  tenantId: string,
  q: TenantMetricsQuery,
): Promise<TenantMetrics> {
  return (await tenantMetricsReport(ctx, who, tenantId, q)).metrics;
}

/** GET /v1/tenants/:tenantId/weekly-active as JSON, for REST and GraphQL alike. */
export async function weeklyActive(ctx: ApiContext, who: Principal, tenantId: string, q: WeeklyActiveQuery) {
  const endMs = q.to ? parseInstant(q.to, 'to') : Date.now();
  await authorizeTenant(ctx, who, tenantId);
  const toWeek = mondayOf(endMs);
  const fromWeek = addDays(toWeek, -7 * (q.weeks - 1));
  if (fromWeek < '1970-01-05') {
    throw new LearnstreamError(ApiRangeInvalid, `${q.weeks} weeks back from ${q.to} starts before 1970`);
  }
  const dp = privacyLevels[q.privacy_level].epsilon !== undefined;
  const weeks = fillWeeks(await weeklyRows(ctx.store, tenantId, fromWeek, toWeek), fromWeek, toWeek);
  const inputs = weeks.map((w) => weekInputs(w, dp));
  const released = await ctx.privacy.release({
    tenantId,
    level: q.privacy_level,
    period: `${fromWeek}..${toWeek}`,
    actor: who.subject,
    query: { route: 'weekly-active' },
    cohorts: inputs.map((i) => i.cohort),
    figures: inputs.flatMap((i) => i.figures),
  });
  const points = weeks.map((w) => weekPoint(w, released, dp));
  if (q.order === 'desc') points.reverse();
  return { tenantId, privacy: privacyInfo(ctx, released, ['sessions', 'learningMinutes']), weeks: points };
}

/**
 * Mastery by topic as GET /v1/tenants/:tenantId/mastery releases it (same query
 * identity, so the same noise and one budget charge): per topic the learners
 * with a snapshot in the period and the means of their newest scores. Checks
 * the caller's access to the tenant first. REST and GraphQL read it through
 * `tenantMastery`; the drop-in tenant route ranks its top subjects on it.
 */
export async function releasedTopicMastery(
  ctx: ApiContext,
  who: Principal,
  tenantId: string,
  period: Period,
  level: PrivacyLevelName,
  opts: { topic?: string | undefined; sort: MasterySort; order: 'asc' | 'desc'; limit: number; offset: number },
) {
  await authorizeTenant(ctx, who, tenantId);
  const dp = privacyLevels[level].epsilon !== undefined;
  // Ordering by exact values would leak them past the noise: under DP the order is by topic.
  const sort = dp ? 'topic' : opts.sort;
  const { rows, total } = await topicMastery(ctx.store, tenantId, period, {
    topic: opts.topic,
    sort,
    order: opts.order,
    limit: opts.limit,
    offset: opts.offset,
  });
  const cohorts: CohortInput[] = [];
  const figures: FigureInput[] = [];
  for (const t of rows) {
    addCohort(cohorts, figures, `topic:${t.topicId}`, t.learners, [
      ['score', t.scoreSumPct, 100],
      ['pKnown', t.pKnownSumPct, 100],
      ['improving', t.improving, 1],
      ['stable', t.stable, 1],
      ['declining', t.declining, 1],
    ]);
  }
  const released = await ctx.privacy.release({
    tenantId,
    level,
    period: period.label,
    actor: who.subject,
    query: {
      route: 'mastery',
      topic: opts.topic ?? null,
      sort,
      order: opts.order,
      limit: opts.limit,
      offset: opts.offset,
    },
    cohorts,
    figures,
  });
  const topics = rows.map((t) => {
    const key = `topic:${t.topicId}`;
    const c = released.cohorts.get(key)!;
    const f = (n: string) => released.figures.get(`${key}:${n}`) ?? null;
    const avg = (sum: number | null) => (sum === null || !c.size ? null : round(Math.min(1, sum / 100 / c.size), 4));
    return {
      topicId: t.topicId,
      suppressed: c.suppressed,
      learners: c.size,
      avgMasteryScore: avg(f('score')),
      avgPKnown: avg(f('pKnown')),
      improving: f('improving'),
      stable: f('stable'),
      declining: f('declining'),
    };
  });
  return { topics, total, released, rows };
}

/** GET /v1/tenants/:tenantId/mastery as JSON, for REST and GraphQL alike. */
export async function tenantMastery(ctx: ApiContext, who: Principal, tenantId: string, q: MasteryQuery) {
  const period = parsePeriod(q, { maxRangeDays: ctx.config.api.maxRangeDays });
  const { topics, total, released, rows } = await releasedTopicMastery(ctx, who, tenantId, period, q.privacy_level, {
    topic: q.topic,
    sort: q.sort,
    order: q.order,
    limit: q.limit,
    offset: q.offset,
  });
  const nextOffset = q.offset + rows.length < total ? q.offset + rows.length : null;
  return {
    tenantId,
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() },
    privacy: privacyInfo(ctx, released, []),
    topics,
    page: { limit: q.limit, offset: q.offset, total, nextOffset },
  };
}

export function registerTenantRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/tenants/:tenantId/metrics',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Tenant metrics for a period, at a privacy level',
        security: [{ bearerAuth: [] }],
        params: tenantParams,
        querystring: tenantMetricsQuery,
        response: { 200: tenantMetricsResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const who = await ctx.authenticate(req);
      const body = await tenantMetrics(ctx, who, req.params.tenantId, req.query);
      if (req.query.format === 'csv') {
        return sendCsv(
          reply,
          `${req.params.tenantId}-daily`,
          ['day', 'suppressed', 'learners', 'sessions', 'learningHours'],
          body.sessions.dataPoints,
        );
      }
      return body;
    },
  );

  r.get(
    '/v1/tenants/:tenantId/weekly-active',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Weekly active learners (new, returning, reactivated, churned) for the last N ISO weeks',
        security: [{ bearerAuth: [] }],
        params: tenantParams,
        querystring: weeklyActiveQuery,
        response: { 200: weeklyActiveResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const who = await ctx.authenticate(req);
      const body = await weeklyActive(ctx, who, req.params.tenantId, req.query);
      if (req.query.format === 'csv') {
        const cols = [
          'weekStart',
          'isoWeek',
          'suppressed',
          'active',
          'new',
          'returning',
          'reactivated',
          'churned',
          'sessions',
          'learningMinutes',
        ];
        return sendCsv(reply, `${req.params.tenantId}-weekly-active`, cols, body.weeks);
      }
      return body;
    },
  );

  r.get(
    '/v1/tenants/:tenantId/mastery',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Mastery by topic: learners, average mastery and trend counts (paginated)',
        security: [{ bearerAuth: [] }],
        params: tenantParams,
        querystring: masteryQuery,
        response: { 200: masteryResponse, ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const who = await ctx.authenticate(req);
      const body = await tenantMastery(ctx, who, req.params.tenantId, req.query);
      if (req.query.format === 'csv') {
        const cols = [
          'topicId',
          'suppressed',
          'learners',
          'avgMasteryScore',
          'avgPKnown',
          'improving',
          'stable',
          'declining',
        ];
        return sendCsv(reply, `${req.params.tenantId}-mastery`, cols, body.topics);
      }
      return body;
    },
  );
}

// The GraphQL schema over the REST API's query layer: `tenant(id)` and
// `learner(id)` lead to the same answers as the tenant, learner and insight
// routes, each field resolved by the function its route calls, with the route's
// query schema parsing the arguments (so defaults, limits and errors agree),
// the same role checks, k-anonymity and DP release, budget charge and audit.
import type { z } from 'zod';
import { LearnstreamError } from '../../core/errors.js';
import type { Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiBadRequest } from '../errors.js';
import {
  gapsQuery,
  gapsResponse,
  learnerPatternsQuery,
  learnerPatternsResponse,
  learnerSummaryQuery,
  learnerSummaryResponse,
  masteryHistoryQuery,
  masteryHistoryResponse,
  percentilesQuery,
  percentilesResponse,
  reviewsQuery,
  reviewsResponse,
  topicDifficultyQuery,
  topicDifficultyResponse,
} from '../insight-schemas.js';
import { privacyLevelNames } from '../privacy/levels.js';
import { learnerPercentiles, topicDifficultyOf } from '../routes/cohort-insights.js';
import { learnerTenantFor } from '../routes/learner-access.js';
import {
  learnerGaps,
  learnerMasteryHistory,
  learnerPatterns,
  learnerReviews,
  learnerSummary,
} from '../routes/learner-insights.js';
import { learnerMetrics } from '../routes/learners.js';
import { privacyLevelsOf } from '../routes/meta.js';
import { budgetResponse, privacyBudget } from '../routes/oversight.js';
import { authorizeTenant, tenantMastery, tenantMetrics, weeklyActive } from '../routes/tenants.js';
import {
  dayPoint,
  learnerIdSchema,
  learnerMetricsQuery,
  learnerMetricsResponse,
  masteryQuery,
  masteryResponse,
  periodInfo,
  privacyInfo,
  privacyLevelsResponse,
  tenantIdSchema,
  tenantMetricsQuery,
  tenantMetricsResponse,
  weeklyActiveQuery,
  weeklyActiveResponse,
  weekPoint,
} from '../schemas.js';
import { SdlTypes } from './sdl.js';

/** What every resolver gets: the API context and the caller, authenticated once per request on first use. */
export interface GraphqlContext {
  api: ApiContext;
  who(): Promise<Principal>;
}

interface TenantNode {
  id: string;
}
interface LearnerNode {
  id: string;
  /** The tenant the learner was reached through (or named by an admin): REST's `tenant_id`. */
  tenantAsked: string | undefined;
}
type Args = Record<string, unknown>;

const answers = new SdlTypes(
  new Map<z.ZodType, string>([
    [privacyInfo, 'PrivacyInfo'],
    [periodInfo, 'Period'],
    [weekPoint, 'WeekPoint'],
    [dayPoint, 'DayPoint'],
  ]),
);
const types = {
  privacyLevels: answers.object('PrivacyLevels', privacyLevelsResponse),
  tenantMetrics: answers.object('TenantMetrics', tenantMetricsResponse),
  weeklyActive: answers.object('WeeklyActive', weeklyActiveResponse),
  tenantMastery: answers.object('TenantMastery', masteryResponse),
  topicDifficulty: answers.object('TopicDifficulty', topicDifficultyResponse),
  privacyBudget: answers.object('PrivacyBudget', budgetResponse),
  learnerMetrics: answers.object('LearnerMetrics', learnerMetricsResponse),
  patterns: answers.object('LearnerPatterns', learnerPatternsResponse),
  masteryHistory: answers.object('MasteryHistory', masteryHistoryResponse),
  gaps: answers.object('LearnerGaps', gapsResponse),
  reviews: answers.object('LearnerReviews', reviewsResponse),
  summary: answers.object('LearnerSummary', learnerSummaryResponse),
  percentiles: answers.object('LearnerPercentiles', percentilesResponse),
};

const period = `
    "ISO 8601 date (YYYY-MM-DD) or date-time; default as in REST"
    from: String
    "Exclusive end; default: end of the current UTC day"
    to: String`;
const level = `
    "Default anonymized (k-anonymity); a DP level charges the tenant's budget once per distinct query, as in REST"
    privacyLevel: PrivacyLevel`;

export const typeDefs = `
"anonymized (k-anonymity only) or dp_low / dp_medium / dp_high (epsilon 2.0 / 1.0 / 0.5)"
enum PrivacyLevel { ${privacyLevelNames.join(' ')} }
enum SortOrder { asc desc }
enum MasterySort { topic learners mastery }
enum Severity { critical high medium low }

type Query {
  "The privacy levels every aggregate accepts, k, delta and the budget (anyone, no token needed)"
  privacyLevels: ${types.privacyLevels}!
  "A tenant's aggregates: admins, and staff of that tenant"
  tenant(id: ID!): Tenant
  "One learner's data: admins, staff of the learner's tenant, the learner, linked parents. Every read is audited."
  learner(
    id: ID!
    "Only needed by admins when a pseudonym has results in several tenants"
    tenantId: ID
  ): Learner
}

"A tenant's aggregates, as GET /v1/tenants/:tenantId/…"
type Tenant {
  id: ID!
  "GET /v1/tenants/:tenantId/metrics"
  metrics(${period}${level}
    "How many top topics (1-50, default 10)"
    top: Int
  ): ${types.tenantMetrics}
  "GET /v1/tenants/:tenantId/weekly-active"
  weeklyActive(
    "ISO weeks (1-104, default 12)"
    weeks: Int
    "A day in the last week of the series; default today"
    to: String
    order: SortOrder${level}
  ): ${types.weeklyActive}
  "GET /v1/tenants/:tenantId/mastery"
  mastery(
    topic: String${period}
    "Under DP levels always by topic"
    sort: MasterySort
    order: SortOrder
    "1-500, default 100"
    limit: Int
    offset: Int${level}
  ): ${types.tenantMastery}
  "GET /v1/tenants/:tenantId/topics/difficulty"
  topicDifficulty(${period}${level}
  ): ${types.topicDifficulty}
  "GET /v1/tenants/:tenantId/privacy/budget"
  privacyBudget: ${types.privacyBudget}
  "A learner of this tenant"
  learner(id: ID!): Learner
}

"One learner's data, as GET /v1/learners/:learnerId/…; every field is an audited read"
type Learner {
  id: ID!
  "The learner's tenant (its aggregates: admins and its staff only)"
  tenant: Tenant
  "GET /v1/learners/:learnerId/metrics"
  metrics(${period}
  ): ${types.learnerMetrics}
  "GET /v1/learners/:learnerId/patterns (default period 90 days)"
  patterns(${period}
  ): ${types.patterns}
  "GET /v1/learners/:learnerId/mastery/history (default period 90 days)"
  masteryHistory(
    "One topic; default all"
    topic: String${period}
  ): ${types.masteryHistory}
  "GET /v1/learners/:learnerId/gaps"
  gaps(
    "Only gaps at least this severe (default low)"
    minSeverity: Severity
    "1-500, default 100"
    limit: Int
  ): ${types.gaps}
  "GET /v1/learners/:learnerId/reviews"
  reviews(
    "Reviews due before this instant; default now"
    dueBefore: String
  ): ${types.reviews}
  "GET /v1/learners/:learnerId/summary"
  summary: ${types.summary}
  "GET /v1/learners/:learnerId/percentiles"
  percentiles(${period}${level}
  ): ${types.percentiles}
}

${answers.sdl()}
`;

/** Fields whose resolver runs queries (access checks or reads): the cost limit charges them more. */
export const readFields: ReadonlySet<string> = new Set([
  'Query.tenant',
  'Query.learner',
  ...['metrics', 'weeklyActive', 'mastery', 'topicDifficulty', 'privacyBudget', 'learner'].map((f) => `Tenant.${f}`),
  ...['tenant', 'metrics', 'patterns', 'masteryHistory', 'gaps', 'reviews', 'summary', 'percentiles'].map(
    (f) => `Learner.${f}`,
  ),
]);

/** GraphQL arguments → the REST query string's fields, parsed by the route's own zod schema. */
function restQuery<S extends z.ZodType>(schema: S, args: Args, names: Record<string, string> = {}): z.output<S> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value !== null && value !== undefined) raw[names[key] ?? key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new LearnstreamError(ApiBadRequest, issues.map((i) => `${i.path}: ${i.message}`).join('; '), {
      details: { issues },
    });
  }
  return parsed.data;
}

function validId(schema: z.ZodType<string>, value: unknown, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new LearnstreamError(ApiBadRequest, `${what}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

const level_ = { privacyLevel: 'privacy_level' };

async function tenantNode(c: GraphqlContext, id: unknown): Promise<TenantNode> {
  const tenantId = validId(tenantIdSchema, id, 'tenant id');
  await authorizeTenant(c.api, await c.who(), tenantId);
  return { id: tenantId };
}

async function learnerNode(c: GraphqlContext, id: unknown, tenantAsked: unknown): Promise<LearnerNode> {
  const learnerId = validId(learnerIdSchema, id, 'learner id');
  const tenant =
    tenantAsked === null || tenantAsked === undefined ? undefined : validId(tenantIdSchema, tenantAsked, 'tenant id');
  // The same gate as every learner route: 403 for another learner, 404 outside the caller's tenant.
  await learnerTenantFor(c.api, await c.who(), learnerId, tenant);
  return { id: learnerId, tenantAsked: tenant };
}

/** A learner field: the route's function with the learner and the tenant it was reached through. */
function learnerField<S extends z.ZodType>(
  schema: S,
  read: (ctx: ApiContext, who: Principal, learnerId: string, q: z.output<S>) => Promise<unknown>,
  names: Record<string, string> = {},
) {
  return async (l: LearnerNode, args: Args, c: GraphqlContext) =>
    read(c.api, await c.who(), l.id, restQuery(schema, { ...args, tenant_id: l.tenantAsked }, names));
}

function tenantField<S extends z.ZodType>(
  schema: S,
  read: (ctx: ApiContext, who: Principal, tenantId: string, q: z.output<S>) => Promise<unknown>,
  names: Record<string, string> = {},
) {
  return async (t: TenantNode, args: Args, c: GraphqlContext) =>
    read(c.api, await c.who(), t.id, restQuery(schema, args, names));
}

export const resolvers = {
  Query: {
    privacyLevels: (_: unknown, _args: Args, c: GraphqlContext) => privacyLevelsOf(c.api),
    tenant: (_: unknown, args: Args, c: GraphqlContext) => tenantNode(c, args.id),
    learner: (_: unknown, args: Args, c: GraphqlContext) => learnerNode(c, args.id, args.tenantId),
  },
  Tenant: {
    metrics: tenantField(tenantMetricsQuery, tenantMetrics, level_),
    weeklyActive: tenantField(weeklyActiveQuery, weeklyActive, level_),
    mastery: tenantField(masteryQuery, tenantMastery, level_),
    topicDifficulty: tenantField(topicDifficultyQuery, topicDifficultyOf, level_),
    privacyBudget: async (t: TenantNode, _args: Args, c: GraphqlContext) => privacyBudget(c.api, await c.who(), t.id),
    learner: (t: TenantNode, args: Args, c: GraphqlContext) => learnerNode(c, args.id, t.id),
  },
  Learner: {
    tenant: async (l: LearnerNode, _args: Args, c: GraphqlContext) => {
      const tenantId = await learnerTenantFor(c.api, await c.who(), l.id, l.tenantAsked);
      return tenantNode(c, tenantId);
    },
    metrics: learnerField(learnerMetricsQuery, learnerMetrics),
    patterns: learnerField(learnerPatternsQuery, learnerPatterns),
    masteryHistory: learnerField(masteryHistoryQuery, learnerMasteryHistory),
    gaps: learnerField(gapsQuery, learnerGaps, { minSeverity: 'min_severity' }),
    reviews: learnerField(reviewsQuery, learnerReviews, { dueBefore: 'due_before' }),
    summary: learnerField(learnerSummaryQuery, learnerSummary),
    percentiles: learnerField(percentilesQuery, learnerPercentiles, level_),
  },
};

// zod schemas of every request and response of the REST API: the single
// source of validation, of the TypeScript types handlers see, and of the
// OpenAPI document served at /docs.
import { z } from 'zod';
import { privacyLevelNames } from './privacy/levels.js';

export const tenantIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'tenant ids are 1-64 characters of A-Z a-z 0-9 _ . : -')
  .describe('Tenant id');
export const learnerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'learner ids are pseudonyms of 1-128 characters of A-Z a-z 0-9 _ . : -')
  .describe('Pseudonymised learner id');
const topicIdSchema = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'invalid topic id');

export const errorBody = z
  .object({
    code: z.string().describe('Stable error code, e.g. LS_API_FORBIDDEN'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('Every error response');

const instant = z.string().describe('ISO 8601 date (YYYY-MM-DD) or date-time');
const format = z.enum(['json', 'csv']).default('json').describe('`csv` returns the series as text/csv');
export const privacyLevel = z
  .enum(privacyLevelNames)
  .default('anonymized')
  .describe('anonymized (k-anonymity) or dp_low / dp_medium / dp_high (epsilon 2.0 / 1.0 / 0.5)');

export const tenantParams = z.object({ tenantId: tenantIdSchema });
export const learnerParams = z.object({ learnerId: learnerIdSchema });

export const tenantMetricsQuery = z.object({
  from: instant.optional(),
  to: instant.optional().describe('Exclusive end; default: end of the current UTC day'),
  privacy_level: privacyLevel,
  top: z.coerce.number().int().min(1).max(50).default(10).describe('How many top topics'),
  format,
});

export const learnerMetricsQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  tenant_id: tenantIdSchema.optional().describe('Only needed by admins when a pseudonym exists in several tenants'),
});

export const weeklyActiveQuery = z.object({
  weeks: z.coerce.number().int().min(1).max(104).default(12),
  to: instant.optional().describe('A day in the last week of the series; default today'),
  order: z.enum(['asc', 'desc']).default('asc'),
  privacy_level: privacyLevel,
  format,
});

export const masteryQuery = z.object({
  topic: topicIdSchema.optional(),
  from: instant.optional(),
  to: instant.optional(),
  sort: z.enum(['topic', 'learners', 'mastery']).default('topic').describe('Under DP levels always by topic'),
  order: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  privacy_level: privacyLevel,
  format,
});

const num = z.number().nullable();

export const privacyInfo = z.object({
  level: z.enum(privacyLevelNames),
  k: z.number().int(),
  epsilonCharged: z.number().describe('Epsilon this request took from the tenant budget (0 when repeated)'),
  epsilonPerFigure: z.number(),
  noisy: z.boolean(),
  withheld: z.array(z.string()).describe('Figures not released at this level'),
});

export const periodInfo = z.object({ from: z.string(), to: z.string() });

export const weekPoint = z.object({
  weekStart: z.string(),
  isoWeek: z.string(),
  suppressed: z.boolean(),
  active: num,
  new: num,
  returning: num,
  reactivated: num,
  churned: num,
  sessions: num,
  learningMinutes: num,
});

export const dayPoint = z.object({
  day: z.string(),
  suppressed: z.boolean(),
  learners: num,
  sessions: num,
  learningHours: num,
});

export const tenantMetricsResponse = z.object({
  tenantId: z.string(),
  period: periodInfo,
  privacy: privacyInfo,
  suppressed: z.boolean().describe('True when the period cohort is smaller than k: every figure is null'),
  activeLearners: num,
  learningHours: num,
  engagementRate: num.describe('Active learners / learners ever seen up to the period end'),
  sessions: z.object({
    count: num,
    avgDurationMinutes: num,
    medianDurationMinutes: num.describe('Upper median for an even number of sessions; withheld under DP'),
    totalHours: num,
    trend: z.enum(['up', 'down', 'flat']).nullable().describe('Session count vs the previous period of equal length'),
    previousCount: num,
    dataPoints: z.array(dayPoint),
  }),
  weeklyActivity: z.array(weekPoint),
  topTopics: z.array(z.object({ topicId: z.string(), suppressed: z.boolean(), learners: num, sessions: num })),
  iepSummary: z.object({
    suppressed: z.boolean(),
    learnersWithUpdates: num,
    updates: num,
    goals: num.describe('IEP goals measured in the period (from raw events); withheld under DP'),
    avgProgress: num.describe('Mean of (current − baseline) / (target − baseline) over those goals'),
    onTrack: num.describe('Goals with positive progress, not below their first measurement in the period'),
  }),
});

export const learnerMetricsResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  period: periodInfo,
  sessions: z.object({
    count: z.number(),
    avgDurationMinutes: num,
    medianDurationMinutes: num,
    totalHours: z.number(),
    activeHours: z.number(),
    trend: z.enum(['up', 'down', 'flat']),
    previousCount: z.number(),
    lastSessionAt: z.string().nullable(),
  }),
  mastery: z.array(
    z.object({
      topicId: z.string(),
      day: z.string(),
      masteryScore: z.number(),
      pKnown: z.number(),
      accuracy: z.number(),
      firstAttemptAccuracy: z.number(),
      retrievalStrength: z.number(),
      materialCompletion: z.number(),
      attempts: z.number(),
      nextReviewAt: z.string().nullable(),
      trend: z.string(),
      change: z.number(),
    }),
  ),
  iep: z.object({
    updates: z.number(),
    sessionsWithUpdates: z.number(),
    goals: z.array(
      z.object({
        goalId: z.string(),
        category: z.string(),
        baseline: z.number(),
        current: z.number(),
        target: z.number(),
        progress: z.number().describe('(current − baseline) / (target − baseline)'),
        onTrack: z.boolean(),
        measuredAt: z.string().nullable(),
        measurements: z.number(),
      }),
    ),
  }),
  dataCompleteness: z.object({
    daysWithData: z.number(),
    daysInPeriod: z.number(),
    ratio: z.number(),
    topicsWithMastery: z.number(),
    questionAttempts: z.number(),
  }),
});

export const weeklyActiveResponse = z.object({
  tenantId: z.string(),
  privacy: privacyInfo,
  weeks: z.array(weekPoint),
});

export const masteryResponse = z.object({
  tenantId: z.string(),
  period: periodInfo,
  privacy: privacyInfo,
  topics: z.array(
    z.object({
      topicId: z.string(),
      suppressed: z.boolean(),
      learners: num,
      avgMasteryScore: num,
      avgPKnown: num,
      improving: num,
      stable: num,
      declining: num,
    }),
  ),
  page: z.object({ limit: z.number(), offset: z.number(), total: z.number(), nextOffset: z.number().nullable() }),
});

export const privacyLevelsResponse = z.object({
  k: z.number(),
  delta: z.number(),
  budget: z.object({ epsilon: z.number(), period: z.string() }),
  levels: z.array(
    z.object({ level: z.enum(privacyLevelNames), epsilon: z.number().nullable(), description: z.string() }),
  ),
});

export const pipelineStatusResponse = z.object({
  generatedAt: z.string(),
  engineWatermarkMs: z.number().nullable(),
  partitions: z.array(
    z.object({
      partition: z.number(),
      lag: z.number().nullable(),
      watermarkMs: z.number().nullable(),
      idle: z.boolean(),
      checkpointAgeSeconds: z.number().nullable(),
    }),
  ),
  lastClosedWindows: z.array(
    z.object({ output: z.string(), partition: z.number(), seq: z.number(), windowEndMs: z.number().nullable() }),
  ),
  deadLetters: z.object({ total: z.number(), byReason: z.record(z.string(), z.number()) }),
  lateEvents: z.object({ total: z.number(), byOperator: z.record(z.string(), z.number()) }),
});

export const errorResponses = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody } as const;

// zod schemas of the learner-insight routes (streaks and patterns, mastery
// history with time to mastery, due reviews, the learner summary): validation,
// handler types and the OpenAPI document, as in schemas.ts.
import { z } from 'zod';
import { privacyInfo, privacyLevel, tenantIdSchema } from './schemas.js';

const instant = z.string().describe('ISO 8601 date (YYYY-MM-DD) or date-time');
const topicIdSchema = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/, 'invalid topic id');
const tenantChoice = tenantIdSchema
  .optional()
  .describe('Only needed by admins when a pseudonym exists in several tenants');
const periodOut = z.object({ from: z.string(), to: z.string() });
const day = z.string().describe('YYYY-MM-DD (UTC)');

export const learnerPatternsQuery = z.object({
  from: instant.optional(),
  to: instant
    .optional()
    .describe('Exclusive end; default: end of the current UTC day. Streaks are as of the day before it'),
  tenant_id: tenantChoice,
});

const lengthGroup = z.object({
  fromMinutes: z.number(),
  toMinutes: z.number().nullable().describe('null: open-ended'),
  sessions: z.number().int(),
  questionAttempts: z.number().int(),
  accuracy: z.number().nullable(),
});

export const learnerPatternsResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  period: periodOut,
  asOf: day,
  streaks: z.object({
    current: z.number().int().describe('Consecutive UTC days with a session, ending on asOf or the day before'),
    longest: z.number().int(),
    activeDays: z.number().int(),
    firstActiveDay: day.nullable(),
    lastActiveDay: day.nullable(),
    consistency: z.number().nullable().describe('Active days / days from the first active day to asOf'),
  }),
  calendar: z
    .array(day)
    .describe('The UTC days of the period with at least one session, oldest first (a streak calendar)'),
  patterns: z.object({
    sessions: z.number().int(),
    reported: z.boolean().describe('False below minimums.patternSessions sessions: every pattern is then null'),
    activityMatrix: z
      .array(z.array(z.number().int()))
      .nullable()
      .describe('Sessions by UTC weekday (Monday first) × hour of their start'),
    sessionLengths: z.array(lengthGroup).nullable(),
    bestSessionLength: lengthGroup.nullable().describe('The length group with the highest accuracy, with its sample'),
    kindPreference: z
      .object({ questions: z.number(), content: z.number(), otherActivity: z.number() })
      .nullable()
      .describe("Each kind's share of the learner's events"),
    questionsPerHour: z.number().nullable().describe('Question attempts per active hour'),
    materialsPerHour: z.number().nullable().describe('Content interactions per active hour'),
    studyEfficiency: z.number().nullable().describe('Active time / session time'),
  }),
  minimums: z.object({ patternSessions: z.number(), groupSessions: z.number(), groupAttempts: z.number() }),
});

export const masteryHistoryQuery = z.object({
  topic: topicIdSchema.optional().describe('One topic; default all'),
  from: instant.optional().describe('Default: 90 days before `to`'),
  to: instant.optional(),
  tenant_id: tenantChoice,
});

const projection = z
  .object({
    status: z.enum(['mastered', 'projected', 'not_improving', 'too_few_points']),
    since: day.optional().describe('mastered: first day of the newest run of snapshots at ≥ 0.8'),
    day: day.optional().describe('projected: the day the fitted line reaches 0.8'),
    earliest: day.optional(),
    latest: day.nullable().optional().describe('null: at the shallow end of the 95% interval the score does not rise'),
    slopePerDay: z.number().optional(),
    points: z.number().int().optional(),
  })
  .describe('Time to mastery (≥ 0.8) from the last 28 days of snapshots');

export const masteryHistoryResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  period: periodOut,
  topics: z.array(
    z.object({
      topicId: z.string(),
      points: z.array(
        z.object({
          day,
          masteryScore: z.number(),
          pKnown: z.number(),
          accuracy: z.number(),
          retrievalStrength: z.number(),
          attempts: z.number().int(),
          trend: z.string(),
        }),
      ),
      projection,
    }),
  ),
});

export const reviewsQuery = z.object({
  due_before: instant.optional().describe('Reviews due before this instant; default now'),
  tenant_id: tenantChoice,
});

export const reviewsResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  dueBefore: z.string(),
  reviews: z.array(
    z.object({
      topicId: z.string(),
      nextReviewAt: z.string().describe("FSRS next review time of the topic's newest snapshot"),
      overdueDays: z.number().describe('Days between the review time and dueBefore'),
      masteryScore: z.number(),
      retrievalStrength: z.number(),
      snapshotDay: day,
    }),
  ),
});

export const learnerSummaryQuery = z.object({ tenant_id: tenantChoice });

export const learnerSummaryResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  firstActivityAt: z.string().nullable(),
  lastActiveDay: day.nullable(),
  currentStreakDays: z.number().int(),
  longestStreakDays: z.number().int(),
  sessions: z.number().int(),
  totalHours: z.number(),
  activeHours: z.number(),
  topicsTracked: z.number().int(),
  topicsMastered: z.number().int().describe('Topics whose newest snapshot has a mastery score ≥ 0.8'),
  latestSessions: z.array(
    z.object({
      startedAt: z.string(),
      durationMinutes: z.number(),
      activeMinutes: z.number(),
      questionAttempts: z.number().int(),
      questionsCorrect: z.number().int(),
      topics: z.array(z.string()),
    }),
  ),
});

export const percentilesQuery = z.object({
  from: instant.optional().describe('Default: 30 days before `to`'),
  to: instant.optional(),
  privacy_level: privacyLevel,
  tenant_id: tenantChoice,
});

const standing = z.object({
  percentile: z
    .number()
    .nullable()
    .describe('100 · (cohort values below + ties / 2) / cohort; null when the cohort is suppressed'),
  cohort: z.number().int().nullable().describe('Learners compared (noisy under DP); null when suppressed'),
  suppressed: z.boolean(),
});

export const percentilesResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  period: periodOut,
  privacy: privacyInfo,
  mastery: z.array(
    standing.extend({
      topicId: z.string(),
      masteryScore: z.number().describe("The learner's newest score in the period"),
    }),
  ),
  studyTime: standing
    .extend({ activeHours: z.number() })
    .nullable()
    .describe('Active time in sessions of the period; null: no session'),
  accuracy: standing
    .extend({ accuracy: z.number() })
    .nullable()
    .describe('Correct / question attempts in the period; null: no attempt'),
});

export const topicDifficultyQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  privacy_level: privacyLevel,
});

export const topicDifficultyResponse = z.object({
  tenantId: z.string(),
  period: periodOut,
  privacy: privacyInfo,
  topics: z.array(
    z.object({
      topicId: z.string(),
      suppressed: z.boolean(),
      learners: z.number().int().nullable(),
      avgAccuracy: z.number().nullable().describe("Mean of the learners' newest accuracy"),
      difficulty: z.number().nullable().describe('1 − avgAccuracy'),
      avgMasteryScore: z.number().nullable(),
      struggling: z.number().int().nullable().describe('Learners whose newest mastery score is below 0.5'),
      strugglingShare: z.number().nullable().describe('struggling / learners: "N % of learners struggle"'),
    }),
  ),
});

export const gapsQuery = z.object({
  min_severity: z.enum(['critical', 'high', 'medium', 'low']).default('low').describe('Only gaps at least this severe'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  tenant_id: tenantChoice,
});

export const gapsResponse = z.object({
  learnerId: z.string(),
  tenantId: z.string(),
  catalogVersion: z.number().int().describe('The topic catalog version the priorities were computed with (0: none)'),
  gaps: z.array(
    z.object({
      topicId: z.string(),
      name: z.string().nullable().describe("The catalog's name; null for a topic it does not list"),
      severity: z.enum(['critical', 'high', 'medium', 'low']),
      priority: z.number().describe('3·gap + 2·examWeight/10 + prerequisiteImpact + 1.5·recentFailureRate'),
      gap: z.number().describe('1 − masteryScore'),
      masteryScore: z.number(),
      recentFailureRate: z.number().describe('Failed / question attempts among the last 10 (0 with none)'),
      recentAttempts: z.number().int(),
      examWeight: z.number(),
      prerequisiteImpact: z.number().describe("Share of the tenant's topics listing this one as a prerequisite"),
      estimatedHoursToClose: z.number().describe("The catalog's hours to master × gap"),
      inCatalog: z.boolean(),
      snapshotDay: day,
    }),
  ),
});

// zod schemas of the drop-in routes (/api/v1/...): the routes and snake_case
// JSON shapes of the privacy-first analytics service that learning platforms
// already call, over learnstream's own figures. Each field's meaning in
// learnstream terms is in its description (and in the README, "Drop-in API").
import { z } from 'zod';
import { privacyLevelNames } from './privacy/levels.js';
import { learnerIdSchema, privacyLevel, tenantIdSchema } from './schemas.js';

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD')
  .describe('A UTC day, YYYY-MM-DD');
const level = z.enum(privacyLevelNames);
const num = z.number().nullable();
const int = z.number().int().nullable();

export const dropInTenantParams = z.object({ tenant_id: tenantIdSchema });
export const dropInLearnerParams = z.object({ learner_id_hash: learnerIdSchema });

export const dropInTenantQuery = z.object({
  start_date: date.optional().describe('First day of the period (default: 29 days before end_date)'),
  end_date: date.optional().describe('Last day of the period, inclusive (default: today, UTC)'),
  privacy_level: privacyLevel,
  top: z.coerce.number().int().min(1).max(50).default(10).describe('How many top subjects'),
});

export const dropInLearnerQuery = z.object({
  start_date: date.optional().describe('First day of the period (default: 59 days before end_date)'),
  end_date: date.optional().describe('Last day of the period, inclusive (default: today, UTC)'),
  privacy_level: privacyLevel.describe(
    'Accepted and echoed; a learner’s own figures are exact at every level (no cohort, no noise)',
  ),
  tenant_id: tenantIdSchema.optional().describe('Only needed by admins when a pseudonym exists in several tenants'),
});

const sessionMetrics = z.object({
  total_sessions: int.describe('Sessions that started in the period; null when suppressed'),
  avg_duration_minutes: num.describe('Mean session length (start to end of the session window), minutes'),
  median_duration_minutes: num.describe('Median session length, minutes; null under a DP level for a tenant'),
  total_hours: num.describe('Sum of session lengths, hours'),
  trend_direction: z
    .enum(['up', 'down', 'stable', 'no_data'])
    .describe(
      'Sessions vs the previous period of equal length: up / down beyond ±5 %, else stable; no_data when either count is withheld',
    ),
  privacy_level: level,
  data_points: z.number().int().describe('Days of the period with at least one session'),
});

const subject = z.object({
  subject_id: z.string().describe('The topic id'),
  subject_category: z.string().nullable().describe("The topic's parent in the tenant's topic catalog; null if none"),
  current_mastery: num.describe(
    'Mastery score 0..1 of the newest snapshot (tenant: mean over the learners with a snapshot in the period)',
  ),
  mastery_improvement: num.describe("Learner: the newest snapshot's change since the previous one; tenant: null"),
  assessments_completed: int.describe('Learner: question attempts on the topic so far; tenant: null'),
  time_to_mastery_hours: num.describe('Always null: learnstream projects days to mastery, not hours'),
  privacy_level: level,
  aggregation_level: z.enum(['individual', 'tenant']),
});

export const dropInTenantResponse = z.object({
  tenant_id: z.string(),
  reporting_period_start: date.describe('First day of the period'),
  reporting_period_end: date.describe('Last day of the period (inclusive)'),
  total_active_learners: int.describe('Distinct learners with a session that started in the period; null when below k'),
  total_learning_hours: num.describe('Active learning time in the period (session active seconds), hours'),
  average_engagement_rate: num.describe(
    'Active learners of the period / learners ever seen up to its end (0..1), as on /v1/tenants/:id/metrics',
  ),
  session_metrics: sessionMetrics,
  weekly_activity: z.array(
    z.object({
      week_start: date.describe('Monday of the ISO week'),
      active_learners: int,
      new_learners: int.describe('Learners whose first activity ever was this week'),
      engagement_rate: num.describe("The week's active learners / learners ever seen up to the period end"),
      avg_sessions_per_learner: num.describe('Sessions / active learners that week; null under a DP level'),
      avg_time_per_learner: num.describe('Learning minutes / active learners that week; null under a DP level'),
      demographics: z.object({}).describe('Always {}: learnstream keeps no demographic data'),
      privacy_level: level,
      suppressed: z.boolean().describe('True when the week has fewer than k active learners'),
    }),
  ),
  top_subjects: z.array(
    subject.extend({
      learners: int.describe('Learners with a mastery snapshot of the topic in the period'),
      suppressed: z.boolean(),
    }),
  ),
  iep_progress_summary: z
    .object({
      total_iep_learners: int.describe('Learners with an IEP goal measurement in the period'),
      total_goals: int,
      on_track_goals: int,
      on_track_percentage: num.describe('on_track_goals / total_goals (0..1)'),
      average_progress_percentage: num.describe('Mean of (current − baseline) / (target − baseline) over the goals'),
    })
    .nullable()
    .describe('Null when no IEP goal was measured in the period, when those learners are fewer than k, or under DP'),
  privacy_level: level,
  suppressed: z.boolean().describe('True when the period has fewer than k active learners'),
  last_updated: z.string().describe('When this answer was computed from the result tables (ISO 8601)'),
});

export const dropInLearnerResponse = z.object({
  learner_id_hash: z
    .string()
    .describe('The learner pseudonym (HMAC of the platform id), as in every learnstream table'),
  reporting_period_start: date,
  reporting_period_end: date.describe('Inclusive'),
  session_metrics: sessionMetrics,
  subject_progress: z.array(subject.extend({ p_known: z.number(), next_review_at: z.string().nullable() })),
  iep_progress: z
    .array(
      z.object({
        goal_id: z.string(),
        goal_category: z.string(),
        baseline_score: z.number(),
        current_score: z.number(),
        target_score: z.number(),
        progress_percentage: z.number().describe('(current − baseline) / (target − baseline), a fraction'),
        is_on_track: z.boolean(),
        days_since_baseline: z
          .number()
          .int()
          .describe("Whole days from the goal's first measurement in the period to its latest"),
        projected_completion: z.null().describe('Always null: no projection'),
        support_level: z.null().describe('Always null: not recorded'),
        interventions_used: z.null().describe('Always null: not recorded'),
        privacy_level: level,
      }),
    )
    .nullable()
    .describe('Null when the learner has no IEP goal measurement in the period'),
  privacy_level: level,
  minimum_cohort_size: z.number().int().describe('k of k-anonymity applied to every cohort figure'),
  differential_privacy_epsilon: num.describe('Always null here: a learner’s own figures carry no noise'),
  last_updated: z.string(),
  data_completeness: z.number().describe('Days of the period with a session / days in the period (0..1, 4 decimals)'),
});

export const dropInPrivacyLevelsResponse = z.object({
  privacy_levels: z.array(
    z.object({
      level,
      description: z.string(),
      epsilon: num.describe('Per query; null for anonymized'),
      suitable_for: z.string(),
    }),
  ),
  minimum_cohort_size: z.number().int(),
  delta: z.number(),
  budget: z.object({ epsilon: z.number(), period: z.string() }),
});

export const dropInHealthResponse = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  service: z.literal('learnstream'),
  version: z.string(),
  checks: z.record(z.string(), z.string()).describe('Each readiness check, as /readyz reports it'),
});

export const dropInEtlTriggerQuery = z.object({
  target_date: date.optional().describe('Rebuild this one day (and the week starting on it, if a Monday)'),
  start_date: date.optional().describe('First day to rebuild (default: the tenant’s first)'),
  end_date: date.optional().describe('Last day to rebuild, inclusive (default: yesterday, UTC)'),
  privacy_level: privacyLevel.describe('Accepted and echoed: rollups hold exact figures; privacy applies when read'),
});

const etlJob = z.object({
  job_id: z.string(),
  job_name: z.string(),
  tenant_id: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  started_at: z.string(),
  completed_at: z.string().nullable(),
  records_processed: z.number().int().describe('Result rows read'),
  records_created: z.number().int().describe('Rollup rows written'),
  processing_time_seconds: num,
  privacy_level: level.describe('Always anonymized: the rollups are exact'),
  epsilon_used: num.describe('Always null: a rebuild releases nothing'),
  error_message: z.string().nullable(),
  start_date: date,
  end_date: date.describe('Inclusive'),
  days_skipped: z.number().int().describe('Days left alone: erased learners there cannot be recounted'),
});

export const dropInEtlTriggerResponse = z.object({
  message: z.string(),
  tenant_id: z.string(),
  privacy_level: level,
  job_ids: z.array(z.string()),
  job: etlJob,
});

export const dropInEtlJobsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  status_filter: z.enum(['running', 'completed', 'failed']).optional(),
});

export const dropInEtlJobsResponse = z.array(etlJob);
export type DropInEtlJob = z.infer<typeof etlJob>;

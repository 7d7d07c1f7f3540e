// Shapes of the public REST responses and live-feed messages the dashboard
// reads (a subset of the OpenAPI document at /docs/json).

export interface PrivacyInfo {
  level: string;
  k: number;
  noisy: boolean;
}

export interface DayPoint {
  day: string;
  suppressed: boolean;
  learners: number | null;
  sessions: number | null;
  learningHours: number | null;
}

export interface WeekPoint {
  weekStart: string;
  isoWeek: string;
  suppressed: boolean;
  active: number | null;
  new: number | null;
  returning: number | null;
  reactivated: number | null;
  churned: number | null;
  sessions: number | null;
  learningMinutes: number | null;
}

export interface TenantMetrics {
  tenantId: string;
  period: { from: string; to: string };
  privacy: PrivacyInfo;
  suppressed: boolean;
  activeLearners: number | null;
  learningHours: number | null;
  engagementRate: number | null;
  sessions: {
    count: number | null;
    avgDurationMinutes: number | null;
    medianDurationMinutes: number | null;
    totalHours: number | null;
    trend: 'up' | 'down' | 'flat' | null;
    previousCount: number | null;
    dataPoints: DayPoint[];
  };
}

export interface WeeklyActive {
  tenantId: string;
  privacy: PrivacyInfo;
  weeks: WeekPoint[];
}

export interface TopicMastery {
  topicId: string;
  suppressed: boolean;
  learners: number | null;
  avgMasteryScore: number | null;
  avgPKnown: number | null;
  improving: number | null;
  stable: number | null;
  declining: number | null;
}

export interface MasteryByTopic {
  tenantId: string;
  privacy: PrivacyInfo;
  topics: TopicMastery[];
  page: { limit: number; offset: number; total: number; nextOffset: number | null };
}

export interface PipelineStatus {
  generatedAt: string;
  engineWatermarkMs: number | null;
  partitions: {
    partition: number;
    lag: number | null;
    watermarkMs: number | null;
    idle: boolean;
    checkpointAgeSeconds?: number | null;
  }[];
  deadLetters: { total: number; byReason: Record<string, number> };
  lateEvents: { total: number; byOperator: Record<string, number> };
}

export type LiveKind = 'sessions' | 'mastery' | 'weekly_active' | 'late_events';

export interface WindowMessage {
  type: 'window';
  kind: LiveKind;
  tenantId: string;
  partition: number;
  seq: number;
  replay: boolean;
  windowEndMs: number | null;
  data: Record<string, unknown>;
  resume: string;
}

export type ServerMessage =
  | WindowMessage
  | { type: 'welcome'; role: string; heartbeatMs: number }
  | { type: 'subscribed'; tenants: string[]; kinds: LiveKind[]; resume: string }
  | { type: 'heartbeat'; at: number; resume?: string }
  | { type: 'replay_complete'; replayed: number; resume: string }
  | { type: 'pong'; at: number }
  | { type: 'error'; status: number; code: string; message: string };

// Learner page: /v1/learners/:id/summary, /patterns, /mastery/history, /gaps, /reviews.

export interface LearnerSummary {
  learnerId: string;
  tenantId: string;
  firstActivityAt: string | null;
  lastActiveDay: string | null;
  currentStreakDays: number;
  longestStreakDays: number;
  sessions: number;
  totalHours: number;
  activeHours: number;
  topicsTracked: number;
  topicsMastered: number;
}

export interface LearnerPatterns {
  learnerId: string;
  tenantId: string;
  period: { from: string; to: string };
  asOf: string;
  streaks: {
    current: number;
    longest: number;
    activeDays: number;
    firstActiveDay: string | null;
    lastActiveDay: string | null;
    consistency: number | null;
  };
  calendar: string[];
  patterns: {
    sessions: number;
    reported: boolean;
    /** Sessions by UTC weekday (Monday first) × hour of their start; null below the minimum. */
    activityMatrix: number[][] | null;
  };
  minimums: { patternSessions: number };
}

export interface MasteryProjection {
  status: 'mastered' | 'projected' | 'not_improving' | 'too_few_points';
  since?: string;
  day?: string;
  earliest?: string;
  latest?: string | null;
}

export interface MasteryHistory {
  learnerId: string;
  tenantId: string;
  topics: {
    topicId: string;
    points: { day: string; masteryScore: number; pKnown: number; attempts: number; trend: string }[];
    projection: MasteryProjection;
  }[];
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface LearnerGaps {
  learnerId: string;
  tenantId: string;
  catalogVersion: number;
  gaps: {
    topicId: string;
    name: string | null;
    severity: Severity;
    priority: number;
    gap: number;
    masteryScore: number;
    recentFailureRate: number;
    recentAttempts: number;
    estimatedHoursToClose: number;
    inCatalog: boolean;
  }[];
}

export interface LearnerReviews {
  learnerId: string;
  tenantId: string;
  dueBefore: string;
  reviews: {
    topicId: string;
    nextReviewAt: string;
    overdueDays: number;
    masteryScore: number;
    retrievalStrength: number;
  }[];
}

export interface LearnerInsights {
  summary: LearnerSummary;
  patterns: LearnerPatterns;
  history: MasteryHistory;
  gaps: LearnerGaps;
  reviews: LearnerReviews;
}

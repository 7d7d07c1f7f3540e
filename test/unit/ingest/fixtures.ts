// One event of each kind, written by hand: the fixtures the ingest tests share.
import type { LearningEvent } from '../../../src/ingest/index.js';

const base = {
  tenantId: 'tenant-01',
  learnerId: 'lms-01-u00001',
  occurredAt: Date.UTC(2026, 0, 5, 9, 30),
  receivedAt: Date.UTC(2026, 0, 5, 9, 30, 2),
  source: 'quiz-app',
  schemaVersion: 2,
  clientSessionId: 'cs-42',
};

export const activity: LearningEvent = {
  ...base,
  eventId: '3f1c2a8e-5b7d-4c9e-8a1f-0d2b4c6e8f10',
  body: { kind: 'activity', category: 'video', action: 'played', objectId: 'video-7', durationMs: 95_000 },
};

export const questionAttempt: LearningEvent = {
  ...base,
  eventId: '7a9b1c3d-2e4f-4a6b-9c8d-1e2f3a4b5c6d',
  body: {
    kind: 'question_attempt',
    itemId: 'algebra-1-q007',
    topicIds: ['algebra-1', 'fractions-1'],
    correct: true,
    score: 0.75,
    attemptNumber: 1,
    responseTimeMs: 12_345,
    hintsUsed: 1,
    confidence: 0.6,
  },
};

export const contentInteraction: LearningEvent = {
  ...base,
  eventId: 'c0ffee00-1234-4abc-8def-0123456789ab',
  clientSessionId: null,
  body: {
    kind: 'content_interaction',
    contentId: 'reading-1-m3',
    topicIds: ['reading-1'],
    progress: 0.5,
    activeSeconds: 301.5,
  },
};

export const iepGoalProgress: LearningEvent = {
  ...base,
  eventId: 'deadbeef-0000-4000-8000-000000000001',
  body: {
    kind: 'iep_goal_progress',
    goalId: 'goal-1',
    category: 'reading',
    baseline: 10,
    current: 17.5,
    target: 40,
    measuredAt: Date.UTC(2026, 0, 9, 14),
  },
};

export const everyKind: LearningEvent[] = [activity, questionAttempt, contentInteraction, iepGoalProgress];

/** A fixed clock for contract checks: 2026-01-06. */
export const fixedNow = () => Date.UTC(2026, 0, 6);

const v3Base = { ...base, schemaVersion: 3 };
const context = { courseId: 'course-algebra-1', classId: 'class-7b', platform: 'web', deviceKind: 'tablet' };

/** v3: a page view with every detail and a full context. */
export const pageView: LearningEvent = {
  ...v3Base,
  eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b',
  context,
  body: {
    kind: 'activity',
    category: 'navigation',
    action: 'page_view',
    objectId: 'quest-12',
    durationMs: null,
    details: {
      kind: 'page_view',
      path: '/quests/12',
      referrerPath: '/dashboard',
      loadTimeMs: 412,
      timeOnPageMs: 63_000,
    },
  },
};

/** v3: a client error; the message travels only as its SHA-256. */
export const clientError: LearningEvent = {
  ...v3Base,
  eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2c',
  context: { courseId: null, classId: null, platform: 'android', deviceKind: 'phone' },
  body: {
    kind: 'activity',
    category: 'error',
    action: 'server_error',
    objectId: null,
    durationMs: null,
    details: {
      kind: 'error',
      errorType: 'http',
      component: 'quest-player',
      httpStatus: 503,
      messageDigest: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    },
  },
};

/** v3: an exam result, with a context of its course only. */
export const examResult: LearningEvent = {
  ...v3Base,
  eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2d',
  context: { courseId: 'course-algebra-1', classId: null, platform: null, deviceKind: null },
  body: {
    kind: 'exam_result',
    examId: 'exam-algebra-midterm',
    score: 0.815,
    passed: true,
    takenAt: Date.UTC(2026, 0, 5, 8, 0),
  },
};

/** v3: a taxonomy activity without details, with a context. */
export const questCompleted: LearningEvent = {
  ...v3Base,
  eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2e',
  context,
  body: { kind: 'activity', category: 'quest', action: 'completed', objectId: 'quest-12', durationMs: 1_200_000 },
};

export const everyV3Shape: LearningEvent[] = [pageView, clientError, examResult, questCompleted];

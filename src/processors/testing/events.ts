// Builders of learning events for tests: deterministic ids, sensible defaults,
// only the fields a test cares about. Exported for every layer's tests.
import type {
  ActivityBody,
  ContentInteractionBody,
  EventBody,
  IepGoalProgressBody,
  LearningEvent,
  QuestionAttemptBody,
} from '../../ingest/event.js';

export interface EventBasics {
  tenantId?: string;
  learnerId?: string;
  eventId?: string;
}

let counter = 0;

function envelope<B extends EventBody>(occurredAt: number, body: B, basics: EventBasics): LearningEvent<B> {
  counter += 1;
  return {
    eventId: basics.eventId ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    tenantId: basics.tenantId ?? 'tenant-a',
    learnerId: basics.learnerId ?? 'learner-1',
    occurredAt,
    receivedAt: occurredAt,
    source: 'test',
    schemaVersion: 1,
    clientSessionId: null,
    body,
  };
}

export function activityEvent(
  occurredAt: number,
  basics: EventBasics = {},
  body: Partial<Omit<ActivityBody, 'kind'>> = {},
): LearningEvent<ActivityBody> {
  return envelope(
    occurredAt,
    { kind: 'activity', category: 'page_view', action: 'opened', objectId: null, durationMs: null, ...body },
    basics,
  );
}

export function questionAttemptEvent(
  occurredAt: number,
  basics: EventBasics = {},
  body: Partial<Omit<QuestionAttemptBody, 'kind'>> = {},
): LearningEvent<QuestionAttemptBody> {
  return envelope(
    occurredAt,
    {
      kind: 'question_attempt',
      itemId: 'item-1',
      topicIds: ['topic-1'],
      correct: true,
      score: 1,
      attemptNumber: 1,
      responseTimeMs: 20_000,
      hintsUsed: 0,
      confidence: null,
      ...body,
    },
    basics,
  );
}

export function contentInteractionEvent(
  occurredAt: number,
  basics: EventBasics = {},
  body: Partial<Omit<ContentInteractionBody, 'kind'>> = {},
): LearningEvent<ContentInteractionBody> {
  return envelope(
    occurredAt,
    {
      kind: 'content_interaction',
      contentId: 'content-1',
      topicIds: ['topic-1'],
      progress: 0.5,
      activeSeconds: 60,
      ...body,
    },
    basics,
  );
}

export function iepGoalProgressEvent(
  occurredAt: number,
  basics: EventBasics = {},
  body: Partial<Omit<IepGoalProgressBody, 'kind'>> = {},
): LearningEvent<IepGoalProgressBody> {
  return envelope(
    occurredAt,
    {
      kind: 'iep_goal_progress',
      goalId: 'goal-1',
      category: 'reading',
      baseline: 0,
      current: 1,
      target: 2,
      measuredAt: occurredAt,
      ...body,
    },
    basics,
  );
}

// Maps the TypeScript event contract (camelCase, `body.kind`) to the Avro
// record shape of schemas/ (snake_case, body as a wrapped union keyed by the
// record's full name) and back.
import type { EventBody, EventKind, LearningEvent } from './event.js';

const namespace = 'learnstream.events';

export const avroBranchOfKind: Record<EventKind, string> = {
  activity: `${namespace}.Activity`,
  question_attempt: `${namespace}.QuestionAttempt`,
  content_interaction: `${namespace}.ContentInteraction`,
  iep_goal_progress: `${namespace}.IepGoalProgress`,
};
const kindOfAvroBranch = new Map(Object.entries(avroBranchOfKind).map(([k, b]) => [b, k as EventKind]));

type AvroRecord = Record<string, unknown>;

export function bodyToAvro(body: EventBody): AvroRecord {
  switch (body.kind) {
    case 'activity':
      return {
        category: body.category,
        action: body.action,
        object_id: body.objectId ?? null,
        duration_ms: body.durationMs ?? null,
      };
    case 'question_attempt':
      return {
        item_id: body.itemId,
        topic_ids: body.topicIds,
        correct: body.correct,
        score: body.score,
        attempt_number: body.attemptNumber,
        response_time_ms: body.responseTimeMs,
        hints_used: body.hintsUsed,
        confidence: body.confidence ?? null,
      };
    case 'content_interaction':
      return {
        content_id: body.contentId,
        topic_ids: body.topicIds,
        progress: body.progress,
        active_seconds: body.activeSeconds,
      };
    case 'iep_goal_progress':
      return {
        goal_id: body.goalId,
        category: body.category,
        baseline: body.baseline,
        current: body.current,
        target: body.target,
        measured_at: body.measuredAt,
      };
  }
}

/** The Avro record of `event` for envelope `version` (v1 has no client_session_id). */
export function eventToAvro(event: LearningEvent, version: number): AvroRecord {
  const record: AvroRecord = {
    event_id: event.eventId,
    tenant_id: event.tenantId,
    learner_id: event.learnerId,
    occurred_at: event.occurredAt,
    received_at: event.receivedAt,
    source: event.source,
    schema_version: event.schemaVersion,
  };
  if (version >= 2) record.client_session_id = event.clientSessionId ?? null;
  record.body = { [avroBranchOfKind[event.body.kind]]: bodyToAvro(event.body) };
  return record;
}

export function bodyFromAvro(kind: EventKind, b: AvroRecord): EventBody {
  switch (kind) {
    case 'activity':
      return {
        kind,
        category: b.category as string,
        action: b.action as string,
        objectId: (b.object_id as string | null) ?? null,
        durationMs: (b.duration_ms as number | null) ?? null,
      };
    case 'question_attempt':
      return {
        kind,
        itemId: b.item_id as string,
        topicIds: b.topic_ids as string[],
        correct: b.correct as boolean,
        score: b.score as number,
        attemptNumber: b.attempt_number as number,
        responseTimeMs: b.response_time_ms as number,
        hintsUsed: b.hints_used as number,
        confidence: (b.confidence as number | null) ?? null,
      };
    case 'content_interaction':
      return {
        kind,
        contentId: b.content_id as string,
        topicIds: b.topic_ids as string[],
        progress: b.progress as number,
        activeSeconds: b.active_seconds as number,
      };
    case 'iep_goal_progress':
      return {
        kind,
        goalId: b.goal_id as string,
        category: b.category as string,
        baseline: b.baseline as number,
        current: b.current as number,
        target: b.target as number,
        measuredAt: b.measured_at as number,
      };
  }
}

/** The event of a record read with the current reader schema (absent v2 fields take their defaults). */
export function eventFromAvro(record: AvroRecord): LearningEvent {
  const wrapped = record.body as Record<string, AvroRecord>;
  const [branch, body] = Object.entries(wrapped)[0] as [string, AvroRecord];
  const kind = kindOfAvroBranch.get(branch) as EventKind;
  return {
    eventId: record.event_id as string,
    tenantId: record.tenant_id as string,
    learnerId: record.learner_id as string,
    occurredAt: record.occurred_at as number,
    receivedAt: record.received_at as number,
    source: record.source as string,
    schemaVersion: record.schema_version as number,
    clientSessionId: (record.client_session_id as string | null | undefined) ?? null,
    body: bodyFromAvro(kind, body),
  };
}

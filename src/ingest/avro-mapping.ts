// Maps the TypeScript event contract (camelCase, `body.kind`) to the Avro
// record shape of schemas/ (snake_case, body as a wrapped union keyed by the
// record's full name) and back. Absent optional fields (older writers) map to
// null; the hot path allocates only for what a record carries.
import type { ActivityDetails, EventBody, EventContext, EventKind, LearningEvent } from './event.js';

const namespace = 'learnstream.events';

export const avroBranchOfKind: Record<EventKind, string> = {
  activity: `${namespace}.Activity`,
  question_attempt: `${namespace}.QuestionAttempt`,
  content_interaction: `${namespace}.ContentInteraction`,
  iep_goal_progress: `${namespace}.IepGoalProgress`,
  exam_result: `${namespace}.ExamResult`,
};
const pageViewBranch = `${namespace}.PageView`;
const errorDetailsBranch = `${namespace}.ErrorDetails`;
/** The first envelope version with `context`, activity `details` and `exam_result`. */
export const contextVersion = 3;
const kindOfAvroBranch = new Map(Object.entries(avroBranchOfKind).map(([k, b]) => [b, k as EventKind]));

type AvroRecord = Record<string, unknown>;

export function bodyToAvro(body: EventBody): AvroRecord {
  switch (body.kind) {
    case 'activity': {
      const record: AvroRecord = {
        category: body.category,
        action: body.action,
        object_id: body.objectId ?? null,
        duration_ms: body.durationMs ?? null,
      };
      // Only when present: the JSON form of a v1/v2-shaped event stays as it was.
      if (body.details) record.details = detailsToAvro(body.details);
      return record;
    }
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
    case 'exam_result':
      return { exam_id: body.examId, score: body.score, passed: body.passed, taken_at: body.takenAt };
  }
}

/** The details' fields in wire (snake_case) names, without the union wrapper: also their JSON form (plus `kind`). */
export function detailsRecord(d: ActivityDetails): AvroRecord {
  return d.kind === 'page_view'
    ? {
        path: d.path,
        referrer_path: d.referrerPath ?? null,
        load_time_ms: d.loadTimeMs ?? null,
        time_on_page_ms: d.timeOnPageMs ?? null,
      }
    : {
        error_type: d.errorType,
        component: d.component,
        http_status: d.httpStatus ?? null,
        message_digest: d.messageDigest ?? null,
      };
}

function detailsToAvro(d: ActivityDetails): AvroRecord {
  return { [d.kind === 'page_view' ? pageViewBranch : errorDetailsBranch]: detailsRecord(d) };
}

export function contextToAvro(c: EventContext | null | undefined): AvroRecord | null {
  if (!c) return null;
  return {
    course_id: c.courseId ?? null,
    class_id: c.classId ?? null,
    platform: c.platform ?? null,
    device_kind: c.deviceKind ?? null,
  };
}

/**
 * The Avro record of `event` for envelope `version`: v1 has no
 * client_session_id, v1 and v2 have no context or activity details (dropped;
 * an exam_result body does not fit them and fails the schema check).
 */
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
  const body = bodyToAvro(event.body);
  if (version < contextVersion && body.details !== undefined) delete body.details;
  record.body = { [avroBranchOfKind[event.body.kind]]: body };
  if (version >= contextVersion) record.context = contextToAvro(event.context);
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
        details: detailsFromAvro(b.details as Record<string, AvroRecord> | null | undefined) ?? undefined,
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
    case 'exam_result':
      return {
        kind,
        examId: b.exam_id as string,
        score: b.score as number,
        passed: b.passed as boolean,
        takenAt: b.taken_at as number,
      };
  }
}

function detailsFromAvro(wrapped: Record<string, AvroRecord> | null | undefined): ActivityDetails | null {
  if (!wrapped) return null;
  const pageView = wrapped[pageViewBranch];
  if (pageView) return detailsFromRecord('page_view', pageView);
  const error = wrapped[errorDetailsBranch];
  return error ? detailsFromRecord('error', error) : null;
}

/** Details of their wire fields (the inverse of `detailsRecord`). */
export function detailsFromRecord(kind: ActivityDetails['kind'], d: AvroRecord): ActivityDetails {
  return kind === 'page_view'
    ? {
        kind,
        path: d.path as string,
        referrerPath: (d.referrer_path as string | null) ?? null,
        loadTimeMs: (d.load_time_ms as number | null) ?? null,
        timeOnPageMs: (d.time_on_page_ms as number | null) ?? null,
      }
    : {
        kind,
        errorType: d.error_type as string,
        component: d.component as string,
        httpStatus: (d.http_status as number | null) ?? null,
        messageDigest: (d.message_digest as string | null) ?? null,
      };
}

export function contextFromAvro(c: AvroRecord | null | undefined): EventContext | null {
  if (!c) return null;
  return {
    courseId: (c.course_id as string | null) ?? null,
    classId: (c.class_id as string | null) ?? null,
    platform: (c.platform as string | null) ?? null,
    deviceKind: (c.device_kind as string | null) ?? null,
  };
}

/** The event of a record read with the current reader schema (absent v2 / v3 fields take their defaults). */
export function eventFromAvro(record: AvroRecord): LearningEvent {
  const wrapped = record.body as Record<string, AvroRecord>;
  let branch = '';
  for (const name in wrapped) {
    branch = name;
    break;
  }
  const body = wrapped[branch] as AvroRecord;
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
    context: contextFromAvro(record.context as AvroRecord | null | undefined) ?? undefined,
  };
}

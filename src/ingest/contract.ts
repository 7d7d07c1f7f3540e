// The event contract's rules beyond types: ids present, strings valid
// Unicode, UUIDs well formed, numbers in range (and within what their
// ClickHouse columns hold), event time plausible. Applied identically to
// decoded Avro records, collector JSON and producer input, so every path
// rejects alike.
import type { ActivityBody, EventBody, EventContext, LearningEvent } from './event.js';
import { type Rejection, reject } from './rejection.js';
import { contextPlatforms, deviceKinds, taxonomyActions } from './taxonomy.js';
import { isWellFormedText } from './unicode.js';

export interface ContractOptions {
  /**
   * Receive clock of the doors that take events in (collector, in-process push,
   * producer library): there the receive time is the reference of the future
   * rule. Decoding a Kafka record never reads it (the broker timestamp is the
   * reference), so a replay decides identically. Injectable for tests.
   */
  now?: () => number;
  /** How far past the reference time (and past `received_at`) an `occurred_at` may lie: clock skew of offline devices. */
  maxFutureMs?: number;
}

export const defaultMaxFutureMs = 24 * 60 * 60 * 1000;
/** 2000-01-01T00:00:00Z: earlier event times are a unit mistake (seconds instead of ms), not history. */
export const earliestEventTime = 946_684_800_000;
/** 2106-02-07T06:28:15Z: the last second a ClickHouse `DateTime` column holds. */
export const latestEventTime = 4_294_967_295_000;
/** Largest value of a ClickHouse `UInt32` column (counts, schema versions). */
export const maxUInt32 = 4_294_967_295;
/** Longest duration of one record (ms, or s for `active_seconds`): one year; longer is a unit mistake and would let sums lose precision. */
export const maxDurationMs = 365 * 24 * 3_600_000;
/** Largest magnitude of an IEP measurement: differences and sums of any two stay finite. */
export const maxMeasurement = 1e15;
/** Longest page load time of a page view: ten minutes; longer is a unit mistake. */
export const maxLoadTimeMs = 600_000;
/** Longest page path (v3 page views). */
export const maxPathLength = 1024;
/** The first envelope version whose producers must follow the activity taxonomy. */
export const taxonomyVersion = 3;
const maxIdLength = 256;
// A path of the product: no query string or fragment (they carry personal data), no whitespace or control characters.
const pathPattern = /^\/[^\s?#\p{Cc}]*$/u;
// Error types and components are code tokens, never sentences (free text may carry personal data).
const codeTokenPattern = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const sha256HexPattern = /^[0-9a-f]{64}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return uuidPattern.test(s);
}

/**
 * Every contract violation of `event` (empty when it is valid), field paths in
 * wire (snake_case) names. `referenceTimeMs` is the record's own reference time
 * for the future rule (broker timestamp, collector receive time); without it
 * only the `received_at` bound applies. The wall clock is never read here.
 */
export function contractViolations(
  event: LearningEvent,
  opts: ContractOptions = {},
  referenceTimeMs?: number,
): Rejection[] {
  const out: Rejection[] = [];
  const text = (value: string, field: string): boolean => {
    if (isWellFormedText(value)) return true;
    out.push(reject('invalid_unicode', `${field} is not valid Unicode (lone UTF-16 surrogate)`, field));
    return false;
  };
  const id = (value: string | null | undefined, field: string, required = true) => {
    if (value === null || value === undefined || value.trim() === '') {
      if (required) out.push(reject('missing_field', `${field} is required`, field));
      return;
    }
    if (text(value, field) && value.length > maxIdLength) {
      out.push(reject('invalid_field', `${field} is longer than ${maxIdLength} characters`, field));
    }
  };
  const range = (value: number, field: string, min: number, max = Number.POSITIVE_INFINITY) => {
    if (!Number.isFinite(value)) out.push(reject('invalid_field', `${field} must be a finite number`, field));
    else if (value < min || value > max) {
      const bounds = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `within ${min}..${max}`;
      out.push(reject('out_of_range', `${field} must be ${bounds} (got ${value})`, field));
    }
  };
  const integer = (value: number, field: string, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(value)) out.push(reject('invalid_field', `${field} must be an integer`, field));
    else range(value, field, min, max);
  };
  const time = (value: number, field: string) => {
    if (!Number.isSafeInteger(value)) out.push(reject('invalid_field', `${field} must be epoch milliseconds`, field));
    else range(value, field, earliestEventTime, latestEventTime);
  };

  if (!event.eventId) out.push(reject('missing_field', 'event_id is required', 'event_id'));
  else if (text(event.eventId, 'event_id') && !isUuid(event.eventId)) {
    out.push(reject('invalid_field', 'event_id must be a UUID', 'event_id'));
  }
  id(event.tenantId, 'tenant_id');
  id(event.learnerId, 'learner_id');
  id(event.source, 'source');
  id(event.clientSessionId, 'client_session_id', false);
  integer(event.schemaVersion, 'schema_version', 1, maxUInt32);
  time(event.receivedAt, 'received_at');
  time(event.occurredAt, 'occurred_at');
  if (Number.isSafeInteger(event.occurredAt)) {
    const skew = opts.maxFutureMs ?? defaultMaxFutureMs;
    if (referenceTimeMs !== undefined && event.occurredAt > referenceTimeMs + skew) {
      out.push(
        reject(
          'future_occurred_at',
          `occurred_at is more than ${skew} ms after the record's reference time ${referenceTimeMs}`,
          'occurred_at',
        ),
      );
    } else if (Number.isSafeInteger(event.receivedAt) && event.occurredAt > event.receivedAt + skew) {
      out.push(reject('future_occurred_at', `occurred_at is more than ${skew} ms after received_at`, 'occurred_at'));
    }
  }
  const checks: Checks = { id, text, range, integer, time };
  if (event.context) contextViolations(event.context, out, checks);
  bodyViolations(event, out, checks, opts.maxFutureMs ?? defaultMaxFutureMs);
  return out;
}

type Checks = {
  id: (value: string | null | undefined, field: string, required?: boolean) => void;
  text: (value: string, field: string) => boolean;
  range: (value: number, field: string, min: number, max?: number) => void;
  integer: (value: number, field: string, min: number, max?: number) => void;
  time: (value: number, field: string) => void;
};

function contextViolations(ctx: EventContext, out: Rejection[], c: Checks): void {
  // Blank is not absent here: it would become a course or class of its own in every rollup.
  const optionalId = (value: string | null | undefined, field: string) => {
    if (typeof value === 'string' && value.trim() === '') {
      out.push(reject('invalid_field', `${field} must not be blank (send null when there is none)`, field));
    } else c.id(value, field, false);
  };
  optionalId(ctx.courseId, 'context.course_id');
  optionalId(ctx.classId, 'context.class_id');
  const member = (value: string | null | undefined, field: string, allowed: ReadonlySet<string>) => {
    if (value === null || value === undefined || allowed.has(value)) return;
    out.push(reject('invalid_field', `${field} must be one of ${[...allowed].join(', ')}`, field));
  };
  member(ctx.platform, 'context.platform', contextPlatforms);
  member(ctx.deviceKind, 'context.device_kind', deviceKinds);
}

function activityViolations(body: ActivityBody, schemaVersion: number, out: Rejection[], c: Checks): void {
  c.id(body.category, 'body.category');
  c.id(body.action, 'body.action');
  c.id(body.objectId, 'body.object_id', false);
  if (body.durationMs !== null) c.integer(body.durationMs, 'body.duration_ms', 0, maxDurationMs);
  // v1/v2 producers keep their free-form actions; from v3 a taxonomy category names one of its actions.
  const actions = taxonomyActions(body.category);
  if (actions && schemaVersion >= taxonomyVersion && !actions.has(body.action)) {
    out.push(
      reject(
        'invalid_field',
        `body.action of category ${body.category} must be one of ${[...actions].join(', ')}`,
        'body.action',
      ),
    );
  }
  const d = body.details;
  if (!d) return;
  const token = (value: string, field: string) => {
    if (!c.text(value, field)) return;
    if (!codeTokenPattern.test(value)) {
      out.push(reject('invalid_field', `${field} must be a code token (letters, digits, _.:/-; at most 128)`, field));
    }
  };
  const path = (value: string | null, field: string) => {
    if (value === null || !c.text(value, field)) return;
    if (value.length > maxPathLength) {
      out.push(reject('invalid_field', `${field} is longer than ${maxPathLength} characters`, field));
    } else if (!pathPattern.test(value)) {
      out.push(
        reject('invalid_field', `${field} must start with / and carry no query string, fragment or spaces`, field),
      );
    }
  };
  if (d.kind === 'page_view') {
    if (body.category !== 'navigation' || body.action !== 'page_view') {
      out.push(reject('invalid_field', 'page view details belong to navigation/page_view', 'body.details'));
    }
    path(d.path, 'body.details.path');
    path(d.referrerPath, 'body.details.referrer_path');
    if (d.loadTimeMs !== null) c.integer(d.loadTimeMs, 'body.details.load_time_ms', 0, maxLoadTimeMs);
    if (d.timeOnPageMs !== null) c.integer(d.timeOnPageMs, 'body.details.time_on_page_ms', 0, maxDurationMs);
  } else if (d.kind === 'error') {
    if (body.category !== 'error') {
      out.push(reject('invalid_field', 'error details belong to the error category', 'body.details'));
    }
    token(d.errorType, 'body.details.error_type');
    token(d.component, 'body.details.component');
    if (d.httpStatus !== null) c.integer(d.httpStatus, 'body.details.http_status', 100, 599);
    if (d.messageDigest !== null && !sha256HexPattern.test(d.messageDigest)) {
      out.push(
        reject(
          'invalid_field',
          'body.details.message_digest must be a SHA-256 digest: 64 lowercase hex digits',
          'body.details.message_digest',
        ),
      );
    }
  } else {
    out.push(reject('invalid_field', `unknown details kind ${(d as { kind?: unknown }).kind}`, 'body.details'));
  }
}

function bodyViolations(event: LearningEvent, out: Rejection[], c: Checks, skewMs: number): void {
  const body: EventBody = event.body;
  const topics = (ids: string[], field: string, atLeastOne: boolean) => {
    if (atLeastOne && ids.length === 0) out.push(reject('missing_field', `${field} needs at least one topic`, field));
    ids.forEach((t, i) => {
      c.id(t, `${field}[${i}]`);
    });
  };
  switch (body.kind) {
    case 'activity':
      activityViolations(body, event.schemaVersion, out, c);
      return;
    case 'question_attempt':
      c.id(body.itemId, 'body.item_id');
      topics(body.topicIds, 'body.topic_ids', true);
      c.range(body.score, 'body.score', 0, 1);
      c.integer(body.attemptNumber, 'body.attempt_number', 1, maxUInt32);
      c.integer(body.responseTimeMs, 'body.response_time_ms', 0, maxDurationMs);
      c.integer(body.hintsUsed, 'body.hints_used', 0, maxUInt32);
      if (body.confidence !== null) c.range(body.confidence, 'body.confidence', 0, 1);
      return;
    case 'content_interaction':
      c.id(body.contentId, 'body.content_id');
      topics(body.topicIds, 'body.topic_ids', false);
      c.range(body.progress, 'body.progress', 0, 1);
      c.range(body.activeSeconds, 'body.active_seconds', 0, maxDurationMs / 1000);
      return;
    case 'iep_goal_progress':
      c.id(body.goalId, 'body.goal_id');
      c.id(body.category, 'body.category');
      c.range(body.baseline, 'body.baseline', -maxMeasurement, maxMeasurement);
      c.range(body.current, 'body.current', -maxMeasurement, maxMeasurement);
      c.range(body.target, 'body.target', -maxMeasurement, maxMeasurement);
      c.time(body.measuredAt, 'body.measured_at');
      return;
    case 'exam_result':
      c.id(body.examId, 'body.exam_id');
      c.range(body.score, 'body.score', 0, 1);
      c.time(body.takenAt, 'body.taken_at');
      if (Number.isSafeInteger(body.takenAt) && Number.isSafeInteger(event.occurredAt)) {
        if (body.takenAt > event.occurredAt + skewMs) {
          out.push(
            reject('out_of_range', `body.taken_at is more than ${skewMs} ms after occurred_at`, 'body.taken_at'),
          );
        }
      }
      return;
    default:
      out.push(reject('invalid_field', `unknown body kind ${(body as { kind?: unknown }).kind}`, 'body'));
  }
}

/** The first violation, or null: what decoders report for a single record. */
export function checkContract(
  event: LearningEvent,
  opts?: ContractOptions,
  referenceTimeMs?: number,
): Rejection | null {
  return contractViolations(event, opts, referenceTimeMs)[0] ?? null;
}

// The event contract's rules beyond types: ids present, strings valid
// Unicode, UUIDs well formed, numbers in range (and within what their
// ClickHouse columns hold), event time plausible. Applied identically to
// decoded Avro records, collector JSON and producer input, so every path
// rejects alike.
import type { EventBody, LearningEvent } from './event.js';
import { type Rejection, reject } from './rejection.js';
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
const maxIdLength = 256;
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
  bodyViolations(event.body, out, { id, range, integer, time });
  return out;
}

type Checks = {
  id: (value: string | null | undefined, field: string, required?: boolean) => void;
  range: (value: number, field: string, min: number, max?: number) => void;
  integer: (value: number, field: string, min: number, max?: number) => void;
  time: (value: number, field: string) => void;
};

function bodyViolations(body: EventBody, out: Rejection[], c: Checks): void {
  const topics = (ids: string[], field: string, atLeastOne: boolean) => {
    if (atLeastOne && ids.length === 0) out.push(reject('missing_field', `${field} needs at least one topic`, field));
    ids.forEach((t, i) => {
      c.id(t, `${field}[${i}]`);
    });
  };
  switch (body.kind) {
    case 'activity':
      c.id(body.category, 'body.category');
      c.id(body.action, 'body.action');
      c.id(body.objectId, 'body.object_id', false);
      if (body.durationMs !== null) c.integer(body.durationMs, 'body.duration_ms', 0, maxDurationMs);
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

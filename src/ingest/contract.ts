// The event contract's rules beyond types: ids present, UUIDs well formed,
// numbers in range, event time plausible. Applied identically to decoded Avro
// records, collector JSON and producer input, so every path rejects alike.
import type { EventBody, LearningEvent } from './event.js';
import { type Rejection, reject } from './rejection.js';

export interface ContractOptions {
  /** Wall clock for the "absurdly far in the future" rule; injectable for replay and tests. */
  now?: () => number;
  /** How far past `now` (and past `received_at`) an `occurred_at` may lie: clock skew of offline devices. */
  maxFutureMs?: number;
}

export const defaultMaxFutureMs = 24 * 60 * 60 * 1000;
/** 2000-01-01T00:00:00Z: earlier event times are a unit mistake (seconds instead of ms), not history. */
export const earliestEventTime = 946_684_800_000;
const maxIdLength = 256;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return uuidPattern.test(s);
}

/** Every contract violation of `event` (empty when it is valid), field paths in wire (snake_case) names. */
export function contractViolations(event: LearningEvent, opts: ContractOptions = {}): Rejection[] {
  const out: Rejection[] = [];
  const id = (value: string | null | undefined, field: string, required = true) => {
    if (value === null || value === undefined || value.trim() === '') {
      if (required) out.push(reject('missing_field', `${field} is required`, field));
    } else if (value.length > maxIdLength) {
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
  const integer = (value: number, field: string, min: number) => {
    if (!Number.isSafeInteger(value)) out.push(reject('invalid_field', `${field} must be an integer`, field));
    else range(value, field, min);
  };
  const time = (value: number, field: string) => {
    if (!Number.isSafeInteger(value)) out.push(reject('invalid_field', `${field} must be epoch milliseconds`, field));
    else range(value, field, earliestEventTime);
  };

  if (!event.eventId) out.push(reject('missing_field', 'event_id is required', 'event_id'));
  else if (!isUuid(event.eventId)) out.push(reject('invalid_field', 'event_id must be a UUID', 'event_id'));
  id(event.tenantId, 'tenant_id');
  id(event.learnerId, 'learner_id');
  id(event.source, 'source');
  id(event.clientSessionId, 'client_session_id', false);
  integer(event.schemaVersion, 'schema_version', 1);
  time(event.receivedAt, 'received_at');
  time(event.occurredAt, 'occurred_at');
  if (Number.isSafeInteger(event.occurredAt)) {
    const skew = opts.maxFutureMs ?? defaultMaxFutureMs;
    const now = (opts.now ?? Date.now)();
    if (event.occurredAt > now + skew) {
      out.push(reject('future_occurred_at', `occurred_at is more than ${skew} ms in the future`, 'occurred_at'));
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
  integer: (value: number, field: string, min: number) => void;
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
      if (body.durationMs !== null) c.integer(body.durationMs, 'body.duration_ms', 0);
      return;
    case 'question_attempt':
      c.id(body.itemId, 'body.item_id');
      topics(body.topicIds, 'body.topic_ids', true);
      c.range(body.score, 'body.score', 0, 1);
      c.integer(body.attemptNumber, 'body.attempt_number', 1);
      c.integer(body.responseTimeMs, 'body.response_time_ms', 0);
      c.integer(body.hintsUsed, 'body.hints_used', 0);
      if (body.confidence !== null) c.range(body.confidence, 'body.confidence', 0, 1);
      return;
    case 'content_interaction':
      c.id(body.contentId, 'body.content_id');
      topics(body.topicIds, 'body.topic_ids', false);
      c.range(body.progress, 'body.progress', 0, 1);
      c.range(body.activeSeconds, 'body.active_seconds', 0);
      return;
    case 'iep_goal_progress':
      c.id(body.goalId, 'body.goal_id');
      c.id(body.category, 'body.category');
      c.range(body.baseline, 'body.baseline', Number.NEGATIVE_INFINITY);
      c.range(body.current, 'body.current', Number.NEGATIVE_INFINITY);
      c.range(body.target, 'body.target', Number.NEGATIVE_INFINITY);
      c.time(body.measuredAt, 'body.measured_at');
      return;
    default:
      out.push(reject('invalid_field', `unknown body kind ${(body as { kind?: unknown }).kind}`, 'body'));
  }
}

/** The first violation, or null: what decoders report for a single record. */
export function checkContract(event: LearningEvent, opts?: ContractOptions): Rejection | null {
  return contractViolations(event, opts)[0] ?? null;
}

// The JSON form of an event, as posted to the collector: the Avro field names
// (snake_case) with the body's kind spelled out. Validated with zod for types,
// then with the shared contract rules, each problem reported per field.
import { z } from 'zod';
import {
  bodyFromAvro,
  bodyToAvro,
  contextFromAvro,
  contextToAvro,
  detailsFromRecord,
  detailsRecord,
} from './avro-mapping.js';
import { type ContractOptions, contractViolations } from './contract.js';
import type { LearningEvent } from './event.js';
import { type Rejection, reject } from './rejection.js';

const nullableString = z.string().nullable().optional();
const epochMs = z.number().int();
const nullableInt = z.number().int().nullable().optional();
// The descriptions document the collector's JSON (OpenAPI); the rules themselves live in contract.ts.

/** v3 activity details: the Avro record's fields plus the branch as `kind`. */
const detailsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('page_view'),
    path: z.string().describe('Route path: starts with /, no query string, fragment or spaces; at most 1024'),
    referrer_path: nullableString.describe('Previous page path, same rules'),
    load_time_ms: nullableInt.describe('0..600000'),
    time_on_page_ms: nullableInt.describe('0..one year in ms'),
  }),
  z.object({
    kind: z.literal('error'),
    error_type: z.string().describe('Code token [A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}, e.g. http, TypeError'),
    component: z.string().describe('Code token naming where it happened, e.g. quest-player'),
    http_status: nullableInt.describe('100..599'),
    message_digest: nullableString.describe('SHA-256 of the message, 64 lowercase hex digits; never the text'),
  }),
]);

/** v3 envelope context; every field optional. */
const contextSchema = z.object({
  course_id: nullableString.describe('Course id; null when none (not blank)'),
  class_id: nullableString.describe('Class (section) id within the course; null when none'),
  platform: nullableString.describe('web, ios, android, windows, macos, linux, chromeos or other'),
  device_kind: nullableString.describe('desktop, tablet, phone or other'),
});

const bodySchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('activity'),
    category: z.string().describe('Taxonomy category (README "Events") or a legacy one'),
    action: z.string().describe("From schema_version 3, one of the taxonomy category's actions"),
    object_id: nullableString,
    duration_ms: nullableInt,
    details: detailsSchema.nullable().optional().describe('v3: page view or error details, with their kind'),
  }),
  z.object({
    kind: z.literal('question_attempt'),
    item_id: z.string(),
    topic_ids: z.array(z.string()),
    correct: z.boolean(),
    score: z.number(),
    attempt_number: z.number().int(),
    response_time_ms: z.number().int(),
    hints_used: z.number().int(),
    confidence: z.number().nullable().optional(),
  }),
  z.object({
    kind: z.literal('content_interaction'),
    content_id: z.string(),
    topic_ids: z.array(z.string()),
    progress: z.number(),
    active_seconds: z.number(),
  }),
  z.object({
    kind: z.literal('iep_goal_progress'),
    goal_id: z.string(),
    category: z.string(),
    baseline: z.number(),
    current: z.number(),
    target: z.number(),
    measured_at: epochMs,
  }),
  z.object({
    kind: z.literal('exam_result'),
    exam_id: z.string(),
    score: z.number().describe('0..1 fraction of the maximum score'),
    passed: z.boolean(),
    taken_at: epochMs.describe('When the exam was taken, epoch ms'),
  }),
]);

export const jsonEventSchema = z.object({
  event_id: z.string(),
  tenant_id: z.string(),
  learner_id: z.string(),
  occurred_at: epochMs,
  /** Optional: the collector's clock when absent. */
  received_at: epochMs.optional(),
  source: z.string(),
  /** Optional: the current envelope version when absent. */
  schema_version: z.number().int().optional(),
  client_session_id: nullableString,
  body: bodySchema,
  context: contextSchema.nullable().optional().describe('v3: where the event happened; every field optional'),
});

export type JsonEvent = z.infer<typeof jsonEventSchema>;

export type JsonEventResult = { ok: true; event: LearningEvent } | { ok: false; errors: Rejection[] };

export interface JsonEventOptions {
  contract?: ContractOptions;
  /** The collector's receive time: fills `received_at` when the client did not send one, and is the reference of the future rule. */
  receivedAt: number;
  currentSchemaVersion: number;
}

/** Parses one posted event; every problem comes back with its field path. */
export function parseJsonEvent(input: unknown, opts: JsonEventOptions): JsonEventResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [reject('malformed_json', 'an event must be a JSON object')] };
  }
  const parsed = jsonEventSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const field = issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
          .join('.')
          .replace(/\.\[/g, '[');
        const missing = valueAt(input, issue.path) === undefined;
        return reject(
          missing ? 'missing_field' : 'invalid_field',
          `${field || 'event'}: ${issue.message}`,
          field || undefined,
        );
      }),
    };
  }
  const event = fromJson(parsed.data, opts);
  const errors = contractViolations(event, opts.contract, opts.receivedAt);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, event };
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function fromJson(j: JsonEvent, opts: JsonEventOptions): LearningEvent {
  // The JSON body uses the Avro field names (snake_case) plus `kind`: one mapping serves both.
  const body = bodyFromAvro(j.body.kind, j.body);
  if (body.kind === 'activity' && j.body.kind === 'activity') {
    body.details = j.body.details ? detailsFromRecord(j.body.details.kind, j.body.details) : undefined;
  }
  return {
    eventId: j.event_id,
    tenantId: j.tenant_id,
    learnerId: j.learner_id,
    occurredAt: j.occurred_at,
    receivedAt: j.received_at ?? opts.receivedAt,
    source: j.source,
    schemaVersion: j.schema_version ?? opts.currentSchemaVersion,
    clientSessionId: j.client_session_id ?? null,
    body,
    context: contextFromAvro(j.context) ?? undefined,
  };
}

/** The JSON form of an event (what the simulator writes to NDJSON and the collector accepts). */
export function eventToJson(e: LearningEvent): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: e.body.kind, ...bodyToAvro(e.body) };
  if (e.body.kind === 'activity' && e.body.details) {
    body.details = { kind: e.body.details.kind, ...detailsRecord(e.body.details) };
  }
  const json: Record<string, unknown> = {
    event_id: e.eventId,
    tenant_id: e.tenantId,
    learner_id: e.learnerId,
    occurred_at: e.occurredAt,
    received_at: e.receivedAt,
    source: e.source,
    schema_version: e.schemaVersion,
    client_session_id: e.clientSessionId ?? null,
    body,
  };
  // Only when present: the JSON of a v1/v2-shaped event stays as it was.
  if (e.context) json.context = contextToAvro(e.context);
  return json;
}

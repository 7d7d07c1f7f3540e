// Dead-letter records: every rejected record, readable and bounded. Headers
// carry the reason and the source coordinates; the JSON payload carries the
// original bytes (base64, up to a cap; beyond it the first bytes, the size and
// the SHA-256 of the whole value) and a bounded decoded preview whose learner
// id is already pseudonymised. A dead letter must always fit the dead-letter
// topic, so it can never hold up the partition it came from.
import { createHash } from 'node:crypto';
import { bounded } from './bounded.js';
import type { OutgoingMessage } from './broker.js';
import type { DecodeRejection } from './codec.js';
import { pseudonymize } from './pseudonym.js';

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  offset: string;
  /** The record's broker timestamp (epoch ms, decimal), or the push time in embedded mode. */
  timestamp?: string;
}

export interface DeadLetterPayload {
  reason: string;
  message: string;
  field: string | null;
  source: DeadLetterOrigin;
  /** The rejected record's value as read, base64 — only its first `maxValueBytes` when `truncated`. */
  value_base64: string | null;
  /** Size of the whole value in bytes (null when there was none). */
  value_size: number | null;
  /** SHA-256 (hex) of the whole value: identifies the record even when its bytes are cut. */
  value_sha256: string | null;
  /** True when `value_base64` holds only the first bytes, or no bytes at all (a minimal dead letter). */
  truncated: boolean;
  /** The decoded record (snake_case) when the bytes were readable; learner_id pseudonymised; long strings and arrays cut. */
  preview: Record<string, unknown> | null;
}

export const deadLetterHeaders = {
  reason: 'reason',
  message: 'message',
  field: 'field',
  topic: 'source_topic',
  partition: 'source_partition',
  offset: 'source_offset',
} as const;

/** Raw bytes kept in a dead letter: 256 KiB (≈ 342 KiB of base64), well under Kafka's default 1 MiB message limit. */
export const defaultMaxValueBytes = 256 * 1024;
/** A preview string longer than this is cut (ids are at most 256 characters when valid). */
const maxPreviewString = 1024;
/** A preview array longer than this is cut (topic ids). */
const maxPreviewItems = 64;

export interface DeadLetterLimits {
  /** Most raw bytes kept (base64 encoded) in the payload. */
  maxValueBytes?: number;
}

export function deadLetterPayload(
  rejection: DecodeRejection,
  origin: DeadLetterOrigin,
  value: Buffer | null,
  pseudonymSecret: string,
  limits: DeadLetterLimits = {},
): DeadLetterPayload {
  const maxValueBytes = limits.maxValueBytes ?? defaultMaxValueBytes;
  const truncated = value !== null && value.length > maxValueBytes;
  return {
    reason: rejection.reason,
    message: bounded(rejection.message),
    field: rejection.field === undefined ? null : bounded(rejection.field),
    source: origin,
    value_base64: value ? (truncated ? value.subarray(0, maxValueBytes) : value).toString('base64') : null,
    value_size: value ? value.length : null,
    value_sha256: value ? createHash('sha256').update(value).digest('hex') : null,
    truncated,
    preview: rejection.preview ? boundedPreview(pseudonymizedPreview(rejection.preview, pseudonymSecret)) : null,
  };
}

/** The same dead letter without the value bytes and preview: what is sent when even the bounded one is refused. */
export function minimalDeadLetter(payload: DeadLetterPayload): DeadLetterPayload {
  return { ...payload, value_base64: null, preview: null, truncated: payload.value_size !== null };
}

export function deadLetterMessage(payload: DeadLetterPayload): OutgoingMessage {
  const headers: Record<string, string> = {
    [deadLetterHeaders.reason]: payload.reason,
    [deadLetterHeaders.message]: bounded(payload.message),
    [deadLetterHeaders.topic]: payload.source.topic,
    [deadLetterHeaders.partition]: String(payload.source.partition),
    [deadLetterHeaders.offset]: payload.source.offset,
  };
  if (payload.field) headers[deadLetterHeaders.field] = payload.field;
  // Keyed by source partition: the dead letters of one partition stay in order.
  return { key: `${payload.source.topic}/${payload.source.partition}`, value: JSON.stringify(payload), headers };
}

function pseudonymizedPreview(record: Record<string, unknown>, secret: string): Record<string, unknown> {
  const tenant = typeof record.tenant_id === 'string' ? record.tenant_id : '';
  const learner = record.learner_id;
  return {
    ...record,
    learner_id: typeof learner === 'string' ? pseudonymize(secret, tenant, learner) : null,
  };
}

/** A copy with long strings and arrays cut, so a preview stays small whatever the record held. */
function boundedPreview(record: Record<string, unknown>): Record<string, unknown> {
  return boundedValue(record, 0) as Record<string, unknown>;
}

function boundedValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return bounded(value, maxPreviewString);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.slice(0, maxPreviewItems).map((v) => boundedValue(v, depth + 1));
  // No prototype: keys come from the record, so `__proto__` or `constructor` stay plain keys.
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value)) out[k] = boundedValue(v, depth + 1);
  return out;
}

/**
 * The fields of a `dead_letters` row (the shape of views' DeadLetterRecord):
 * `atMs` is the record's broker timestamp, so a replay writes the same row.
 * The table has no columns for message, field, size, digest and truncation:
 * they travel in `preview` next to the decoded record.
 */
export function deadLetterRecord(payload: DeadLetterPayload): {
  atMs: number;
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  tenantId: string;
  learnerId: string;
  rawBase64: string;
  preview: string;
} {
  const at = Number(payload.source.timestamp);
  const record = payload.preview;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    atMs: Number.isSafeInteger(at) && at > 0 ? at : Date.now(),
    reason: payload.reason,
    topic: payload.source.topic,
    partition: payload.source.partition,
    offset: payload.source.offset,
    tenantId: text(record?.tenant_id),
    learnerId: text(record?.learner_id),
    rawBase64: payload.value_base64 ?? '',
    preview: JSON.stringify({
      message: payload.message,
      field: payload.field,
      value_size: payload.value_size,
      value_sha256: payload.value_sha256,
      truncated: payload.truncated,
      record,
    }),
  };
}

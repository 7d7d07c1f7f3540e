// Typed rejections: what every decoder, validator and intake returns instead
// of throwing when input is bad. The reason codes are stable (they label the
// rejected / dead-letter counters and travel in dead-letter headers).

export const rejectionReasons = [
  /** Neither `C3 01` (single-object) nor `00` (Confluent) framing, or an empty record. */
  'unknown_format',
  /** Single-object header names a schema fingerprint not in schemas/. */
  'unknown_fingerprint',
  /** Confluent framing with a schema id that has no configured mapping. */
  'unknown_schema_id',
  /** The bytes end before the record does. */
  'truncated',
  /** The bytes are not a record of the writer schema (bad union index, negative length, trailing bytes, ...). */
  'corrupt',
  /** JSON that is not an object / not parseable (collector). */
  'malformed_json',
  /** A required field is absent or empty. */
  'missing_field',
  /** A field has the wrong type or shape (not a UUID, not an integer, NaN or Infinity, unknown kind, ...). */
  'invalid_field',
  /** A string that is not valid Unicode: a lone UTF-16 surrogate (JSON) or invalid UTF-8 (Avro). */
  'invalid_unicode',
  /** A number outside its allowed range (score outside 0..1, negative duration, beyond what its ClickHouse column holds, ...). */
  'out_of_range',
  /** `occurred_at` beyond the allowed clock skew after the record's reference time (broker timestamp, receive time) or its `received_at`. */
  'future_occurred_at',
  /** A watermark-tick record whose payload is not an event time. */
  'invalid_tick',
  /** A watermark-tick record without a valid engine signature: written by someone other than the engine. */
  'forged_tick',
  /** A collector event of a tenant the bearer token may not post for. */
  'tenant_mismatch',
  /** A catalog record whose key is missing, not a tenant id, or not the tenant of its value. */
  'invalid_key',
  /** A catalog record whose topics fail validation (the message names the first issues). */
  'invalid_catalog',
  /** A catalog record with another content under a version already stored for its tenant. */
  'catalog_version_conflict',
  /** A catalog record older than the tenant's current version. */
  'stale_catalog_version',
] as const;

export type RejectionReason = (typeof rejectionReasons)[number];

export interface Rejection {
  ok: false;
  reason: RejectionReason;
  message: string;
  /** Snake-case path of the offending field, e.g. `body.score`, when one is to blame. */
  field?: string;
}

export function reject(reason: RejectionReason, message: string, field?: string): Rejection {
  return field === undefined ? { ok: false, reason, message } : { ok: false, reason, message, field };
}

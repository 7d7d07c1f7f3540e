// Error codes of the ingest layer. Bad *input* never throws (it becomes a typed
// Rejection); these are for broken setup and for Kafka failures at the boundary.
import { defineErrorCode } from '../core/errors.js';

export const SchemaRegistryInvalid = defineErrorCode(
  'LS_INGEST_SCHEMAS',
  'Event schemas in schemas/ are missing or do not match schemas/registry.json',
  500,
  false,
);
export const IngestOptionInvalid = defineErrorCode('LS_INGEST_OPTION', 'Invalid ingest option', 500, false);
export const KafkaUnavailable = defineErrorCode('LS_INGEST_KAFKA', 'Kafka request failed', 503, true);
export const SourceStopped = defineErrorCode('LS_INGEST_STOPPED', 'The event source is stopped', 503, false);
export const SimulateUsage = defineErrorCode('LS_SIMULATE_USAGE', 'Invalid simulate option', 400, false);
// The collector's answers carry the same `code` field as every other API error body.
export const CollectorBadRequest = defineErrorCode('LS_COLLECTOR_BAD_REQUEST', 'Invalid event batch', 400, false);
export const CollectorPayloadTooLarge = defineErrorCode('LS_COLLECTOR_PAYLOAD_TOO_LARGE', 'Event batch too large', 413);
export const CollectorTooManyEvents = defineErrorCode(
  'LS_COLLECTOR_TOO_MANY_EVENTS',
  'Too many events in one batch',
  413,
);
export const CollectorFailed = defineErrorCode('LS_COLLECTOR_FAILED', 'Collector failed', 500, true);

// Error codes of the ClickHouse layer. Driver errors (HTTP client, chdb) are
// translated here into retriable (connection, overload) or fatal (SQL, schema).
import { defineErrorCode, LearnstreamError } from '../core/errors.js';

export const StoreUnavailable = defineErrorCode('LS_STORE_UNAVAILABLE', 'ClickHouse is unavailable', 503, true);
export const StoreQueryFailed = defineErrorCode('LS_STORE_QUERY', 'ClickHouse query failed', 500, false);
export const StoreEngineMissing = defineErrorCode(
  'LS_STORE_CHDB_MISSING',
  'Embedded chdb engine is not installed',
  500,
  false,
);

export const SqlUnsafeValue = defineErrorCode('LS_SQL_UNSAFE', 'Value cannot be rendered into SQL safely', 500, false);
export const MigrationEdited = defineErrorCode(
  'LS_MIGRATION_EDITED',
  'An applied migration file was edited; add a new numbered migration instead',
  500,
  false,
);
export const MigrationFailed = defineErrorCode('LS_MIGRATION_FAILED', 'Migration failed', 500, false);
export const SinkFailed = defineErrorCode('LS_SINK_FAILED', 'ClickHouse sink gave up on a batch', 500, false);
export const SinkClosed = defineErrorCode('LS_SINK_CLOSED', 'ClickHouse sink is closed', 500, false);
export const MutationTimeout = defineErrorCode(
  'LS_MUTATION_TIMEOUT',
  'ClickHouse mutation did not finish in time',
  503,
  true,
);

const retriableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
// ClickHouse server error codes that mean "try again": too many parts / queries, timeouts, memory.
const retriableServerCodes = new Set([
  '159',
  '160',
  '164',
  '202',
  '203',
  '209',
  // QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: the previous attempt of a retried insert still runs.
  '216',
  '210',
  '241',
  '252',
  '285',
  '319',
  '425',
]);

/** Wraps any driver error into a LearnstreamError with the right retriable flag. */
export function translateStoreError(err: unknown, sql: string): LearnstreamError {
  if (err instanceof LearnstreamError) return err;
  const e = err as { code?: string | number; message?: string; cause?: { code?: string } };
  const code = String(e?.code ?? e?.cause?.code ?? '');
  const message = e?.message ?? String(err);
  const snippet = sql.length > 300 ? `${sql.slice(0, 300)}…` : sql;
  if (
    retriableCodes.has(code) ||
    retriableServerCodes.has(code) ||
    /ECONNREFUSED|ECONNRESET|socket hang up|Timeout error|other side closed|fetch failed/i.test(message)
  ) {
    return new LearnstreamError(StoreUnavailable, message, { cause: err, details: { sql: snippet } });
  }
  return new LearnstreamError(StoreQueryFailed, message, {
    cause: err,
    details: { sql: snippet, clickhouseCode: code },
  });
}

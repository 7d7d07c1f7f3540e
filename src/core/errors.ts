// The project's one error hierarchy. Every error a user or operator can see
// carries a stable code, an HTTP status and a `retriable` flag; errors from
// dependencies (kafkajs, ClickHouse, chdb) are wrapped at the boundary so the
// supervisor can walk the cause chain and restart only on retriable ones.

export interface ErrorCodeSpec {
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly retriable: boolean;
}

/** Registry of every code, filled by `defineErrorCode`; a test walks it. */
export const errorCodes = new Map<string, ErrorCodeSpec>();

export class LearnstreamError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    spec: ErrorCodeSpec,
    detail?: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; retriable?: boolean },
  ) {
    super(detail ? `${spec.message}: ${detail}` : spec.message, { cause: options?.cause });
    this.name = 'LearnstreamError';
    this.code = spec.code;
    this.status = spec.status;
    this.retriable = options?.retriable ?? spec.retriable;
    this.details = options?.details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function defineErrorCode(code: string, message: string, status = 500, retriable = false): ErrorCodeSpec {
  if (errorCodes.has(code)) throw new Error(`error code ${code} defined twice`);
  const spec = Object.freeze({ code, message, status, retriable });
  errorCodes.set(code, spec);
  return spec;
}

/** Follows `cause` links to the innermost error (kafkajs' supervisor habit). */
export function rootCause(err: unknown): unknown {
  let current = err;
  const seen = new Set<unknown>();
  while (current instanceof Error && current.cause !== undefined && !seen.has(current)) {
    seen.add(current);
    current = current.cause;
  }
  return current;
}

/** True when any error along the cause chain is a retriable LearnstreamError. */
export function isRetriable(err: unknown): boolean {
  let current: unknown = err;
  const seen = new Set<unknown>();
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof LearnstreamError) return current.retriable;
    current = current.cause;
  }
  return false;
}

// Core codes. Subsystems define theirs in their own `errors.ts` with the same helper.
export const ConfigInvalid = defineErrorCode('LS_CONFIG_INVALID', 'Invalid configuration', 500, false);
export const ConfigFileUnreadable = defineErrorCode('LS_CONFIG_FILE', 'Configuration file unreadable', 500, false);
export const ServiceStartFailed = defineErrorCode('LS_SERVICE_START', 'Local service failed to start', 500, false);
export const ShutdownTimeout = defineErrorCode('LS_SHUTDOWN_TIMEOUT', 'Shutdown did not finish in time', 500, false);

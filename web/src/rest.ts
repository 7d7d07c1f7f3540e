// The REST calls of the dashboard, each with the bearer token. The same
// defaults as the API (30 days ending today, anonymized level), so the page
// shows exactly what a client asking the same URL gets.
import type { MasteryByTopic, PipelineStatus, TenantMetrics, WeeklyActive } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RestClient {
  metrics(tenant: string): Promise<TenantMetrics>;
  weeklyActive(tenant: string): Promise<WeeklyActive>;
  mastery(tenant: string): Promise<MasteryByTopic>;
  pipelineStatus(): Promise<PipelineStatus>;
  /** Records consumed so far, from the Prometheus endpoint; undefined if unreadable. */
  recordsConsumed(): Promise<number | undefined>;
}

export function createRestClient(token: () => string | undefined): RestClient {
  const get = async <T>(path: string): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const t = token();
    if (t) headers.authorization = `Bearer ${t}`;
    const res = await fetch(path, { headers, cache: 'no-store' });
    if (!res.ok) {
      let code = 'HTTP_ERROR';
      let message = `${res.status} ${res.statusText}`;
      try {
        const body = (await res.json()) as { code?: string; message?: string };
        code = body.code ?? code;
        message = body.message ?? message;
      } catch {
        // Not a JSON error body.
      }
      throw new ApiError(res.status, code, message);
    }
    return (await res.json()) as T;
  };
  const tenantPath = (tenant: string, route: string) => `/v1/tenants/${encodeURIComponent(tenant)}/${route}`;
  return {
    metrics: (tenant) => get(tenantPath(tenant, 'metrics')),
    weeklyActive: (tenant) => get(tenantPath(tenant, 'weekly-active')),
    mastery: (tenant) => get(tenantPath(tenant, 'mastery?limit=100')),
    pipelineStatus: () => get('/v1/pipeline/status'),
    async recordsConsumed() {
      try {
        const res = await fetch('/metrics', { cache: 'no-store' });
        if (!res.ok) return undefined;
        const m = /^learnstream_source_records_consumed_total(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(await res.text());
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

// The REST calls of the dashboard, each with the bearer token. The same
// defaults as the API (30 days ending today, anonymized level), so the page
// shows exactly what a client asking the same URL gets.
import type { LearnerInsights, MasteryByTopic, PipelineStatus, TenantMetrics, WeeklyActive } from './types.js';

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
  /** One learner's page: summary, streaks and patterns, mastery history, gaps, reviews due now (all audited reads). */
  learner(tenant: string, learnerId: string): Promise<LearnerInsights>;
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
  // tenant_id names the tenant for an admin; a staff token's own tenant wins on the server anyway.
  const learnerPath = (tenant: string, id: string, route: string) =>
    `/v1/learners/${encodeURIComponent(id)}/${route}?tenant_id=${encodeURIComponent(tenant)}`;
  return {
    metrics: (tenant) => get(tenantPath(tenant, 'metrics')),
    weeklyActive: (tenant) => get(tenantPath(tenant, 'weekly-active')),
    mastery: (tenant) => get(tenantPath(tenant, 'mastery?limit=100')),
    pipelineStatus: () => get('/v1/pipeline/status'),
    async learner(tenant, id) {
      const [summary, patterns, history, gaps, reviews] = await Promise.all([
        get<LearnerInsights['summary']>(learnerPath(tenant, id, 'summary')),
        get<LearnerInsights['patterns']>(learnerPath(tenant, id, 'patterns')),
        get<LearnerInsights['history']>(learnerPath(tenant, id, 'mastery/history')),
        get<LearnerInsights['gaps']>(learnerPath(tenant, id, 'gaps')),
        get<LearnerInsights['reviews']>(learnerPath(tenant, id, 'reviews')),
      ]);
      return { summary, patterns, history, gaps, reviews };
    },
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

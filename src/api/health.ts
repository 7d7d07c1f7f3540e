// Liveness, readiness and Prometheus metrics endpoints. Readiness asks every
// registered check (store reachable, source assigned, ...) and reports each.
import type { FastifyInstance } from 'fastify';
import { metricsRegistry } from '../core/metrics.js';

export type ReadinessCheck = () => Promise<boolean | string>;

export interface HealthOptions {
  readiness: Map<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Each check's answer: `ok`, `not ready`, or what it said went wrong. */
  checks: Record<string, string>;
}

/** Asks every readiness check (what /readyz answers, and the drop-in /api/v1/health). */
export async function readinessReport(opts: HealthOptions): Promise<ReadinessReport> {
  const checks: Record<string, string> = {};
  let ready = !opts.isShuttingDown();
  if (!ready) checks.shutdown = 'shutting down';
  for (const [name, check] of opts.readiness) {
    try {
      const r = await check();
      checks[name] = r === true ? 'ok' : r === false ? 'not ready' : r;
      if (r !== true) ready = false;
    } catch (err) {
      checks[name] = (err as Error).message;
      ready = false;
    }
  }
  return { ready, checks };
}

export function registerHealthRoutes(app: FastifyInstance, opts: HealthOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const { ready, checks } = await readinessReport(opts);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await metricsRegistry.metrics();
    return reply.header('content-type', metricsRegistry.contentType).send(body);
  });
}

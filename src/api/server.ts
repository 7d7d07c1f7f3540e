// The HTTP server of the engine process: fastify with the OpenAPI document's
// collector and the health routes; the REST API, collector and live feed
// register onto the same instance, as plugins (after the document's hook).
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import { type ReadinessCheck, type ReadinessReport, readinessReport, registerHealthRoutes } from './health.js';
import { registerOpenApi } from './openapi.js';

export interface RouteSummary {
  method: string;
  url: string;
  hidden: boolean;
}

export interface HttpServer {
  app: FastifyInstance;
  readiness: Map<string, ReadinessCheck>;
  /** What /readyz answers: every readiness check's outcome. */
  readinessReport(): Promise<ReadinessReport>;
  /** Every route registered so far (method, URL, hidden from the OpenAPI document). */
  routes(): RouteSummary[];
  listen(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

export function createHttpServer(opts: { logger: Logger; bodyLimitBytes?: number }): HttpServer {
  let shuttingDown = false;
  const app = Fastify({
    // Request logs only at warn and above: per-request lines would drown the pipeline's.
    loggerInstance: opts.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes ?? 5 * 1024 * 1024,
  });
  const readiness = new Map<string, ReadinessCheck>();
  // Every route this server gets, as registered (the OpenAPI coverage test compares them with /docs/json).
  // Kept as the route options themselves: a later onRoute hook may still change them
  // (@fastify/websocket hides WebSocket routes from the document).
  const routes: { method: string; url: string; options: { schema?: unknown } }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, options: r });
  });
  // First, so the document sees every route; everything after registers as a plugin (queued behind it).
  registerOpenApi(app);
  const health = { readiness, isShuttingDown: () => shuttingDown };
  app.register(async (scope) => registerHealthRoutes(scope, health));
  return {
    app,
    readiness,
    readinessReport: () => readinessReport(health),
    routes: () =>
      routes.map((r) => ({
        method: r.method,
        url: r.url,
        hidden: (r.options.schema as { hide?: boolean } | undefined)?.hide === true,
      })),
    async listen(host, port) {
      return app.listen({ host, port });
    },
    async close() {
      shuttingDown = true;
      await app.close();
    },
  };
}

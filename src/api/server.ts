// The HTTP server of the engine process: fastify with the health routes; the
// REST API, collector and live feed register onto the same instance.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/logger.js';
import { type ReadinessCheck, registerHealthRoutes } from './health.js';

export interface HttpServer {
  app: FastifyInstance;
  readiness: Map<string, ReadinessCheck>;
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
  registerHealthRoutes(app, { readiness, isShuttingDown: () => shuttingDown });
  return {
    app,
    readiness,
    async listen(host, port) {
      return app.listen({ host, port });
    },
    async close() {
      shuttingDown = true;
      await app.close();
    },
  };
}

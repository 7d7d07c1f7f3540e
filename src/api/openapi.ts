// The OpenAPI document of the engine's HTTP port. @fastify/swagger collects
// routes with an onRoute hook, which only sees routes registered after it in
// its own context and below; so it is registered on the root instance first
// (createHttpServer), and every other route — health, collector, REST API,
// dashboard — registers after it. A route left out of the document is a bug:
// test/integration/api/openapi-coverage.test.ts compares the document with
// every route the engine's server has.
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const openApiOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'learnstream API',
      description:
        'Learning analytics from closed windows: tenant and learner metrics, weekly activity, mastery, privacy levels, pipeline status, the collector (POST /v1/events), health and metrics, and the drop-in /api/v1 routes of the privacy-first analytics service. Live feed: WebSocket /v1/live.',
      version: '1',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } } },
  },
  transform: jsonSchemaTransform,
};

/** Registers the document's collector on `app` (queued like any plugin: register routes after it). */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(fastifySwagger, openApiOptions);
}

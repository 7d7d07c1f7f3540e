// The OpenAPI document of the engine's HTTP port. @fastify/swagger collects
// routes with an onRoute hook, which only sees routes registered after it in
// its own context and below; so it is registered on the root instance first
// (createHttpServer), and every other route — health, collector, REST API,
// dashboard — registers after it. A route left out of the document is a bug:
// test/integration/api/openapi-coverage.test.ts compares the document with
// every route the engine's server has. GraphQL (/graphql) is served by
// mercurius with JSON schemas of its own, which the zod transform cannot
// read: its routes are hidden from the collector (src/api/graphql/plugin.ts)
// and /graphql is described here instead.
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { OpenAPIV3 } from 'openapi-types';

/** POST and GET /graphql in the OpenAPI document: the GraphQL schema itself is in README ("GraphQL"). */
function graphqlOpenApiPath(): OpenAPIV3.PathItemObject {
  const request: OpenAPIV3.SchemaObject = {
    type: 'object',
    required: ['query'],
    properties: {
      query: { type: 'string', description: 'The GraphQL document' },
      variables: { type: 'object', nullable: true, additionalProperties: true },
      operationName: { type: 'string', nullable: true },
    },
  };
  const response: OpenAPIV3.ResponseObject = {
    description:
      'GraphQL result: `data`, and `errors` whose `extensions.code` is an API error code (LS_API_FORBIDDEN, LS_API_PRIVACY_BUDGET_SPENT, LS_API_GRAPHQL_TOO_DEEP, …); 400 when the query is refused before it runs',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            data: { type: 'object', nullable: true, additionalProperties: true },
            errors: { type: 'array', items: { type: 'object', additionalProperties: true } },
          },
        },
      },
    },
  };
  const operation = (method: string): OpenAPIV3.OperationObject => ({
    tags: ['graphql'],
    summary: `GraphQL (${method}): tenant(id) and learner(id) with the same roles, privacy levels, budget and audit as the REST routes; depth and cost limits; introspection and /graphiql in development only`,
    security: [{ bearerAuth: [] }],
    responses: { 200: response, 400: response },
  });
  return {
    post: {
      ...operation('POST'),
      requestBody: { required: true, content: { 'application/json': { schema: request } } },
    },
    get: {
      ...operation('GET'),
      parameters: ['query', 'variables', 'operationName'].map((name) => ({
        name,
        in: 'query' as const,
        required: name === 'query',
        schema: { type: 'string' as const },
        description: name === 'variables' ? 'JSON object' : undefined,
      })),
    },
  };
}

export const openApiOptions = {
  openapi: {
    openapi: '3.0.3',
    info: {
      title: 'learnstream API',
      description:
        'Learning analytics from closed windows: tenant and learner metrics, weekly activity, mastery, privacy levels, pipeline status, the collector (POST /v1/events), health and metrics, the drop-in /api/v1 routes of the privacy-first analytics service, and GraphQL (/graphql). Live feed: WebSocket /v1/live.',
      version: '1',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } } },
    // Served by mercurius with its routes hidden from the collector, so described here rather than from a route schema.
    paths: { '/graphql': graphqlOpenApiPath() },
  },
  transform: jsonSchemaTransform,
};

/** Registers the document's collector on `app` (queued like any plugin: register routes after it). */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(fastifySwagger, openApiOptions);
}

// Serves GraphQL at /graphql with mercurius, fastify's GraphQL adapter, in
// its own encapsulated context (mercurius validates its routes with JSON
// schemas, the REST context with zod). Every error the client sees carries one
// of the API's codes in `extensions.code`; development alone gets schema
// introspection and the GraphiQL page (/graphiql).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import mercurius from 'mercurius';
import { LearnstreamError } from '../../core/errors.js';
import type { Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiGraphqlInvalid, ApiGraphqlTooDeep, ApiInternal, ApiPrivacyBudgetSpent } from '../errors.js';
import { httpRequestDuration, privacyBudgetRefusals } from '../metrics.js';
import { graphqlJs } from './graphql-js.js';
import { costLimitRule, type GraphqlLimits, graphqlLimits, noIntrospectionRule } from './limits.js';
import { type GraphqlContext, readFields, resolvers, typeDefs } from './schema.js';

declare module 'mercurius' {
  // What `context` below builds: the resolvers' third argument (mercurius' documented augmentation).
  interface MercuriusContext extends GraphqlContext {}
}

export interface GraphqlOptions {
  /** Introspection and GraphiQL: on in development (embedded mode bound to loopback) only. */
  development: boolean;
  /** Depth and cost limits (api.graphqlMaxDepth, api.graphqlMaxCost); the defaults of `graphqlLimits` otherwise. */
  limits?: Partial<GraphqlLimits>;
}

/** The API's `{ code, message, details? }` of one error, as GraphQL's `extensions`. */
function apiError(
  err: GraphQLError,
  log: FastifyRequest['log'] | undefined,
  limits: GraphqlLimits,
): GraphQLFormattedError {
  const base = err.toJSON();
  const original = err.originalError as (Error & { code?: string }) | undefined;
  if (original instanceof LearnstreamError) {
    if (original.code === ApiPrivacyBudgetSpent.code) privacyBudgetRefusals.inc();
    if (original.status >= 500) log?.error({ err: original }, 'GraphQL field failed');
    // Store errors carry SQL in their details: never hand that to a client (as error-handler.ts).
    const hidden = original.status >= 500 && original.code.startsWith('LS_STORE');
    return {
      ...base,
      message: hidden ? 'ClickHouse is unavailable or failed' : original.message,
      extensions: {
        code: original.code,
        status: original.status,
        ...(original.details && !hidden ? { details: original.details } : {}),
      },
    };
  }
  if (original?.code === 'MER_ERR_GQL_QUERY_DEPTH') {
    const depth = /depth \((\d+)\)/.exec(original.message)?.[1];
    return {
      message: `${ApiGraphqlTooDeep.message}: depth ${depth}, the limit is ${limits.maxDepth}; nest fewer selections`,
      extensions: { code: ApiGraphqlTooDeep.code, status: 400, depth: Number(depth), maxDepth: limits.maxDepth },
    };
  }
  const code = err.extensions?.code;
  if (typeof code === 'string' && code.startsWith('LS_'))
    return { ...base, extensions: { ...base.extensions, status: 400 } };
  // A GraphQL error of its own (syntax, unknown field, bad argument or variable) or a malformed body: the request's fault.
  const status = (original as { statusCode?: number } | undefined)?.statusCode;
  if (
    !original ||
    original instanceof graphqlJs.GraphQLError ||
    (status !== undefined && status >= 400 && status < 500)
  ) {
    return { ...base, extensions: { code: ApiGraphqlInvalid.code, status: status ?? 400 } };
  }
  log?.error({ err: original }, 'GraphQL field failed unexpectedly');
  return { ...base, message: ApiInternal.message, extensions: { code: ApiInternal.code, status: 500 } };
}

export async function registerGraphql(app: FastifyInstance, ctx: ApiContext, opts: GraphqlOptions): Promise<void> {
  const limits: GraphqlLimits = { ...graphqlLimits, ...opts.limits };
  await app.register(async (gql) => {
    // Out of the collected OpenAPI document: mercurius' JSON route schemas are not zod, and /graphql is
    // described by hand (src/api/openapi.ts); the GraphiQL page and its assets are a UI, like /docs.
    gql.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    gql.addHook('onResponse', async (req, reply) => {
      httpRequestDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    await gql.register(mercurius, {
      schema: typeDefs,
      resolvers,
      path: '/graphql',
      graphiql: opts.development,
      queryDepth: limits.maxDepth,
      // The cost rule reads the request's variables, so rules are built per request (no parse cache).
      cache: false,
      validationRules: ({ variables, operationName }) => [
        costLimitRule(readFields, { variables, operationName }, limits),
        ...(opts.development ? [] : [noIntrospectionRule]),
      ],
      context: (req): GraphqlContext => {
        let who: Promise<Principal> | undefined;
        return {
          api: ctx,
          who: () => {
            who ??= ctx.authenticate(req);
            return who;
          },
        };
      },
      errorFormatter: (execution, context) => {
        const log = (context as { reply?: { request: FastifyRequest } }).reply?.request.log;
        const errors = execution.errors.flatMap((e) => {
          const inner = (e.originalError as { errors?: unknown[] } | undefined)?.errors;
          return Array.isArray(inner)
            ? inner.map((i) =>
                i instanceof graphqlJs.GraphQLError
                  ? i
                  : new graphqlJs.GraphQLError((i as Error).message, { originalError: i as Error }),
              )
            : [e];
        });
        // Refused before execution (no data): the refusal's status; field errors come with data, 200.
        const first = execution.errors[0]?.originalError as { statusCode?: number } | undefined;
        const refusedWith = execution.data ? undefined : first?.statusCode;
        return {
          statusCode: refusedWith && refusedWith >= 400 ? refusedWith : 200,
          response: { data: execution.data ?? null, errors: errors.map((e) => apiError(e, log, limits)) },
        };
      },
    });
  });
}

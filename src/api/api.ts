// Registers the REST API (/v1), the live feed route (/v1/live) and the
// OpenAPI document (/docs, /docs/json) on the engine's fastify instance, in
// one encapsulated plugin with zod validation and the API's error bodies.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { defaultSecretsTolerated } from '../core/secrets.js';
import type { ClickHouseStore } from '../views/store.js';
import { createAuditLog } from './audit.js';
import { createTokenVerifier } from './auth/tokens.js';
import { createApiContext } from './context.js';
import { installErrorHandling } from './error-handler.js';
import { registerGraphql } from './graphql/index.js';
import { type ReadinessReport, readinessReport } from './health.js';
import { createLiveFeed, type LiveFeed } from './live-feed.js';
import { httpRequestDuration } from './metrics.js';
import { openApiOptions } from './openapi.js';
import { emptyPipelineStatus, type PipelineStatus } from './pipeline-status.js';
import { createPrivacyBudget } from './privacy/budget.js';
import { createPrivacyGuard, type PrivacyGuard } from './privacy/release.js';
import { type EraseLearner, registerAdminRoutes } from './routes/admin.js';
import { type CatalogPublisher, registerCatalogRoutes } from './routes/catalog.js';
import { registerCohortInsightRoutes } from './routes/cohort-insights.js';
import { registerDropInRoutes } from './routes/drop-in.js';
import { registerLearnerInsightRoutes } from './routes/learner-insights.js';
import { registerLearnerRoutes } from './routes/learners.js';
import { registerMetaRoutes } from './routes/meta.js';
import { registerOversightRoutes } from './routes/oversight.js';
import { registerTenantRoutes } from './routes/tenants.js';

export interface ApiDeps {
  store: ClickHouseStore;
  config: Config;
  logger: Logger;
  /** The engine's live state; defaults to "no partitions" (e.g. an API-only process). */
  pipelineStatus?: () => PipelineStatus | Promise<PipelineStatus>;
  /** Created by `createApi` when omitted. */
  liveFeed?: LiveFeed;
  /** Shared with the live feed so both charge one budget; built from the config when omitted. */
  privacy?: PrivacyGuard;
  /** The engine's learner erasure (state + tables); absent in an API-only process. */
  eraseLearner?: EraseLearner;
  /** Publishes each stored catalog version to the catalog topic (Kafka mode); absent: ClickHouse only. */
  publishCatalog?: CatalogPublisher;
  /** The process's readiness (what /readyz answers); absent: the store's ping alone. */
  readiness?: () => Promise<ReadinessReport>;
}

/** The privacy guard of one process: k-anonymity, noise, and the budget ledger in ClickHouse. */
export function createPrivacyGuardFromConfig(store: ClickHouseStore, config: Config): PrivacyGuard {
  return createPrivacyGuard({
    k: config.privacy.kAnonymity,
    noiseSecret: config.privacy.noiseSecret,
    budget: createPrivacyBudget({
      store,
      budgetEpsilon: config.privacy.budgetEpsilon,
      period: config.privacy.budgetPeriod,
    }),
  });
}

/** A live feed wired to the configuration and the store (for resume, audit and DP levels). */
export function createLiveFeedFromConfig(deps: {
  store: ClickHouseStore;
  config: Config;
  logger: Logger;
  privacy?: PrivacyGuard;
}): LiveFeed {
  return createLiveFeed({
    privacy: deps.privacy ?? createPrivacyGuardFromConfig(deps.store, deps.config),
    verifier: createTokenVerifier(deps.config.auth),
    logger: deps.logger,
    store: deps.store,
    audit: createAuditLog(deps.store),
    k: deps.config.privacy.kAnonymity,
    heartbeatMs: deps.config.api.liveHeartbeatMs,
    authTimeoutMs: deps.config.api.liveAuthTimeoutMs,
    maxBufferedBytes: deps.config.api.liveMaxBufferedBytes,
  });
}

export async function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { store, config, logger } = deps;
  const ctx = createApiContext({
    store,
    config,
    logger,
    verifier: createTokenVerifier(config.auth),
    // One guard for REST and the live feed, so both charge the same budget.
    privacy: deps.privacy ?? createPrivacyGuardFromConfig(store, config),
    audit: createAuditLog(store),
    liveFeed: deps.liveFeed,
    pipelineStatus: deps.pipelineStatus ?? emptyPipelineStatus,
    readiness:
      deps.readiness ??
      (() => readinessReport({ readiness: new Map([['store', () => store.ping()]]), isShuttingDown: () => false })),
  });
  await app.register(async (api) => {
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    installErrorHandling(api);
    api.addHook('onResponse', async (req, reply) => {
      httpRequestDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    // createHttpServer registers the document on the root; a bare fastify instance gets it here.
    if (!api.hasDecorator('swagger')) await api.register(fastifySwagger, openApiOptions);
    await api.register(fastifySwaggerUi, { routePrefix: '/docs' });
    await api.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
    registerTenantRoutes(api, ctx);
    registerLearnerRoutes(api, ctx);
    registerLearnerInsightRoutes(api, ctx);
    registerCohortInsightRoutes(api, ctx);
    registerMetaRoutes(api, ctx);
    registerAdminRoutes(api, ctx, deps.eraseLearner);
    registerCatalogRoutes(api, ctx, deps.publishCatalog);
    registerOversightRoutes(api, ctx);
    registerDropInRoutes(api, ctx);
    const feed = deps.liveFeed;
    if (feed) {
      api.withTypeProvider<ZodTypeProvider>().get(
        '/v1/live',
        {
          websocket: true,
          schema: {
            tags: ['live'],
            summary:
              'WebSocket live feed: authenticate (?token=, Authorization header or {"type":"auth"}), then {"type":"subscribe","tenants":[...],"kinds":[...],"resume"?}',
            querystring: z.object({ token: z.string().optional() }),
          },
        },
        (socket, req) => feed.accept(socket, req),
      );
      api.addHook('onClose', async () => feed.close());
    }
  });
  await registerGraphql(app, ctx, {
    development: defaultSecretsTolerated(config),
    limits: { maxDepth: config.api.graphqlMaxDepth, maxCost: config.api.graphqlMaxCost },
  });
}

/** `registerApiRoutes` with a live feed built from the configuration; the pipeline publishes to `liveFeed`. */
export async function createApi(
  app: FastifyInstance,
  deps: Omit<ApiDeps, 'liveFeed'>,
): Promise<{ liveFeed: LiveFeed }> {
  const privacy = createPrivacyGuardFromConfig(deps.store, deps.config);
  const liveFeed = createLiveFeedFromConfig({ ...deps, privacy });
  await registerApiRoutes(app, { ...deps, liveFeed, privacy });
  return { liveFeed };
}

// The engine's HTTP port, assembled in one place: the server with the OpenAPI
// document and health routes, readiness checks, the collector (POST
// /v1/events), the REST API with the live feed, and the dashboard. The engine
// uses it, and so does the OpenAPI coverage test, which must see exactly the
// routes a running engine serves.
import {
  createApi,
  createCollectorAuthorizer,
  createHttpServer,
  createTokenVerifier,
  type EraseLearner,
  type HttpServer,
  type LiveFeed,
  type PipelineStatus,
  registerDashboard,
} from '../api/index.js';
import type { CatalogPublisher } from '../api/routes/catalog.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { type CollectorIntake, type ContractOptions, registerCollectorRoutes } from '../ingest/index.js';
import type { ClickHouseStore } from '../views/index.js';

export interface HttpSurfaceDeps {
  config: Config;
  logger: Logger;
  store: ClickHouseStore;
  /** Where the collector hands accepted events. */
  intake: CollectorIntake;
  contract?: ContractOptions;
  /** Readiness of the pipeline: true, or what it is waiting for. */
  pipelineReady: () => Promise<boolean | string>;
  pipelineStatus: () => PipelineStatus | Promise<PipelineStatus>;
  eraseLearner?: EraseLearner;
  publishCatalog?: CatalogPublisher;
}

export async function createHttpSurface(deps: HttpSurfaceDeps): Promise<{ http: HttpServer; liveFeed: LiveFeed }> {
  const { config, logger, store } = deps;
  const http = createHttpServer({ logger, bodyLimitBytes: config.source.collectorMaxBytes });
  http.readiness.set('store', () => store.ping());
  http.readiness.set('pipeline', deps.pipelineReady);
  // As a plugin: it loads after the OpenAPI document's hook, so the document lists it.
  http.app.register(async (scope) =>
    registerCollectorRoutes(scope, {
      intake: deps.intake,
      authorize: createCollectorAuthorizer(createTokenVerifier(config.auth)),
      maxEvents: config.source.collectorMaxEvents,
      maxBytes: config.source.collectorMaxBytes,
      ...(deps.contract ? { contract: deps.contract } : {}),
    }),
  );
  const { liveFeed } = await createApi(http.app, {
    store,
    config,
    logger,
    pipelineStatus: deps.pipelineStatus,
    readiness: () => http.readinessReport(),
    ...(deps.eraseLearner ? { eraseLearner: deps.eraseLearner } : {}),
    ...(deps.publishCatalog ? { publishCatalog: deps.publishCatalog } : {}),
  });
  registerDashboard(http.app, { config, logger });
  return { http, liveFeed };
}

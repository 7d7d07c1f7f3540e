// Composition root of the engine process: opens the store, starts the HTTP
// server, and (as later layers land) the source → operators → sink pipeline.
// Owns graceful shutdown: stop intake, flush, checkpoint, close.
import { createHttpServer } from '../api/index.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { enableDefaultMetrics } from '../core/metrics.js';
import { type ClickHouseStore, openStore } from '../views/index.js';

export interface RunningEngine {
  address: string;
  store: ClickHouseStore;
  stop(): Promise<void>;
}

export async function startEngine(config: Config, logger: Logger): Promise<RunningEngine> {
  enableDefaultMetrics();
  const store = await openStore({
    url: config.clickhouse.url,
    database: config.clickhouse.database,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    chdbPath: config.clickhouse.chdbPath,
  });
  logger.info({ engine: store.engine, version: await store.version() }, 'ClickHouse store open');
  const http = createHttpServer({ logger });
  http.readiness.set('store', () => store.ping());
  const address = await http.listen(config.server.host, config.server.port);
  logger.info(
    { address, mode: config.source.kind },
    `learnstream listening on ${address} (health: /healthz, metrics: /metrics)`,
  );
  let stopped = false;
  return {
    address,
    store,
    async stop() {
      if (stopped) return;
      stopped = true;
      await http.close();
      await store.close();
    },
  };
}

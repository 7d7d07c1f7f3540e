// Maps the parsed configuration onto the views' options, so the engine and
// the CLI build the store, sink and retention jobs the same way.
import type { Config } from '../core/config.js';
import type { RetentionPolicy } from './retention.js';
import type { ClickHouseSinkOptions } from './sink.js';
import type { StoreSettings } from './store.js';

export function storeSettingsFromConfig(config: Config): StoreSettings {
  return {
    url: config.clickhouse.url,
    database: config.clickhouse.database,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    chdbPath: config.clickhouse.chdbPath,
    requestTimeoutMs: config.clickhouse.requestTimeoutMs,
  };
}

export function sinkOptionsFromConfig(config: Config): ClickHouseSinkOptions {
  return {
    maxBatchRows: config.views.sinkBatchRows,
    flushIntervalMs: config.views.sinkFlushIntervalMs,
    maxBufferedRows: Math.max(config.views.sinkMaxBufferedRows, config.views.sinkBatchRows),
    retryMaxMs: config.views.sinkRetryMaxMs,
  };
}

export function retentionPolicyFromConfig(config: Config): RetentionPolicy & { intervalMs: number } {
  return {
    identifierHorizonDays: config.retention.identifierHorizonDays,
    rawEventsDays: config.retention.rawEventsDays,
    aggregatesDays: config.retention.aggregatesDays,
    intervalMs: config.retention.intervalMs,
  };
}

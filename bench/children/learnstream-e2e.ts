// Child process of the learnstream end-to-end run: the engine as `learnstream
// start` composes it (Kafka source, decode + pseudonymise, sessions + mastery
// + weekly-active, ClickHouse sink on a server or embedded chdb), from offset
// 0 to the log end; the clock stops when the last result is durable, i.e.
// when the checkpoint after the last record has flushed the sink.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { createRootLogger } from '../../src/core/logger.js';
import { startEngine } from '../../src/engine/engine.js';
import { freePort } from '../../src/services/index.js';
import { openStore, runMigrations } from '../../src/views/index.js';
import { childMain } from '../children.js';

interface Input {
  brokers: string[];
  topic: string;
  partitions: number;
  endOffsets: number[];
  /** The secret the topic's watermark ticks are signed with (bench/data.ts). */
  pseudonymSecret: string;
  group: string;
  /** null: embedded chdb in a temp dir. */
  clickhouseUrl: string | null;
  database: string;
}

childMain(async (input: Input) => {
  const env: NodeJS.ProcessEnv = {
    LEARNSTREAM_SOURCE_KIND: 'kafka',
    KAFKA_BROKERS: input.brokers.join(','),
    LEARNSTREAM_KAFKA_TOPIC: input.topic,
    LEARNSTREAM_KAFKA_GROUP_ID: input.group,
    LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC: `${input.topic}.dlq`,
    LEARNSTREAM_KAFKA_PARTITIONS: String(input.partitions),
    LEARNSTREAM_CLICKHOUSE_DATABASE: input.database,
    LEARNSTREAM_PORT: String(await freePort()),
    LEARNSTREAM_LOG_LEVEL: 'warn',
    // Fresh secrets per run: the engine refuses its documented defaults in Kafka mode.
    LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: input.pseudonymSecret,
    LEARNSTREAM_PRIVACY_NOISE_SECRET: randomBytes(32).toString('hex'),
    LEARNSTREAM_AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
  };
  if (input.clickhouseUrl) env.CLICKHOUSE_URL = input.clickhouseUrl;
  else env.LEARNSTREAM_CLICKHOUSE_CHDB_PATH = join(mkdtempSync(join(tmpdir(), 'learnstream-bench-chdb-')), 'chdb');
  const config = loadConfig(env);
  // Migrations are setup, not throughput: apply them before the clock starts.
  const setup = await openStore({ ...config.clickhouse });
  await runMigrations(setup);
  const clickhouseVersion = await setup.version();
  await setup.close();

  const t0 = performance.now();
  const engine = await startEngine(config, createRootLogger('warn'));
  const caughtUp = () => {
    const status = engine.pipeline()?.status() ?? [];
    if (status.length < input.partitions) return false;
    return status.every((s) => Number(s.nextOffset ?? -1) >= (input.endOffsets[s.partition] ?? 0));
  };
  while (!caughtUp()) await new Promise((r) => setTimeout(r, 10));
  await engine.pipeline()?.checkpoint();
  const seconds = (performance.now() - t0) / 1000;
  const counts: Record<string, number> = {};
  for (const table of ['sessions', 'mastery_snapshots', 'weekly_active_partials']) {
    const rows = await engine.store.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  await engine.stop();
  const records = input.endOffsets.reduce((a, b) => a + b, 0);
  return { records, seconds, recordsPerSecond: records / seconds, results: counts, clickhouseVersion };
});

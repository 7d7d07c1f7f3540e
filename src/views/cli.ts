// The views' command-line tools: `learnstream migrate` and
// `learnstream erase-learner`. They open the configured store (server when
// CLICKHOUSE_URL is set, else embedded chdb), do one job and close it.
import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.js';
import { createRootLogger } from '../core/logger.js';
import { runMigrations } from './migrations.js';
import { eraseLearner } from './retention.js';
import { storeSettingsFromConfig } from './settings.js';
import { type ClickHouseStore, openStore } from './store.js';

async function withStore<T>(fn: (store: ClickHouseStore) => Promise<T>): Promise<T> {
  const config = loadConfig();
  createRootLogger(config.log.level, config.log.format);
  const store = await openStore(storeSettingsFromConfig(config));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function runMigrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, dir: { type: 'string' } },
  });
  if (values.help) {
    console.log(
      'Usage: learnstream migrate [--dir DIR]\n\nApplies the numbered ClickHouse migrations (schemas/clickhouse) not applied yet.\nRefuses to run if an applied file was edited. Safe to run again.',
    );
    return 0;
  }
  const report = await withStore((store) => runMigrations(store, values.dir ? { dir: values.dir } : {}));
  console.log(
    report.applied.length
      ? `applied: ${report.applied.join(', ')}`
      : `nothing to apply (${report.alreadyApplied.length} migrations already applied)`,
  );
  return 0;
}

export async function runEraseLearner(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      tenant: { type: 'string' },
      learner: { type: 'string' },
    },
  });
  if (values.help || !values.tenant || !values.learner) {
    console.log(
      'Usage: learnstream erase-learner --tenant TENANT --learner PSEUDONYM\n\nBlanks the learner in every ClickHouse table that holds learner ids and waits for\nthe mutations to finish. Per-tenant rollups are not changed.',
    );
    return values.help ? 0 : 2;
  }
  const { tenant, learner } = values;
  const report = await withStore((store) => eraseLearner(store, tenant, learner));
  if (report.length === 0) console.log('no rows held this learner');
  for (const r of report) console.log(`${r.table}: ${r.rows} row(s) erased`);
  return 0;
}

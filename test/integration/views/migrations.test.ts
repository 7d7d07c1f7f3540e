// Migrations on both engines: everything applies, a rerun applies nothing,
// and an edited applied file is refused with its name in the message.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LearnstreamError } from '../../../src/core/errors.js';
import { type ClickHouseStore, defaultMigrationsDir, runMigrations, tableColumns } from '../../../src/views/index.js';
import { splitStatements } from '../../../src/views/migrations.js';
import { forEachStore, tempDir } from '../../support/index.js';

const files = [
  '001_result_tables.sql',
  '002_side_tables.sql',
  '003_rollups.sql',
  '004_fenced_writes.sql',
  '005_checkpoint_chain.sql',
  '006_rollup_inputs.sql',
  '007_learner_cold_state.sql',
  '008_checkpoint_versions.sql',
  '009_topic_catalog.sql',
  '010_recent_outcomes.sql',
  '011_learner_cold_evictions.sql',
  '012_etl_jobs.sql',
];

/** A store migrated up to 010, with one learner in the old cold tier (learner_cold_state). */
async function migratedBefore011(newStore: () => Promise<ClickHouseStore>): Promise<ClickHouseStore> {
  const store = await newStore();
  const dir = tempDir('learnstream-migrations-');
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  for (const later of files.slice(files.indexOf('011_learner_cold_evictions.sql'))) rmSync(join(dir, later));
  await runMigrations(store, { dir });
  await store.command(
    `INSERT INTO learner_cold_state (deployment, source_topic, source_partition, learner_key, version, last_active_ms, data, owner_epoch, owner, created_at, created_at_ms)
       VALUES ('d', 'events', 2, 't1\\0a', 4, 1000, '[]', 0, '', '2026-01-05 00:00:00', 1767571200000)`,
  );
  return store;
}

forEachStore('migrations', ({ newStore }) => {
  it('applies every file once, in order, and a second run applies nothing', async () => {
    const store = await newStore();
    const first = await runMigrations(store);
    expect(first.applied).toEqual(files);
    expect(first.alreadyApplied).toEqual([]);

    const second = await runMigrations(store);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(files);

    const recorded = await store.query<{ name: string; n: number }>(
      'SELECT name, count() AS n FROM schema_migrations GROUP BY name ORDER BY name',
    );
    expect(recorded).toEqual(files.map((name) => ({ name, n: 1 })));

    // Every table of the allow-list exists with exactly the listed columns.
    const cols = await store.query<{ table: string; name: string }>(
      'SELECT table, name FROM system.columns WHERE database = currentDatabase() ORDER BY table, name',
    );
    const actual: Record<string, string[]> = {};
    for (const c of cols) actual[c.table] = [...(actual[c.table] ?? []), c.name];
    for (const [table, columns] of Object.entries(tableColumns)) {
      expect(actual[table], table).toEqual([...columns].sort());
    }
  });

  it('refuses to run when an applied file was edited, naming the file', async () => {
    const store = await newStore();
    const dir = tempDir('learnstream-migrations-');
    cpSync(defaultMigrationsDir, dir, { recursive: true });
    await runMigrations(store, { dir });

    const edited = join(dir, '002_side_tables.sql');
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\n-- a harmless-looking edit\n`);
    writeFileSync(
      join(dir, '099_new_table.sql'),
      'CREATE TABLE IF NOT EXISTS x (a UInt8) ENGINE = MergeTree ORDER BY a;\n',
    );

    const err = await runMigrations(store, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LearnstreamError);
    expect((err as LearnstreamError).code).toBe('LS_MIGRATION_EDITED');
    expect((err as LearnstreamError).message).toContain('002_side_tables.sql');
    // Nothing of the run happened: the new file was not applied.
    const tables = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'x'",
    );
    expect(tables).toEqual([]);
  });

  it('011 carries the old cold tier over, every eviction a row of its own', async () => {
    const store = await migratedBefore011(newStore);
    const report = await runMigrations(store);
    expect(report.applied).toEqual(files.slice(files.indexOf('011_learner_cold_evictions.sql')));
    expect(
      await store.query('SELECT source_partition, learner_key, version, data FROM learner_cold_evictions'),
    ).toEqual([{ source_partition: 2, learner_key: 't1\u0000a', version: 4, data: '[]' }]);
    const old = await store.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'learner_cold_state%'",
    );
    expect(old).toEqual([]);
  });

  it('011 run by a second engine after the first got past its drop still applies', async () => {
    // Two engines starting at once: one has run all of 011 (copied, dropped the old table) but not yet
    // recorded it when the other starts 011 — whose copy then finds no old table.
    const store = await migratedBefore011(newStore);
    const text = readFileSync(join(defaultMigrationsDir, '011_learner_cold_evictions.sql'), 'utf8');
    for (const stmt of splitStatements(text)) await store.command(stmt);
    const report = await runMigrations(store);
    expect(report.applied).toEqual(files.slice(files.indexOf('011_learner_cold_evictions.sql')));
    expect(await store.query('SELECT learner_key, version FROM learner_cold_evictions')).toEqual([
      { learner_key: 't1\u0000a', version: 4 },
    ]);
  });
});

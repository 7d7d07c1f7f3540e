// Migrations on both engines: everything applies, a rerun applies nothing,
// and an edited applied file is refused with its name in the message.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { LearnstreamError } from '../../../src/core/errors.js';
import { defaultMigrationsDir, runMigrations, tableColumns } from '../../../src/views/index.js';
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
];

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
});

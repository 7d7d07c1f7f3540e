// Keeps three descriptions of the schema in step: the migrations (truth), the
// identifier allow-list in src/views/tables.ts, and docs/tables.md, where every
// table and column must be described for analysts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from '../../../src/views/migrations.js';
import { materializedViews, tableColumns } from '../../../src/views/tables.js';

/** Table → columns, parsed from the CREATE TABLE statements of the migrations (minus the tables dropped). */
function migratedTables(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of loadMigrations()) {
    for (const stmt of m.statements) {
      const dropped = /^DROP TABLE IF EXISTS (\w+)$/.exec(stmt)?.[1];
      if (dropped) {
        out.delete(dropped);
        continue;
      }
      const alter = /^ALTER TABLE (\w+) (ADD COLUMN [\s\S]*)$/.exec(stmt);
      if (alter) {
        // A fenced input (`<table>_in`, created AS its table) follows its table: not listed on its own.
        if (!out.has(alter[1] as string)) continue;
        const added = [...(alter[2] as string).matchAll(/ADD COLUMN (\w+)/g)].map((c) => c[1] as string);
        out.set(alter[1] as string, [...(out.get(alter[1] as string) ?? []), ...added]);
        continue;
      }
      const t = /^CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*?)\n\) ENGINE/.exec(stmt);
      if (!t) continue;
      const columns = (t[2] as string)
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => line.split(/\s+/)[0] as string);
      out.set(t[1] as string, columns);
    }
  }
  return out;
}

/** Views the migrations leave in place: created, minus those a later migration drops. */
function migratedViews(): string[] {
  const views = new Set<string>();
  for (const m of loadMigrations()) {
    for (const s of m.statements) {
      const created = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO/.exec(s)?.[1];
      if (created) views.add(created);
      const dropped = /^DROP TABLE IF EXISTS (\w+)$/.exec(s)?.[1];
      if (dropped) views.delete(dropped);
    }
  }
  return [...views];
}

const docs = readFileSync(new URL('../../../docs/tables.md', import.meta.url), 'utf8');

/** The part of docs/tables.md under the `### \`table\`` heading. */
function docSection(table: string): string {
  const start = docs.indexOf(`### \`${table}\``);
  if (start < 0) return '';
  const next = docs.indexOf('\n#', start + 4);
  return docs.slice(start, next < 0 ? undefined : next);
}

describe('schema descriptions', () => {
  it('the identifier allow-list equals what the migrations create', () => {
    const migrated = migratedTables();
    const { schema_migrations: bootstrap, ...listed } = tableColumns;
    expect(bootstrap).toEqual(['name', 'checksum', 'applied_at']);
    expect(Object.fromEntries(migrated)).toEqual(
      Object.fromEntries(Object.entries(listed).map(([t, c]) => [t, [...c]])),
    );
    expect(migratedViews().sort()).toEqual([...materializedViews].sort());
  });

  it('docs/tables.md describes every table and column', () => {
    const missing: string[] = [];
    for (const [table, columns] of Object.entries(tableColumns)) {
      const section = docSection(table);
      if (!section) {
        missing.push(table);
        continue;
      }
      // A table row starting with the column name (the formatter may pad cells).
      const rows = new Set([...section.matchAll(/^\|\s*`(\w+)`\s*\|/gm)].map((m) => m[1]));
      for (const c of columns) if (!rows.has(c)) missing.push(`${table}.${c}`);
    }
    for (const v of materializedViews) if (!docs.includes(`\`${v}\``)) missing.push(v);
    expect(missing).toEqual([]);
  });

  it('every result table carries source_partition and seq', () => {
    for (const table of ['sessions', 'mastery_snapshots', 'weekly_active_partials', 'late_events'] as const) {
      expect(tableColumns[table]).toContain('source_partition');
      expect(tableColumns[table]).toContain('seq');
    }
  });

  it('splits migrations into statements at line-ending semicolons, skipping comment lines', () => {
    expect(splitStatements('-- header; with semicolon\nCREATE TABLE a (x String);\n\nSELECT 1\n;\nSELECT 2')).toEqual([
      'CREATE TABLE a (x String)',
      'SELECT 1',
      'SELECT 2',
    ]);
  });
});

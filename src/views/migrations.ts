// Versioned schema: numbered SQL files in schemas/clickhouse/, applied in
// order and recorded with their sha256 in `schema_migrations`. A rerun applies
// only new files; an applied file whose text changed stops the run, because
// editing history silently would leave servers with different schemas.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LearnstreamError } from '../core/errors.js';
import { componentLogger, type Logger } from '../core/logger.js';
import { MigrationEdited, MigrationFailed } from './errors.js';
import { ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';

/** schemas/clickhouse at the package root: the same path from src/views and dist/views. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));

export interface Migration {
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

const fileName = /^(\d{3,})_[a-z0-9_]+\.sql$/;

/** Splits a migration into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*--/.test(line)) continue;
    current.push(line);
    if (/;\s*$/.test(line)) {
      const stmt = current.join('\n').replace(/;\s*$/, '').trim();
      if (stmt) out.push(stmt);
      current = [];
    }
  }
  const rest = current.join('\n').trim();
  if (rest) out.push(rest);
  return out;
}

export function loadMigrations(dir = defaultMigrationsDir): Migration[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Map<string, string>();
  return names.map((name) => {
    const m = fileName.exec(name);
    if (!m) throw new LearnstreamError(MigrationFailed, `${join(dir, name)}: name must look like 001_what_it_does.sql`);
    const number = m[1] as string;
    const clash = seen.get(number);
    if (clash) throw new LearnstreamError(MigrationFailed, `${name} and ${clash} share the number ${number}`);
    seen.set(number, name);
    const text = readFileSync(join(dir, name), 'utf8');
    return {
      name,
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    };
  });
}

async function ensureMigrationsTable(store: ClickHouseStore): Promise<void> {
  await store.command(
    sql`CREATE TABLE IF NOT EXISTS ${ident('schema_migrations')} (name String, checksum String, applied_at DateTime('UTC')) ENGINE = MergeTree ORDER BY name`
      .text,
  );
}

/** Applies every migration not yet recorded; refuses when a recorded one changed. */
export async function runMigrations(
  store: ClickHouseStore,
  opts: { dir?: string; logger?: Logger } = {},
): Promise<MigrationReport> {
  const log = opts.logger ?? componentLogger('migrations');
  const migrations = loadMigrations(opts.dir);
  await ensureMigrationsTable(store);
  const rows = await store.query<{ name: string; checksum: string }>(
    sql`SELECT name, checksum FROM ${ident('schema_migrations')} ORDER BY name`.text,
  );
  const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
  // Check every applied file before touching anything, so a refusal changes nothing.
  for (const m of migrations) {
    const sum = recorded.get(m.name);
    if (sum !== undefined && sum !== m.checksum) {
      throw new LearnstreamError(
        MigrationEdited,
        `${m.name} (applied with sha256 ${sum.slice(0, 12)}…, file now ${m.checksum.slice(0, 12)}…)`,
        { details: { file: m.name, applied: sum, current: m.checksum } },
      );
    }
  }
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    if (recorded.has(m.name)) {
      report.alreadyApplied.push(m.name);
      continue;
    }
    const droppedLater = droppedTables(m.statements);
    for (const [i, stmt] of m.statements.entries()) {
      // A statement reading a table this migration drops further on (a copy into its successor): when
      // the table is gone, another engine running the migration at once got past the drop — its copy
      // is the one that counts.
      const source = readsDropped(stmt, droppedLater.slice(i + 1));
      if (source && !(await tableExists(store, source))) {
        log.info({ migration: m.name, statement: i + 1, table: source }, 'table already dropped by a concurrent run');
        continue;
      }
      try {
        await store.command(stmt);
      } catch (err) {
        // Two engines starting on a fresh database run a migration at once; an ADD COLUMN the
        // other already made is done (the 18.16 server has no ADD COLUMN IF NOT EXISTS).
        if (addsExistingColumn(stmt, err)) continue;
        if (source && !(await tableExists(store, source))) continue; // dropped while the copy ran
        throw new LearnstreamError(MigrationFailed, `${m.name}, statement ${i + 1}: ${(err as Error).message}`, {
          cause: err,
          retriable: (err as LearnstreamError).retriable === true,
          details: { file: m.name, statement: i + 1 },
        });
      }
    }
    await store.insert('schema_migrations', [
      { name: m.name, checksum: m.checksum, applied_at: new Date().toISOString().slice(0, 19).replace('T', ' ') },
    ]);
    report.applied.push(m.name);
    log.info({ migration: m.name, statements: m.statements.length }, 'migration applied');
  }
  return report;
}

/** Per statement, the table it drops (`DROP TABLE IF EXISTS t`), or undefined. */
function droppedTables(statements: readonly string[]): (string | undefined)[] {
  return statements.map((s) => /^DROP TABLE IF EXISTS (\w+)$/.exec(s)?.[1]);
}

/** The table an `INSERT INTO … SELECT … FROM t` reads, when `t` is one of `dropped`. */
function readsDropped(stmt: string, dropped: readonly (string | undefined)[]): string | undefined {
  const from = /^INSERT INTO \w+ SELECT [\s\S]* FROM (\w+)$/.exec(stmt)?.[1];
  return from !== undefined && dropped.includes(from) ? from : undefined;
}

async function tableExists(store: ClickHouseStore, table: string): Promise<boolean> {
  const rows = await store.query<{ n: number | string }>(
    `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = '${table.replace(/[^\w]/g, '')}'`,
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * An ALTER that only adds columns (one, or several with a MODIFY ORDER BY that
 * extends the key by them: ClickHouse wants those in one statement) failed
 * because a column exists: another engine ran it first, or an earlier run got
 * that far. The statement is all or nothing in the server, so it counts as done.
 */
function addsExistingColumn(stmt: string, err: unknown): boolean {
  return (
    (/^ALTER TABLE \w+ ADD COLUMN \w+ (?:[^,()]|\([^()]*\))*$/.test(stmt) ||
      /^ALTER TABLE \w+ (ADD COLUMN \w+ \w+, )+MODIFY ORDER BY \([\w, ]+\)$/.test(stmt)) &&
    /column with this name already exists|DUPLICATE_COLUMN|already exists/i.test((err as Error).message ?? '')
  );
}

// The store port: what learnstream needs from ClickHouse, implemented by two
// adapters over the same SQL — the HTTP client for any ClickHouse server and
// chdb for the embedded, in-process engine. Callers never see which one runs.
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { LearnstreamError } from '../core/errors.js';
import { StoreEngineMissing, StoreUnavailable, translateStoreError } from './errors.js';

export type StoreEngine = 'server' | 'chdb';

export interface ClickHouseStore {
  readonly engine: StoreEngine;
  readonly database: string;
  /** DDL / mutations / statements without a result. */
  command(sql: string): Promise<void>;
  /** A SELECT; rows come back as objects (JSONEachRow), 64-bit integers as numbers. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /**
   * Batched JSONEachRow insert into a table of this store's database. `queryId`
   * names the insert on the server (a retry reuses it: the server refuses a
   * second query of one id while the first still runs); `dedupToken` becomes
   * `insert_deduplication_token` where the server knows it (replicated tables).
   */
  insert(table: string, rows: readonly Record<string, unknown>[], opts?: InsertOptions): Promise<void>;
  ping(): Promise<boolean>;
  /** The engine's version string, e.g. "18.16.1" or "26.7.2.1". */
  version(): Promise<string>;
  close(): Promise<void>;
}

export interface InsertOptions {
  queryId?: string;
  dedupToken?: string;
}

/** First server version that knows `insert_deduplication_token`. */
const dedupTokenSince = 22;

export interface ServerStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
  /** How long a "table doesn't exist" answer is probed (server away, restarted, table back) before it counts as a schema error. */
  unknownTableGraceMs?: number;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `table` or `database.table`, as the server names a missing table. */
const identifierPath = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

function checkIdentifier(name: string, what: string): void {
  if (!identifier.test(name)) throw new Error(`invalid ${what} name: ${JSON.stringify(name)}`);
}

/** HTTP adapter (`@clickhouse/client`), works with any ClickHouse server from 18.16 on. */
export async function openServerStore(opts: ServerStoreOptions): Promise<ClickHouseStore> {
  checkIdentifier(opts.database, 'database');
  const common = {
    url: opts.url,
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 as const },
    // Errors reach callers translated (and the sink logs them once); the client's own log would repeat each.
    log: { level: ClickHouseLogLevel.OFF },
  };
  const bootstrap = createClient(common);
  /** When the server last started, as seen at open: a later start means it restarted since. */
  let serverStartedAtMs = 0;
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` });
    serverStartedAtMs = await serverStart(bootstrap);
  } catch (err) {
    throw translateStoreError(err, 'CREATE DATABASE');
  } finally {
    await bootstrap.close();
  }
  const client: ClickHouseClient = createClient({ ...common, database: opts.database });
  /**
   * A server that is restarting answers "table doesn't exist" (code 60) for
   * tables it has not loaded yet, and one that is shutting down answers the
   * same for tables it has already detached (its uptime still high). Such an
   * answer is an outage to wait out, not a schema error, when within a short
   * grace the server goes away, restarts, or the table is there again. Only a
   * server that stays up with the same start time and still lacks the table
   * makes it a schema error (fatal to the caller).
   */
  const graceMs = opts.unknownTableGraceMs ?? 10_000;
  const translate = async (err: unknown, sql: string) => {
    const e = translateStoreError(err, sql);
    if (e.retriable || !/\bCode: 60\b|UNKNOWN_TABLE/.test(e.message)) return e;
    const table = /Table ([A-Za-z0-9_.`]+) (?:doesn't|does not) exist/.exec(e.message)?.[1]?.replaceAll('`', '');
    const deadline = Date.now() + graceMs;
    for (;;) {
      try {
        if ((await serverStart(client)) > serverStartedAtMs + 5000) {
          return new LearnstreamError(StoreUnavailable, `server restarted: ${e.message}`, { cause: err });
        }
        if (table && identifierPath.test(table) && (await tableExists(client, table))) {
          return new LearnstreamError(StoreUnavailable, `table back after a transient miss: ${e.message}`, {
            cause: err,
          });
        }
      } catch {
        return new LearnstreamError(StoreUnavailable, `server unreachable: ${e.message}`, { cause: err });
      }
      if (Date.now() >= deadline) return e;
      await new Promise((r) => setTimeout(r, Math.min(500, Math.max(1, deadline - Date.now()))));
    }
  };
  let knowsDedupToken: Promise<boolean> | undefined;
  const dedupTokenSupported = (): Promise<boolean> =>
    (knowsDedupToken ??= store
      .version()
      .then((v) => Number.parseInt(v, 10) >= dedupTokenSince)
      .catch(() => {
        knowsDedupToken = undefined;
        return false;
      }));
  const store: ClickHouseStore = {
    engine: 'server',
    database: opts.database,
    async command(sql) {
      try {
        await client.command({ query: sql });
      } catch (err) {
        throw await translate(err, sql);
      }
    },
    async query<T>(sql: string) {
      try {
        const rs = await client.query({ query: sql, format: 'JSONEachRow' });
        return (await rs.json()) as T[];
      } catch (err) {
        throw await translate(err, sql);
      }
    },
    async insert(table, rows, insertOpts) {
      checkIdentifier(table, 'table');
      if (rows.length === 0) return;
      try {
        const settings =
          insertOpts?.dedupToken && (await dedupTokenSupported())
            ? {
                insert_deduplication_token: insertOpts.dedupToken,
                deduplicate_blocks_in_dependent_materialized_views: 1 as const,
              }
            : undefined;
        await client.insert({
          table,
          values: rows as Record<string, unknown>[],
          format: 'JSONEachRow',
          ...(insertOpts?.queryId ? { query_id: insertOpts.queryId } : {}),
          ...(settings ? { clickhouse_settings: settings } : {}),
        });
      } catch (err) {
        throw await translate(err, `INSERT INTO ${table}`);
      }
    },
    async ping() {
      const r = await client.ping();
      return r.success;
    },
    async version() {
      const rows = await store.query<{ v: string }>('SELECT version() AS v');
      return rows[0]?.v ?? 'unknown';
    },
    async close() {
      await client.close();
    },
  };
  return store;
}

/** Whether a table exists (the name is checked against identifierPath by the caller). */
async function tableExists(client: ClickHouseClient, table: string): Promise<boolean> {
  const rs = await client.query({ query: `EXISTS TABLE ${table}`, format: 'JSONEachRow' });
  const [row] = (await rs.json()) as { result: number | string }[];
  return Number(row?.result ?? 0) === 1;
}

/** Wall-clock ms at which the server (re)started, from its uptime. */
async function serverStart(client: ClickHouseClient): Promise<number> {
  const rs = await client.query({ query: 'SELECT uptime() AS u', format: 'JSONEachRow' });
  const [row] = (await rs.json()) as { u: number | string }[];
  return Date.now() - Number(row?.u ?? 0) * 1000;
}

interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
  insert(p: { table: string; values: string; format: 'JSONEachRow' }): Promise<unknown>;
  close(): void;
}

/**
 * chdb allows one active data directory per process, so every store on the
 * same path shares one session. Work is queued on it in order; before each
 * statement the queue switches the session to the calling store's database.
 */
interface SharedSession {
  path: string;
  session: ChdbSession;
  refs: number;
  currentDb: string | undefined;
  tail: Promise<unknown>;
}

let shared: SharedSession | undefined;

async function acquireSession(path: string): Promise<SharedSession> {
  if (shared && shared.path === path) {
    shared.refs++;
    return shared;
  }
  if (shared) {
    throw new LearnstreamError(
      StoreEngineMissing,
      `chdb allows one data directory per process: ${shared.path} is open, cannot open ${path}`,
    );
  }
  let mod: { Session: new (path?: string) => ChdbSession };
  try {
    mod = (await import('chdb')) as unknown as typeof mod;
  } catch (err) {
    throw new LearnstreamError(StoreEngineMissing, 'install the optional dependency `chdb` or set CLICKHOUSE_URL', {
      cause: err,
    });
  }
  shared = { path, session: new mod.Session(path), refs: 1, currentDb: undefined, tail: Promise.resolve() };
  return shared;
}

/** Embedded adapter: chdb runs the ClickHouse engine inside this process. */
export async function openChdbStore(opts: { path: string; database: string }): Promise<ClickHouseStore> {
  checkIdentifier(opts.database, 'database');
  const s = await acquireSession(opts.path);
  const db = opts.database;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = s.tail.then(fn, fn);
    s.tail = next.catch(() => undefined);
    return next;
  };
  const exec = async (sql: string, format?: string): Promise<string> => {
    try {
      return (await s.session.queryAsync(sql, format ? { format } : undefined)).text();
    } catch (err) {
      throw translateStoreError(err, sql);
    }
  };
  const useDb = async () => {
    if (s.currentDb !== db) {
      await exec(`USE ${db}`);
      s.currentDb = db;
    }
  };
  const run = (sql: string, format?: string) =>
    serial(async () => {
      await useDb();
      return exec(sql, format);
    });
  await serial(() => exec(`CREATE DATABASE IF NOT EXISTS ${db}`));
  let closed = false;
  const store: ClickHouseStore = {
    engine: 'chdb',
    database: db,
    async command(sql) {
      await run(sql);
    },
    async query<T>(sql: string) {
      const text = await run(sql, 'JSONEachRow');
      const out: T[] = [];
      for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as T);
      return out;
    },
    async insert(table, rows) {
      checkIdentifier(table, 'table');
      if (rows.length === 0) return;
      const payload = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
      await serial(async () => {
        try {
          await s.session.insert({ table: `${db}.${table}`, values: payload, format: 'JSONEachRow' });
        } catch (err) {
          throw translateStoreError(err, `INSERT INTO ${table}`);
        }
      });
    },
    async ping() {
      return !closed;
    },
    async version() {
      const rows = await store.query<{ v: string }>('SELECT version() AS v');
      return rows[0]?.v ?? 'unknown';
    },
    async close() {
      if (closed) return;
      closed = true;
      await s.tail.catch(() => undefined);
      s.refs--;
      if (s.refs === 0 && shared === s) {
        shared = undefined;
        s.session.close();
      }
    },
  };
  return store;
}

export interface StoreSettings {
  url?: string;
  database: string;
  username?: string;
  password?: string;
  chdbPath: string;
  requestTimeoutMs?: number;
}

/** CLICKHOUSE_URL set → server; else embedded chdb. */
export function openStore(settings: StoreSettings): Promise<ClickHouseStore> {
  return settings.url
    ? openServerStore({
        url: settings.url,
        database: settings.database,
        username: settings.username,
        password: settings.password,
        requestTimeoutMs: settings.requestTimeoutMs,
      })
    : openChdbStore({ path: settings.chdbPath, database: settings.database });
}

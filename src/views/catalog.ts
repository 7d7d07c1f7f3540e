// The topic catalog in ClickHouse: every upload is a version (topic rows, then
// the version row that makes it visible), and `catalogOf` reads the current or
// a given version for the API and the insights. Writes are idempotent: a
// version names one content forever, so a re-delivered record or a repeated
// PUT changes nothing. Reference data: no learner ids, outside retention.
import type { CatalogTopic, TopicCatalog } from '../ingest/catalog/model.js';
import { emptyCatalog } from '../ingest/catalog/model.js';
import { formatDateTime, ident, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';

export type CatalogOrigin = 'api' | 'kafka';

/** One row of topic_catalog_versions. */
export interface CatalogVersionInfo {
  tenantId: string;
  version: number;
  digest: string;
  deleted: boolean;
  topics: number;
  origin: string;
  actor: string;
  createdAtMs: number;
}

export interface CatalogWrite {
  tenantId: string;
  /** The content; absent: delete the tenant's catalog (a new, empty, deleted version). */
  topics?: readonly CatalogTopic[];
  /** Digest of `topics` (validateCatalog's); ignored for a deletion. */
  digest?: string;
  /** The version the writer names (catalog topic records do); absent: the next one (PUT). */
  version?: number;
  origin: CatalogOrigin;
  actor: string;
  atMs: number;
}

export type CatalogWriteOutcome =
  /** A new version was stored. */
  | { kind: 'created'; version: number }
  /** The content equals the current version (or there is nothing to delete): nothing stored. */
  | { kind: 'unchanged'; version: number }
  /** This exact version is already stored (a re-delivered record): nothing stored. */
  | { kind: 'duplicate'; version: number }
  /** Another content holds this version: refused. */
  | { kind: 'conflict'; version: number; message: string }
  /** Older than the tenant's current version: refused. */
  | { kind: 'stale'; version: number; current: number };

interface VersionRow {
  tenant_id: string;
  version: number | string;
  catalog_sha256: string;
  deleted: number | string;
  topics: number | string;
  origin: string;
  actor: string;
  created_at_ms: number | string;
}

interface TopicRow {
  topic_id: string;
  name: string;
  parent_id: string;
  exam_weight: number;
  prerequisites: string[];
  estimated_hours: number;
  exam_id: string;
  exam_section: string;
}

/**
 * The tenant's newest version, or the given one. Should two writers ever have
 * raced for one version, the smallest digest wins, on every reader alike.
 */
export async function catalogVersionInfo(
  store: ClickHouseStore,
  tenantId: string,
  version?: number,
): Promise<CatalogVersionInfo | undefined> {
  const which = version === undefined ? sql`` : sql` AND ${ident('version')} = ${version}`;
  const [row] = await store.query<VersionRow>(
    sql`SELECT tenant_id, version, catalog_sha256, deleted, topics, origin, actor, created_at_ms
      FROM ${ident('topic_catalog_versions')} FINAL
      WHERE ${ident('tenant_id')} = ${tenantId}${which}
      ORDER BY version DESC, catalog_sha256 ASC LIMIT 1`.text,
  );
  if (!row) return undefined;
  return {
    tenantId: row.tenant_id,
    version: Number(row.version),
    digest: row.catalog_sha256,
    deleted: Number(row.deleted) === 1,
    topics: Number(row.topics),
    origin: row.origin,
    actor: row.actor,
    createdAtMs: Number(row.created_at_ms),
  };
}

/**
 * The tenant's catalog: the current version, or `version` when given. A tenant
 * without one (never uploaded, or deleted) gets an empty catalog, in which
 * every topic is unknown (weight 0, no prerequisites); undefined only when the
 * asked-for version does not exist. Wrap it in `catalogView` for lookups.
 */
export async function catalogOf(
  store: ClickHouseStore,
  tenantId: string,
  opts: { version?: number } = {},
): Promise<TopicCatalog | undefined> {
  const info = await catalogVersionInfo(store, tenantId, opts.version);
  if (!info) return opts.version === undefined ? emptyCatalog(tenantId) : undefined;
  if (info.deleted) return { tenantId, version: info.version, deleted: true, digest: '', topics: [] };
  const rows = await store.query<TopicRow>(
    sql`SELECT topic_id, name, parent_id, exam_weight, prerequisites, estimated_hours, exam_id, exam_section
      FROM ${ident('topic_catalog_topics')} FINAL
      WHERE ${ident('tenant_id')} = ${tenantId} AND ${ident('version')} = ${info.version}
        AND ${ident('catalog_sha256')} = ${info.digest}
      ORDER BY topic_id`.text,
  );
  return {
    tenantId,
    version: info.version,
    deleted: false,
    digest: info.digest,
    topics: rows.map((r) => ({
      topicId: r.topic_id,
      name: r.name,
      parentId: r.parent_id === '' ? null : r.parent_id,
      examWeight: Number(r.exam_weight),
      prerequisites: r.prerequisites,
      estimatedHours: Number(r.estimated_hours),
      examId: r.exam_id === '' ? null : r.exam_id,
      examSection: r.exam_section === '' ? null : r.exam_section,
    })),
  };
}

// One write per tenant at a time in this process, so "read the head, write the next" does not race here.
const tenantLocks = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tenantLocks.get(key) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const settled = next.catch(() => undefined);
  tenantLocks.set(key, settled);
  void settled.then(() => {
    if (tenantLocks.get(key) === settled) tenantLocks.delete(key);
  });
  return next;
}

/** Stores a version of a tenant's catalog, or decides it is already there or refused (see the outcomes). */
export function storeCatalogVersion(store: ClickHouseStore, write: CatalogWrite): Promise<CatalogWriteOutcome> {
  return serialised(`${store.database}/${write.tenantId}`, () => storeUnlocked(store, write));
}

async function storeUnlocked(store: ClickHouseStore, write: CatalogWrite): Promise<CatalogWriteOutcome> {
  const head = await catalogVersionInfo(store, write.tenantId);
  const deleting = write.topics === undefined;
  const digest = deleting ? '' : (write.digest ?? '');
  let version: number;
  if (deleting) {
    if (!head || head.deleted) return { kind: 'unchanged', version: head?.version ?? 0 };
    version = write.version ?? head.version + 1;
  } else if (write.version === undefined) {
    if (head && !head.deleted && head.digest === digest) return { kind: 'unchanged', version: head.version };
    version = (head?.version ?? 0) + 1;
  } else {
    version = write.version;
    const existing = head?.version === version ? head : await catalogVersionInfo(store, write.tenantId, write.version);
    if (existing) {
      return !existing.deleted && existing.digest === digest
        ? { kind: 'duplicate', version }
        : {
            kind: 'conflict',
            version,
            message: `version ${version} of tenant ${write.tenantId} already holds another catalog`,
          };
    }
    if (head && version < head.version) return { kind: 'stale', version, current: head.version };
  }
  const topics = write.topics ?? [];
  if (topics.length > 0) {
    await store.insert(
      'topic_catalog_topics',
      topics.map((t) => ({
        tenant_id: write.tenantId,
        version,
        catalog_sha256: digest,
        topic_id: t.topicId,
        name: t.name,
        parent_id: t.parentId ?? '',
        exam_weight: t.examWeight,
        prerequisites: t.prerequisites,
        estimated_hours: t.estimatedHours,
        exam_id: t.examId ?? '',
        exam_section: t.examSection ?? '',
      })),
    );
  }
  await store.insert('topic_catalog_versions', [
    {
      tenant_id: write.tenantId,
      version,
      catalog_sha256: digest,
      deleted: deleting ? 1 : 0,
      topics: topics.length,
      origin: write.origin,
      actor: write.actor,
      created_at: formatDateTime(new Date(write.atMs)),
      created_at_ms: write.atMs,
    },
  ]);
  // Another process may have written the same version meanwhile: the smallest digest is the version.
  const landed = await catalogVersionInfo(store, write.tenantId, version);
  if (landed && landed.digest !== digest) {
    return {
      kind: 'conflict',
      version,
      message: `another writer stored version ${version} of tenant ${write.tenantId} at the same time; send again`,
    };
  }
  return { kind: 'created', version };
}

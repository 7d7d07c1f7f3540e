// The topic catalog's storage on both engines: versions, idempotent re-writes,
// conflicts and stale versions refused, deletion, reading a given version, and
// the defaults for unknown topics through catalogView.
import { expect, it } from 'vitest';
import { catalogView, validateCatalog } from '../../../src/ingest/catalog/index.js';
import { catalogOf, catalogVersionInfo, runMigrations, storeCatalogVersion } from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';

const at = Date.UTC(2026, 10, 2, 9);

function catalog(topics: unknown[]) {
  const r = validateCatalog(topics);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return { topics: r.topics, digest: r.digest };
}

const v1 = catalog([
  { topicId: 'math', name: 'Mathematics' },
  { topicId: 'algebra', parentId: 'math', examWeight: 8, estimatedHours: 12, examId: 'sat', examSection: 'no-calc' },
  { topicId: 'graphs', parentId: 'math', examWeight: 3, prerequisites: ['algebra'] },
]);
const v2 = catalog([{ topicId: 'math' }, { topicId: 'geometry', parentId: 'math', examWeight: 5 }]);

forEachStore('topic catalog storage', ({ newStore }) => {
  it('versions per tenant; the same content again changes nothing; a given version stays readable', async () => {
    const store = await newStore();
    await runMigrations(store);
    const put = (c: typeof v1, atMs = at) =>
      storeCatalogVersion(store, { tenantId: 'acme', ...c, origin: 'api', actor: 'staff-1', atMs });
    expect(await catalogOf(store, 'acme')).toEqual({
      tenantId: 'acme',
      version: 0,
      deleted: false,
      digest: '',
      topics: [],
    });
    expect(await put(v1)).toEqual({ kind: 'created', version: 1 });
    expect(await put(v1)).toEqual({ kind: 'unchanged', version: 1 });
    expect(await put(v2, at + 1000)).toEqual({ kind: 'created', version: 2 });
    // Another tenant has its own numbering.
    expect(
      await storeCatalogVersion(store, { tenantId: 'globex', ...v2, origin: 'api', actor: 'a', atMs: at }),
    ).toEqual({ kind: 'created', version: 1 });

    const current = await catalogOf(store, 'acme');
    expect(current?.version).toBe(2);
    expect(current?.topics.map((t) => t.topicId)).toEqual(['geometry', 'math']);
    const first = await catalogOf(store, 'acme', { version: 1 });
    expect(first?.topics).toEqual(v1.topics);
    expect(first?.digest).toBe(v1.digest);
    expect(await catalogOf(store, 'acme', { version: 3 })).toBeUndefined();
    expect(await catalogVersionInfo(store, 'acme', 1)).toEqual({
      tenantId: 'acme',
      version: 1,
      digest: v1.digest,
      deleted: false,
      topics: 3,
      origin: 'api',
      actor: 'staff-1',
      createdAtMs: at,
    });

    const view = catalogView(first!);
    expect(view.topic('algebra')).toMatchObject({
      known: true,
      examWeightNorm: 0.8,
      prerequisiteImpact: 1 / 3,
      examSection: 'no-calc',
    });
    expect(view.topic('statistics')).toMatchObject({ known: false, examWeight: 0, prerequisites: [] });
  });

  it('named versions (catalog topic): a re-delivery is a duplicate, other content a conflict, older stale', async () => {
    const store = await newStore();
    await runMigrations(store);
    const send = (version: number, c: typeof v1) =>
      storeCatalogVersion(store, { tenantId: 'acme', version, ...c, origin: 'kafka', actor: 't/0/5', atMs: at });
    expect(await send(5, v1)).toEqual({ kind: 'created', version: 5 });
    expect(await send(5, v1)).toEqual({ kind: 'duplicate', version: 5 });
    expect(await send(5, v2)).toEqual({
      kind: 'conflict',
      version: 5,
      message: 'version 5 of tenant acme already holds another catalog',
    });
    expect(await send(4, v2)).toEqual({ kind: 'stale', version: 4, current: 5 });
    expect(await send(7, v2)).toEqual({ kind: 'created', version: 7 });
    // Re-delivery of an older record after a newer one: still a duplicate, the current stays 7.
    expect(await send(5, v1)).toEqual({ kind: 'duplicate', version: 5 });
    expect((await catalogOf(store, 'acme'))?.version).toBe(7);
    // Exactly one version row and one set of topic rows per version, however often written.
    const rows = await store.query<{ version: number; n: number }>(
      "SELECT version, count() AS n FROM topic_catalog_topics FINAL WHERE tenant_id = 'acme' GROUP BY version ORDER BY version",
    );
    expect(rows.map((r) => [Number(r.version), Number(r.n)])).toEqual([
      [5, 3],
      [7, 2],
    ]);
  });

  it('a deletion is a new empty version; deleting again or with nothing there changes nothing', async () => {
    const store = await newStore();
    await runMigrations(store);
    const del = () => storeCatalogVersion(store, { tenantId: 'acme', origin: 'kafka', actor: 't/0/9', atMs: at });
    expect(await del()).toEqual({ kind: 'unchanged', version: 0 });
    await storeCatalogVersion(store, { tenantId: 'acme', ...v1, origin: 'api', actor: 's', atMs: at });
    expect(await del()).toEqual({ kind: 'created', version: 2 });
    expect(await del()).toEqual({ kind: 'unchanged', version: 2 });
    expect(await catalogOf(store, 'acme')).toEqual({
      tenantId: 'acme',
      version: 2,
      deleted: true,
      digest: '',
      topics: [],
    });
    // After a deletion the same content as before is a new version.
    expect(await storeCatalogVersion(store, { tenantId: 'acme', ...v1, origin: 'api', actor: 's', atMs: at })).toEqual({
      kind: 'created',
      version: 3,
    });
  });

  it('hostile names and tenant text are data: quotes, backslashes, newlines round-trip', async () => {
    const store = await newStore();
    await runMigrations(store);
    const hostile = catalog([
      { topicId: 'x--', name: "Robert'); DROP TABLE topic_catalog_topics;--\n\\" },
      { topicId: '__proto__', parentId: 'x--', prerequisites: ['x--'] },
    ]);
    await storeCatalogVersion(store, { tenantId: "t'1", ...hostile, origin: 'api', actor: "a'b", atMs: at });
    expect((await catalogOf(store, "t'1"))?.topics).toEqual(hostile.topics);
  });
});

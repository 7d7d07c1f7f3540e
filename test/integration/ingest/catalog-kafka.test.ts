// The catalog topic on a real broker and ClickHouse server: catalogs produced
// to the compacted topic land as versions, a re-sent version is a no-op, a
// tombstone deletes, and bad records (garbage bytes, a conflicting version, a
// key of another tenant) are dead-lettered — topic and dead_letters table — while the next good
// record still lands. The PUT route's publisher goes through the same topic.
import { afterAll, describe, expect, it } from 'vitest';
import { type CatalogFeed, createCatalogFeed } from '../../../src/engine/catalog-feed.js';
import { encodeCatalogValue, validateCatalog } from '../../../src/ingest/catalog/index.js';
import { createKafkajsClient } from '../../../src/ingest/index.js';
import { type ClickHouseStore, catalogOf, catalogVersionInfo, runMigrations } from '../../../src/views/index.js';
import { openTestStore, testServices, uniqueName, waitFor } from '../../support/index.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

function topics(input: unknown[]) {
  const r = validateCatalog(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.topics;
}

const acmeV1 = topics([{ topicId: 'math' }, { topicId: 'algebra', parentId: 'math', examWeight: 8 }]);
const acmeV2 = topics([
  { topicId: 'math' },
  { topicId: 'algebra', parentId: 'math', examWeight: 8 },
  { topicId: 'geometry', parentId: 'math', examWeight: 4, prerequisites: ['algebra'], estimatedHours: 6 },
]);
const globexV1 = topics([{ topicId: 'reading', examWeight: 2 }]);
const globexOther = topics([{ topicId: 'writing', examWeight: 3 }]);

describe('catalog topic → ClickHouse (real broker and server)', () => {
  const kafka = testKafka();
  let store: ClickHouseStore | undefined;
  let feed: CatalogFeed | undefined;
  afterAll(async () => {
    await feed?.stop();
    await store?.close();
  });

  it('stores each version once, deletes on a tombstone, dead-letters bad records and keeps going', async () => {
    store = await openTestStore('server');
    await runMigrations(store);
    const topic = await createTopic(kafka, 'catalog', 1, [{ name: 'cleanup.policy', value: 'compact' }]);
    const deadLetterTopic = await createTopic(kafka, 'catalog_dlq', 1);
    const client = createKafkajsClient({ brokers: testServices().kafkaBrokers, clientId: 'catalog-test' });
    feed = createCatalogFeed({
      client,
      store,
      topic,
      groupId: uniqueName('catalog_group'),
      deadLetterTopic,
      pseudonymSecret: 'catalog-test-secret-0123456789',
      maxTopics: 100,
      deployment: 'catalog-test',
      instanceId: 'test-instance',
    });
    await feed.source.start();

    const value = (tenantId: string, version: number, t: typeof acmeV1) =>
      encodeCatalogValue({ tenantId, version, topics: t });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'acme', value: value('acme', 1, acmeV1) }, // offset 0: acme v1
        { key: 'acme', value: Buffer.from('not an avro record') }, // 1: garbage → unknown_format
        { key: 'acme', value: value('acme', 2, acmeV2) }, // 2: acme v2 lands after the bad one
        { key: 'globex', value: value('globex', 1, globexV1) }, // 3: globex v1
        { key: 'globex', value: value('globex', 1, globexOther) }, // 4: other content, same version → conflict
        { key: 'acme', value: value('acme', 1, acmeV1) }, // 5: re-sent v1 → duplicate, no effect
        { key: 'globex', value: null }, // 6: tombstone → globex v2, deleted
        { key: 'acme', value: value('initech', 1, globexV1) }, // 7: key of another tenant → invalid_key
      ],
    });
    await producer.disconnect();

    const s = store;
    await waitFor(async () => (await catalogVersionInfo(s, 'globex'))?.deleted, {
      message: 'globex catalog deleted',
      timeoutMs: 60_000,
    });
    const acme = await catalogOf(s, 'acme');
    expect(acme?.version).toBe(2);
    expect(acme?.topics).toEqual(acmeV2);
    expect((await catalogOf(s, 'acme', { version: 1 }))?.topics).toEqual(acmeV1);
    expect(await catalogOf(s, 'globex')).toEqual({
      tenantId: 'globex',
      version: 2,
      deleted: true,
      digest: '',
      topics: [],
    });
    expect((await catalogOf(s, 'globex', { version: 1 }))?.topics).toEqual(globexV1);
    expect((await catalogVersionInfo(s, 'acme', 2))?.actor).toBe(`${topic}/0/2`);
    expect((await catalogVersionInfo(s, 'acme', 2))?.origin).toBe('kafka');
    expect((await catalogOf(s, 'initech'))?.version).toBe(0);

    // Three dead letters, in order, with reason and source offset.
    const dead = await readTopic(kafka, deadLetterTopic, 3);
    expect(dead.map((m) => [m.headers.reason, m.headers.source_topic, m.headers.source_offset])).toEqual([
      ['unknown_format', topic, '1'],
      ['catalog_version_conflict', topic, '4'],
      ['invalid_key', topic, '7'],
    ]);
    const payload = JSON.parse(String(dead[0]?.value));
    expect(Buffer.from(payload.value_base64, 'base64').toString()).toBe('not an avro record');
    expect(JSON.parse(String(dead[1]?.value)).message).toBe('version 1 of tenant globex already holds another catalog');
    const rows = await waitFor(async () => {
      const r = await s.query<{ reason: string; topic: string; source_offset: number }>(
        `SELECT reason, topic, source_offset FROM dead_letters ORDER BY source_offset`,
      );
      return r.length === 3 ? r : undefined;
    });
    expect(rows.map((r) => [r.reason, r.topic, Number(r.source_offset)])).toEqual([
      ['unknown_format', topic, 1],
      ['catalog_version_conflict', topic, 4],
      ['invalid_key', topic, 7],
    ]);

    // The PUT route's publisher: a version published to the topic comes back as a stored version.
    await feed.publish({ tenantId: 'initech', version: 4, topics: acmeV1 });
    await waitFor(async () => (await catalogOf(s, 'initech'))?.version === 4, { message: 'initech v4 stored' });
    expect((await catalogOf(s, 'initech'))?.topics).toEqual(acmeV1);
  }, 120_000);
});

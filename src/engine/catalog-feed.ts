// Wires the topic catalog's two doors to its one store: records of the catalog
// topic (ingest's catalog source) become versions in ClickHouse (views), and
// versions stored through the API are published to the topic, so the topic
// mirrors every tenant's current catalog. ClickHouse is the source of truth
// for reads; (tenant, version) names one content, so either path may deliver
// a version twice without effect. Kafka mode only.
import type { CatalogPublisher } from '../api/routes/catalog.js';
import type { BrokerClient, BrokerProducer } from '../ingest/broker.js';
import {
  type CatalogApplyResult,
  type CatalogSource,
  createCatalogSource,
  encodeCatalogValue,
} from '../ingest/catalog/index.js';
import { deadLetterRecord } from '../ingest/dead-letter.js';
import { reject } from '../ingest/rejection.js';
import { storeCatalogVersion } from '../views/catalog.js';
import type { ClickHouseStore } from '../views/store.js';
import { writeDeadLetters } from '../views/writers.js';

export interface CatalogFeedOptions {
  client: BrokerClient;
  store: ClickHouseStore;
  topic: string;
  /** The engine's group id; the feed consumes in `<groupId>.catalog`. */
  groupId: string;
  deadLetterTopic: string;
  pseudonymSecret: string;
  maxTopics: number;
  /** Deployment and instance, stamped on the feed's dead_letters rows. */
  deployment: string;
  instanceId: string;
  now?: () => number;
}

export interface CatalogFeed {
  source: CatalogSource;
  /** For the PUT route: publishes a stored version to the catalog topic. */
  publish: CatalogPublisher;
  stop(): Promise<void>;
}

export function createCatalogFeed(opts: CatalogFeedOptions): CatalogFeed {
  const now = opts.now ?? Date.now;
  const source = createCatalogSource({
    client: opts.client,
    topic: opts.topic,
    groupId: `${opts.groupId}.catalog`,
    deadLetterTopic: opts.deadLetterTopic,
    pseudonymSecret: opts.pseudonymSecret,
    limits: { maxTopics: opts.maxTopics },
    async apply(update, origin): Promise<CatalogApplyResult> {
      const outcome = await storeCatalogVersion(opts.store, {
        tenantId: update.tenantId,
        ...(update.kind === 'upsert' ? { topics: update.topics, digest: update.digest, version: update.version } : {}),
        origin: 'kafka',
        actor: `${origin.topic}/${origin.partition}/${origin.offset}`,
        atMs: now(),
      });
      switch (outcome.kind) {
        case 'created':
        case 'unchanged':
        case 'duplicate':
          return { ok: true, outcome: outcome.kind };
        case 'conflict':
          return reject('catalog_version_conflict', outcome.message, 'version');
        case 'stale':
          return reject(
            'stale_catalog_version',
            `version ${outcome.version} is older than the current version ${outcome.current}`,
            'version',
          );
      }
    },
    onDeadLetters: (payloads) =>
      writeDeadLetters(
        opts.store,
        payloads.map((p) => deadLetterRecord(p)),
        () => ({ deployment: opts.deployment, topic: opts.topic, epoch: 0, owner: opts.instanceId }),
      ),
  });
  let producer: BrokerProducer | undefined;
  let connecting: Promise<void> | undefined;
  return {
    source,
    async publish(catalog) {
      producer ??= opts.client.producer({ idempotent: true });
      const p = producer;
      connecting ??= p.connect().catch((err) => {
        connecting = undefined;
        throw err;
      });
      await connecting;
      await p.send(opts.topic, [{ key: catalog.tenantId, value: encodeCatalogValue(catalog) }]);
    },
    async stop() {
      await source.stop();
      if (connecting) await producer?.disconnect();
    },
  };
}

// The engine reads what its configuration says: with Confluent schema ids set
// (LEARNSTREAM_INGEST_CONFLUENT_SCHEMA_IDS), Confluent-framed records of both
// envelope versions are decoded and windowed, and a record with an unknown
// schema id is rejected with its reason — the pipeline carries on.
import kafkajs from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { createEventProducer, pseudonymize } from '../../src/ingest/index.js';
import { createKafkajsClient } from '../../src/ingest/kafkajs-broker.js';
import { activityEvent, questionAttemptEvent } from '../../src/processors/index.js';
import { type ClickHouseStore, openServerStore } from '../../src/views/index.js';
import { type EngineProcess, spawnEngine } from '../support/engine-process.js';
import { testServices, uniqueName, waitFor } from '../support/index.js';

const SECRET = 'e2e-confluent-secret-0123456789-abcdef';
const services = testServices();
let engine: EngineProcess | undefined;
let store: ClickHouseStore | undefined;

afterAll(async () => {
  await engine?.stop();
  await store?.command(`DROP DATABASE IF EXISTS ${store.database}`).catch(() => undefined);
  await store?.close();
});

it('decodes Confluent-framed records by the configured ids and rejects an unknown id', async () => {
  const topic = uniqueName('e2e_confluent');
  const admin = createKafkajsClient({ brokers: services.kafkaBrokers, clientId: 'e2e-confluent' }).admin();
  await admin.connect();
  await admin.ensureTopic(topic, 1);
  await admin.disconnect();
  store = await openServerStore({ url: services.clickhouseUrl, database: uniqueName('e2e_confluent') });
  engine = await spawnEngine({
    LEARNSTREAM_SOURCE_KIND: 'kafka',
    KAFKA_BROKERS: services.kafkaBrokers.join(','),
    LEARNSTREAM_KAFKA_TOPIC: topic,
    LEARNSTREAM_KAFKA_GROUP_ID: uniqueName('confluent_group'),
    LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC: `${topic}_dlq`,
    CLICKHOUSE_URL: services.clickhouseUrl,
    LEARNSTREAM_CLICKHOUSE_DATABASE: store.database,
    LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: SECRET,
    LEARNSTREAM_INGEST_CONFLUENT_SCHEMA_IDS: '17=1,18=2',
    LEARNSTREAM_ENGINE_TICK_INTERVAL_MS: '1000',
    LEARNSTREAM_ENGINE_CHECKPOINT_INTERVAL_MS: '300',
    LEARNSTREAM_VIEWS_SINK_FLUSH_INTERVAL_MS: '200',
  });

  // One learner, three events within 20 minutes: one session of three events.
  const t0 = Date.UTC(2026, 9, 5, 9, 0, 0);
  const who = { tenantId: 'tenant-c', learnerId: 'learner-7' };
  const events = [
    activityEvent(t0, who),
    questionAttemptEvent(t0 + 5 * 60_000, who, { topicIds: ['ratios'], correct: true }),
    activityEvent(t0 + 20 * 60_000, who),
  ].map((e) => ({ ...e, receivedAt: e.occurredAt, source: 'e2e' }));
  const confluentIds = new Map([
    [17, 1],
    [18, 2],
  ]);
  for (const version of [1, 2]) {
    const producer = createEventProducer({
      brokers: services.kafkaBrokers,
      topic,
      wireFormat: 'confluent',
      schemaVersion: version,
      codec: { confluentSchemaIds: confluentIds },
    });
    await producer.connect();
    const batch = version === 1 ? events.slice(0, 2) : events.slice(2);
    const sent = await producer.send(batch);
    expect(sent.every((r) => r.ok)).toBe(true);
    await producer.disconnect();
  }
  // A Confluent frame whose schema id (99) no configured version has.
  const raw = new kafkajs.Kafka({ brokers: services.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
  await raw.connect();
  await raw.send({ topic, messages: [{ key: 'x', value: Buffer.from([0, 0, 0, 0, 99, 2, 4, 6]) }] });
  await raw.disconnect();

  const pseudonym = pseudonymize(SECRET, who.tenantId, who.learnerId);
  const rows = await waitFor(
    async () => {
      const r = await store?.query<{ learner_id: string; event_count: number; question_attempts: number }>(
        'SELECT learner_id, event_count, question_attempts FROM sessions',
      );
      return r && r.length > 0 ? r : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, message: 'the session reaches ClickHouse' },
  );
  expect(
    rows.map((r) => ({ ...r, event_count: Number(r.event_count), question_attempts: Number(r.question_attempts) })),
  ).toEqual([{ learner_id: pseudonym, event_count: 3, question_attempts: 1 }]);
  // A wall-clock tick may close the session before the unknown-id record (appended after the
  // events) is read, so the rejection is awaited rather than assumed to have happened already.
  const running = engine;
  const rejected = /^learnstream_source_records_rejected_total\{reason="unknown_schema_id"\} (\d+)$/m;
  const metrics = await waitFor(
    async () => {
      const text = await (await fetch(`${running.baseUrl}/metrics`)).text();
      return rejected.test(text) ? text : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, message: 'the unknown schema id is counted as rejected' },
  );
  expect(metrics).toMatch(/^learnstream_source_records_rejected_total\{reason="unknown_schema_id"\} 1$/m);
});

// A batch the engine refuses (it seeks back: an assignment still restoring, a gap)
// is read again, and its rejected records are decoded again. The rejection
// metric counts records, not reads: a corrupt record read three times is one
// rejection. (Seen in CI: a startup refusal made one unknown schema id count 2.)
import { afterAll, expect, it } from 'vitest';
import { metricsRegistry } from '../../../src/core/metrics.js';
import { createKafkajsClient, createKafkaSource, type EventSource } from '../../../src/ingest/index.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import { createTopic, testKafka } from './kafka-helpers.js';

async function rejected(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('learnstream_source_records_rejected_total')?.get();
  return (metric?.values ?? []).reduce((s, v) => s + v.value, 0);
}

let source: EventSource | undefined;
afterAll(async () => {
  await source?.stop();
});

it('counts a rejected record once however often a refused batch is read again', async () => {
  const kafka = testKafka();
  const brokers = testServices().kafkaBrokers;
  const topic = await createTopic(kafka, 'ingest_reread', 1);
  const deadLetterTopic = await createTopic(kafka, 'ingest_reread_dlq', 1);
  const producer = createKafkajsClient({ brokers, clientId: 'reread-producer' }).producer({ idempotent: true });
  await producer.connect();
  // Two records no decoder reads: an empty Avro frame and three bytes of nothing known.
  await producer.send(topic, [
    { key: 'a', value: Buffer.from([0, 0, 0, 0, 99, 2]) },
    { key: 'b', value: Buffer.from([0xff, 0xfe, 0xfd]) },
  ]);
  await producer.disconnect();

  const before = await rejected();
  let reads = 0;
  let accepted = false;
  source = createKafkaSource({
    brokers,
    clientId: 'reread-test',
    topic,
    groupId: uniqueName('reread_group'),
    deadLetterTopic,
    pseudonymSecret: 'reread-test-secret',
  });
  const running = source;
  await running.run({
    onBatch: async (b) => {
      reads++;
      // The first two reads are refused, as the pipeline refuses a batch it cannot apply yet.
      if (reads <= 2) {
        await running.seek(b.partition, b.firstOffset ?? '0');
        return false;
      }
      accepted = true;
      return true;
    },
  });
  await waitFor(() => accepted, { timeoutMs: 45_000, message: 'the batch is accepted on its third read' });
  expect(reads).toBe(3);
  expect((await rejected()) - before).toBe(2);
});

// Test-side Kafka access for the ingest integration tests: topic creation and
// reading a topic back with a plain kafkajs consumer (no learnstream code), so
// what the tests check is what really is on the broker.
import kafkajs from 'kafkajs';
import { testServices, uniqueName, waitFor } from '../../support/index.js';

const { Kafka, logLevel } = kafkajs;

export interface ReadMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker timestamp, epoch ms as a decimal string. */
  timestamp: string;
}

export function testKafka(): kafkajs.Kafka {
  return new Kafka({ clientId: 'ingest-test', brokers: testServices().kafkaBrokers, logLevel: logLevel.NOTHING });
}

export async function createTopic(
  kafka: kafkajs.Kafka,
  prefix: string,
  partitions: number,
  configEntries: { name: string; value: string }[] = [],
): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

/** Reads `topic` from the beginning until `count` messages arrived. */
export async function readTopic(
  kafka: kafkajs.Kafka,
  topic: string,
  count: number,
  timeoutMs = 45_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const got: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
      got.push({
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers,
        timestamp: message.timestamp,
      });
    },
  });
  try {
    await waitFor(() => got.length >= count, {
      timeoutMs,
      message: `${count} messages on ${topic} (got ${got.length})`,
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

// Proves the Kafka broker is real: topics are created, an idempotent producer
// writes, and a consumer group reads everything back and commits its offsets.
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { testServices, uniqueName, waitFor } from '../support/index.js';

const { Kafka, logLevel } = kafkajs;

describe('Kafka broker (real)', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: testServices().kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const groupId = uniqueName('smoke_group');
  const consumer = kafka.consumer({ groupId });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('round-trips messages through a consumer group on a 3-partition topic', async () => {
    const topic = uniqueName('smoke');
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions).toHaveLength(3);

    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `learner-${i % 7}`, value: `event-${i}` }));
    await producer.send({ topic, messages: sent });

    const received: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({ key: String(message.key), value: String(message.value), partition });
      },
    });
    await waitFor(() => received.length === sent.length, { message: 'all 30 messages consumed' });
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((s) => s.value).sort());
    // Same key, same partition: what keeps one learner's events in order.
    const partitionOfKey = new Map<string, Set<number>>();
    for (const r of received) partitionOfKey.set(r.key, (partitionOfKey.get(r.key) ?? new Set()).add(r.partition));
    for (const parts of partitionOfKey.values()) expect(parts.size).toBe(1);

    // The group's committed offsets reach the end of every partition.
    const ends = await admin.fetchTopicOffsets(topic);
    await waitFor(
      async () => {
        const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
        const byPartition = new Map(committed[0]?.partitions.map((p) => [p.partition, p.offset]));
        return ends.every((e) => e.high === '0' || byPartition.get(e.partition) === e.high);
      },
      { message: 'offsets committed' },
    );
  });
});

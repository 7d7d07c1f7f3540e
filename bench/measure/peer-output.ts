// The output topics of a Java peer and when its last result became durable:
// one-partition topics with broker append time (LogAppendTime), so the
// timestamp of a topic's last record is the moment the broker wrote it.
import type { Admin, Kafka } from 'kafkajs';

/** Creates the peer's output topics (one partition, LogAppendTime). */
export async function createOutputTopics(admin: Admin, topics: string[]): Promise<void> {
  await admin.createTopics({
    topics: topics.map((topic) => ({
      topic,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
    })),
  });
}

/** Log end offset of each one-partition topic: its record count. */
export async function topicEnds(admin: Admin, topics: string[]): Promise<number[]> {
  return Promise.all(topics.map(async (t) => Number((await admin.fetchTopicOffsets(t))[0]?.high ?? 0)));
}

/** The broker's append time of the last record of a one-partition topic (0 when empty). */
export async function lastAppendTime(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic))[0]?.high ?? 0);
  await admin.disconnect();
  if (high === 0) return 0;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let latest = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) latest = Math.max(latest, Number(m.timestamp));
      if (Number(batch.lastOffset()) + 1 >= high) done();
    },
  });
  await finished;
  await consumer.disconnect();
  return latest;
}

/** The latest append time over the peer's output topics: when its last result was durable. */
export async function lastResultDurableMs(kafka: Kafka, topics: string[]): Promise<number> {
  return Math.max(...(await Promise.all(topics.map((t) => lastAppendTime(kafka, t)))));
}

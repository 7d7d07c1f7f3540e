// Step 1 of a run: the simulator's events, encoded as the producer library
// encodes them (Avro single-object, keyed tenant/learner, murmur2 partition),
// produced into a fresh multi-partition topic before any timing starts. Each
// partition ends with one watermark tick far past the data, so every engine
// under test can close its last windows and "complete" has a meaning.
import { Kafka, logLevel } from 'kafkajs';
import { createEventCodec, partitionOf } from '../src/ingest/index.js';
import { kafkaMessages, simulateCount } from '../src/ingest/simulator/index.js';
import { tickMessage } from '../src/ingest/tick.js';

export interface BenchTopic {
  topic: string;
  partitions: number;
  /** Event records (excluding the ticks). */
  events: number;
  /** Records in the topic: events plus one tick per partition. */
  records: number;
  bytes: number;
  /** Log end offset per partition, after the ticks. */
  endOffsets: number[];
  firstEventMs: number;
  lastEventMs: number;
  tickAtMs: number;
  learners: number;
  produceSeconds: number;
}

const DAY = 86_400_000;
const chunk = 5000;

export function kafkaClient(brokers: string[], clientId: string): Kafka {
  return new Kafka({ brokers, clientId, logLevel: logLevel.NOTHING });
}

export async function produceBenchTopic(
  brokers: string[],
  /** `pseudonymSecret`: the ticks are signed with it, so the engine under test must run with it. */
  opts: { topic: string; partitions: number; events: number; seed: number; pseudonymSecret: string },
  progress: (msg: string) => void,
): Promise<BenchTopic> {
  const t0 = performance.now();
  const kafka = kafkaClient(brokers, 'learnstream-bench-producer');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: opts.topic, numPartitions: opts.partitions, replicationFactor: 1 }] });
  const records = simulateCount({ seed: opts.seed, events: opts.events, outOfOrderShare: 0.03, lateShare: 0.01 });
  const learners = new Set(records.map((r) => `${r.event.tenantId}/${r.event.learnerId}`)).size;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    first = Math.min(first, r.event.occurredAt);
    last = Math.max(last, r.event.occurredAt);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const codec = createEventCodec();
  let bytes = 0;
  for (let i = 0; i < records.length; i += chunk) {
    const messages = kafkaMessages(records.slice(i, i + chunk), codec).map((m) => {
      bytes += m.key.length + m.value.length;
      return { key: m.key, value: m.value, partition: partitionOf(m.key, opts.partitions) };
    });
    await producer.send({ topic: opts.topic, messages, acks: -1 });
    if ((i / chunk) % 40 === 0) progress(`produced ${Math.min(records.length, i + chunk)}/${records.length} events`);
  }
  // Far enough past the data to close every session, day and ISO week.
  const tickAtMs = last + 15 * DAY;
  // Signed as the engine signs its ticks, with the secret the engine children are given.
  const secret = opts.pseudonymSecret;
  await producer.send({
    topic: opts.topic,
    acks: -1,
    // Keyed, so a keyed-windows consumer (the Kafka Streams peer) sees them; the header makes them ticks.
    messages: Array.from({ length: opts.partitions }, (_, partition) => ({
      partition,
      key: `__tick__/${partition}`,
      ...tickMessage(tickAtMs, { secret, topic: opts.topic, partition }),
    })),
  });
  await producer.disconnect();
  const offsets = await admin.fetchTopicOffsets(opts.topic);
  await admin.disconnect();
  const endOffsets = Array.from({ length: opts.partitions }, (_, p) =>
    Number(offsets.find((o) => o.partition === p)?.high ?? 0),
  );
  return {
    topic: opts.topic,
    partitions: opts.partitions,
    events: records.length,
    records: records.length + opts.partitions,
    bytes,
    endOffsets,
    firstEventMs: first,
    lastEventMs: last,
    tickAtMs,
    learners,
    produceSeconds: (performance.now() - t0) / 1000,
  };
}

/** Committed offsets of `groupId` on `topic`, per partition (−1 when none). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((res?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

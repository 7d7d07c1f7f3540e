// The kafkajs adapter of the Kafka port (broker.ts): idempotent producer with
// per-message partition/offset results, an eachBatch consumer with manual
// commits, and the admin calls lag needs. kafkajs errors are wrapped here.
import kafkajs from 'kafkajs';
import { LearnstreamError } from '../core/errors.js';
import { componentLogger } from '../core/logger.js';
import type {
  BrokerAdmin,
  BrokerClient,
  BrokerConsumer,
  BrokerProducer,
  DeliveredAt,
  FetchedRecord,
  HeaderValue,
  OutgoingMessage,
} from './broker.js';
import { KafkaUnavailable } from './errors.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

export interface KafkajsClientOptions {
  brokers: string[];
  clientId: string;
  /** Extra kafkajs settings (ssl, sasl, retry, ...). */
  kafkaConfig?: Partial<kafkajs.KafkaConfig>;
  /**
   * Consumer group session timeout: how soon the group gives a crashed
   * member's partitions to the others. @default 10000
   */
  sessionTimeoutMs?: number;
}

function wrap(err: unknown, what: string): LearnstreamError {
  if (err instanceof LearnstreamError) return err;
  return new LearnstreamError(KafkaUnavailable, `${what}: ${(err as Error).message}`, {
    cause: err,
    retriable: isRetriableKafkaError(err),
  });
}

/** Broker answers no retry can change: credentials, permissions, configuration. */
const fatalKafkaTypes = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_CONFIG',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);
const fatalKafkaNames = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSInvalidTopic']);

/**
 * kafkajs marks an error non-retriable once its own retries are exhausted
 * (KafkaJSNumberOfRetriesExceeded), even when the cause is a broker that is
 * merely restarting (ECONNREFUSED) or a rebalance in progress. For the engine
 * those are outages to outlast; only credentials, permissions and
 * configuration are fatal. Walks `originalError` / `cause` to the root.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err as Record<string, unknown> | undefined; e && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    if (fatalKafkaNames.has(String(e.name)) || fatalKafkaTypes.has(String(e.type))) return false;
    e = (e.originalError ?? e.cause) as Record<string, unknown> | undefined;
  }
  return true;
}

function kafkajsLogger() {
  const log = componentLogger('kafkajs');
  return () =>
    ({ level, log: entry }: kafkajs.LogEntry) => {
      const { message, ...rest } = entry;
      if (level === logLevel.ERROR) log.error(rest, message);
      else if (level === logLevel.WARN) log.warn(rest, message);
      else log.debug(rest, message);
    };
}

export function createKafkajsClient(opts: KafkajsClientOptions): BrokerClient {
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogger(),
    ...opts.kafkaConfig,
  });

  return {
    producer(o = {}) {
      return kafkajsProducer(kafka, o.idempotent ?? true);
    },
    consumer(o) {
      return kafkajsConsumer(kafka, o.groupId, opts.sessionTimeoutMs ?? 10_000);
    },
    admin() {
      return kafkajsAdmin(kafka);
    },
  };
}

function kafkajsProducer(kafka: kafkajs.Kafka, idempotent: boolean): BrokerProducer {
  // The default (murmur2) partitioner, observed: kafkajs reports offsets per
  // partition only, so remember where each message object went.
  const placed = new WeakMap<object, number>();
  const producer = kafka.producer({
    idempotent,
    maxInFlightRequests: idempotent ? 1 : undefined,
    createPartitioner: () => {
      const inner = Partitioners.DefaultPartitioner();
      return (args) => {
        const p = inner(args);
        placed.set(args.message, p);
        return p;
      };
    },
  });
  return {
    async connect() {
      await producer.connect().catch((err) => {
        throw wrap(err, 'producer connect');
      });
    },
    async send(topic, messages) {
      const kmessages = messages.map((m: OutgoingMessage) => ({
        key: m.key ?? null,
        value: m.value,
        headers: m.headers,
        partition: m.partition,
      }));
      let meta: kafkajs.RecordMetadata[];
      try {
        meta = await producer.send({ topic, messages: kmessages, acks: -1 });
      } catch (err) {
        throw wrap(err, `produce to ${topic}`);
      }
      const base = new Map(meta.map((m) => [m.partition, m.baseOffset ?? m.offset]));
      const next = new Map<number, bigint>();
      return kmessages.map((m): DeliveredAt => {
        const partition = m.partition ?? placed.get(m) ?? -1;
        const b = base.get(partition);
        if (b === undefined) return { partition, offset: null };
        const offset = next.get(partition) ?? BigInt(b);
        next.set(partition, offset + 1n);
        return { partition, offset: offset.toString() };
      });
    },
    async disconnect() {
      await producer.disconnect();
    },
  };
}

function headersOf(h: kafkajs.IHeaders | undefined): Record<string, HeaderValue | undefined> {
  // Header names come from any producer: no prototype, so `__proto__` or `constructor` stay plain keys.
  const out: Record<string, HeaderValue | undefined> = Object.create(null);
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

function kafkajsConsumer(kafka: kafkajs.Kafka, groupId: string, sessionTimeout: number): BrokerConsumer {
  // A short fetch long-poll keeps shutdown and rebalances quick (kafkajs waits
  // for the in-flight fetch before leaving the group); batches stay large under load.
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
    sessionTimeout,
    heartbeatInterval: Math.max(100, Math.min(3000, Math.floor(sessionTimeout / 3))),
  });
  return {
    async connect() {
      await consumer.connect().catch((err) => {
        throw wrap(err, 'consumer connect');
      });
    },
    async subscribe(topic, fromBeginning) {
      await consumer.subscribe({ topics: [topic], fromBeginning }).catch((err) => {
        throw wrap(err, `subscribe to ${topic}`);
      });
    },
    async run({ concurrency, eachBatch, onAssignment, onCrash }) {
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        const assigned = Object.values(e.payload.memberAssignment).flat();
        onAssignment([...assigned].sort((a, b) => a - b));
      });
      consumer.on(consumer.events.CRASH, (e) => onCrash(e.payload.error, e.payload.restart));
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: concurrency,
        eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
          const records: FetchedRecord[] = batch.messages.map((m) => ({
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: headersOf(m.headers),
            timestamp: m.timestamp,
          }));
          await eachBatch(
            { topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark },
            { heartbeat, resolveOffset, isRunning, isStale },
          );
        },
      });
    },
    async commit(topic, offsets) {
      await consumer
        .commitOffsets(offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })))
        .catch((err) => {
          throw wrap(err, `commit offsets of ${topic}`);
        });
    },
    seek(topic, partition, offset) {
      consumer.seek({ topic, partition, offset });
    },
    pause(topic) {
      consumer.pause([{ topic }]);
    },
    resume(topic) {
      consumer.resume([{ topic }]);
    },
    async disconnect() {
      await consumer.disconnect();
    },
  };
}

function kafkajsAdmin(kafka: kafkajs.Kafka): BrokerAdmin {
  const admin = kafka.admin();
  return {
    async connect() {
      await admin.connect().catch((err) => {
        throw wrap(err, 'admin connect');
      });
    },
    async ensureTopic(topic, partitions, opts) {
      try {
        const existing = await admin.listTopics();
        if (existing.includes(topic)) {
          await warnUnlessLogAppendTime(admin, topic);
          return false;
        }
        // LogAppendTime: a record's timestamp is the broker's, not the producer's, so the
        // future rule and the watermark bound judge against a clock no producer sets.
        return await admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: partitions,
              configEntries: [
                { name: 'message.timestamp.type', value: 'LogAppendTime' },
                ...(opts?.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
              ],
            },
          ],
          waitForLeaders: true,
        });
      } catch (err) {
        throw wrap(err, `create topic ${topic}`);
      }
    },
    async topicOffsets(topic) {
      const offsets = await admin.fetchTopicOffsets(topic).catch((err) => {
        throw wrap(err, `offsets of ${topic}`);
      });
      return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
    },
    async groupOffsets(groupId, topic) {
      const res = await admin.fetchOffsets({ groupId, topics: [topic] }).catch((err) => {
        throw wrap(err, `committed offsets of ${groupId}`);
      });
      return (res[0]?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset }));
    },
    async disconnect() {
      await admin.disconnect();
    },
  };
}

/**
 * A topic created elsewhere may keep CreateTime: then record timestamps are the
 * producers' and the future rule trusts them. Said once at start, never fatal.
 */
async function warnUnlessLogAppendTime(admin: kafkajs.Admin, topic: string): Promise<void> {
  try {
    const res = await admin.describeConfigs({
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['message.timestamp.type'] }],
      includeSynonyms: false,
    });
    const type = res.resources[0]?.configEntries.find((e) => e.configName === 'message.timestamp.type')?.configValue;
    if (type !== undefined && type !== 'LogAppendTime') {
      componentLogger('kafkajs').warn(
        { topic, timestampType: type },
        'topic timestamps are not LogAppendTime: the future rule trusts producer timestamps; set message.timestamp.type=LogAppendTime',
      );
    }
  } catch (err) {
    componentLogger('kafkajs').debug({ err, topic }, 'could not read the topic timestamp type');
  }
}

// Child process of the "raw kafkajs" baseline: a consumer group reads the
// topic from offset 0 with eachBatch and decodes every record with avsc (the
// writer schema found by its single-object fingerprint), doing nothing else.
import { Kafka, logLevel } from 'kafkajs';
import { eventSchemas } from '../../src/ingest/index.js';
import { tickHeader } from '../../src/ingest/tick.js';
import { childMain } from '../children.js';

interface Input {
  brokers: string[];
  topic: string;
  records: number;
  group: string;
}

childMain(async (input: Input) => {
  const schemas = eventSchemas();
  const kafka = new Kafka({ brokers: input.brokers, clientId: 'bench-kafkajs-raw', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: input.group });
  const t0 = performance.now();
  await consumer.connect();
  await consumer.subscribe({ topic: input.topic, fromBeginning: true });
  let seen = 0;
  let decoded = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        seen++;
        if (m.headers?.[tickHeader] !== undefined || !m.value) continue;
        const writer = schemas.byFingerprintHex(m.value.subarray(2, 10).toString('hex'));
        if (writer && writer.type.decode(m.value, 10).offset > 0) decoded++;
      }
      if (seen >= input.records) done();
    },
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return { records: seen, decoded, seconds, recordsPerSecond: seen / seconds };
});

// `learnstream simulate --kafka` end to end: the CLI produces a seeded stream
// with malformed records to a real topic; the Kafka source delivers every
// valid one and dead-letters every malformed one — together, all of them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaSource, type EventSource, type SourceRecord } from '../../../src/ingest/index.js';
import { simulateCount } from '../../../src/ingest/simulator/index.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import { createTopic, readTopic, testKafka } from './kafka-helpers.js';

const run = promisify(execFile);
const bin = new URL('../../../bin/learnstream.mjs', import.meta.url).pathname;

describe('learnstream simulate --kafka (real broker)', () => {
  const kafka = testKafka();
  let source: EventSource | undefined;
  afterAll(async () => {
    await source?.stop();
  });

  it('every simulated record ends up either delivered or dead-lettered', async () => {
    const brokers = testServices().kafkaBrokers;
    const topic = await createTopic(kafka, 'ingest_sim', 3);
    const deadLetterTopic = await createTopic(kafka, 'ingest_sim_dlq', 1);
    const { stdout } = await run('node', [
      bin,
      'simulate',
      '--seed',
      '7',
      '--events',
      '600',
      '--malformed',
      '0.03',
      '--kafka',
      '--brokers',
      brokers.join(','),
      '--topic',
      topic,
    ]);
    expect(stdout).toContain(`600 records to Kafka topic ${topic}`);
    // The stream the CLI wrote, regenerated from the same seed: how many are malformed.
    const records = simulateCount({
      seed: 7,
      events: 600,
      malformedShare: 0.03,
      lateShare: 0.01,
      outOfOrderShare: 0.03,
    });
    const malformed = records.filter((r) => r.type === 'malformed').length;
    expect(malformed).toBeGreaterThan(5);

    const delivered: SourceRecord[] = [];
    source = createKafkaSource({
      brokers,
      clientId: 'sim-test',
      topic,
      groupId: uniqueName('sim_group'),
      deadLetterTopic,
      pseudonymSecret: 'simulate-kafka-secret',
    });
    source.pause(); // allowed before run(): applied once the consumer starts
    await source.run({ onBatch: async (b) => void delivered.push(...b.records) });
    source.resume();
    await waitFor(() => delivered.length === 600 - malformed, { timeoutMs: 45_000, message: 'valid records' });
    const dead = await readTopic(kafka, deadLetterTopic, malformed);
    expect(dead).toHaveLength(malformed);
    expect(new Set(delivered.map((r) => r.type === 'event' && r.event.eventId)).size).toBe(600 - malformed);
  }, 90_000);
});

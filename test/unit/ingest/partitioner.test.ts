// The in-process source must place a learner where Kafka would: our murmur2
// partitioner is checked against kafkajs' default (Java-compatible) one.
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { learnerKey, partitionOf } from '../../../src/ingest/index.js';

describe('partitionOf', () => {
  it('agrees with kafkajs DefaultPartitioner for many keys and partition counts', () => {
    const kafkaPartitioner = kafkajs.Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 7, 32]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
        partitionId: i,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      for (let i = 0; i < 500; i++) {
        const key = learnerKey(`tenant-${i % 7}`, `learner-${i}-${'x'.repeat(i % 5)}é`);
        const expected = kafkaPartitioner({ topic: 't', partitionMetadata, message: { key, value: '' } });
        expect(partitionOf(key, partitions)).toBe(expected);
      }
    }
  });
});

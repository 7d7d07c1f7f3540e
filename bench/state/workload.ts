// The state-at-scale workload: L learners × 5 topics, question attempts in
// event-time order over two ISO weeks, each learner in the partition Kafka's
// default partitioner gives its key (as the engine's sources do). Seeded and
// generated on the fly (no event list in memory): event k is learner
// perm(k mod L)'s attempt at an item exercising all 5 topics, so once
// events ≥ L every learner × topic entry exists (5M at 1M learners from 1M
// events; a smaller L gets the same events, more of them per learner).
import type { LearningEvent, QuestionAttemptBody, SourceRecord } from '../../src/ingest/event.js';
import { learnerKey, partitionOf } from '../../src/ingest/partitioner.js';
import { Prng } from '../../src/ingest/simulator/prng.js';

export const TOPICS_PER_LEARNER = 5;
export const TENANTS = 8;
/** Monday 2026-01-05 08:00 UTC: the run's first event time. */
export const WORKLOAD_START_MS = Date.UTC(2026, 0, 5, 8);
/** Two ISO weeks of event time: days close along the way and the first week closes in the stream. */
export const WORKLOAD_SPAN_MS = 14 * 86_400_000;

export interface WorkloadShape {
  learners: number;
  events: number;
  partitions: number;
  seed: number;
}

export interface Learners {
  tenantIds: string[];
  learnerIds: string[];
  /** Partition of each learner (murmur2 of `tenant/learner`, as the sources key records). */
  partitionOf: Uint8Array;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** L seeded 32-hex pseudonyms (what ingest turns learner ids into), tenants round robin. */
export function makeLearners(learners: number, partitions: number, seed: number): Learners {
  if (partitions > 255) throw new RangeError('at most 255 partitions');
  const prng = new Prng(seed);
  const tenantNames = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
  const tenantIds: string[] = new Array(learners);
  const learnerIds: string[] = new Array(learners);
  const partition = new Uint8Array(learners);
  for (let i = 0; i < learners; i++) {
    const tenant = tenantNames[i % TENANTS] as string;
    const id = hex8(prng.nextUint32()) + hex8(prng.nextUint32()) + hex8(prng.nextUint32()) + hex8(prng.nextUint32());
    tenantIds[i] = tenant;
    learnerIds[i] = id;
    partition[i] = partitionOf(learnerKey(tenant, id), partitions);
  }
  return { tenantIds, learnerIds, partitionOf: partition };
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const r = x % y;
    x = y;
    y = r;
  }
  return x;
}

/**
 * A permutation of 0..n-1, i ↦ (a·i + b) mod n with gcd(a, n) = 1, chosen
 * from the seed: spreads a learner's events over the run without a table.
 */
export function affinePermutation(n: number, seed: number): (i: number) => number {
  if (n <= 1) return () => 0;
  const prng = new Prng(seed ^ 0x5eed);
  let a = 1 + Math.floor(prng.next() * (n - 1));
  while (gcd(a, n) !== 1) a = a + 1 === n ? 1 : a + 1;
  const b = Math.floor(prng.next() * n);
  // a·i stays below 2^53 for n ≤ 2^26; wider n goes through BigInt.
  if (n <= 2 ** 26) return (i) => (a * i + b) % n;
  const A = BigInt(a);
  const B = BigInt(b);
  const N = BigInt(n);
  return (i) => Number((A * BigInt(i) + B) % N);
}

/** Event time of event k of `events`: evenly over the span, non-decreasing. */
export function eventTimeOf(k: number, events: number): number {
  return WORKLOAD_START_MS + Math.floor((k / events) * WORKLOAD_SPAN_MS);
}

/** A generated record and the partition it is for. */
export type WorkloadRecord = Extract<SourceRecord, { type: 'event' }>;

/**
 * The workload's records, in event-time order; each partition's records have
 * consecutive offsets from 0 (partition order is log order, as a consumer sees it).
 */
export function* workloadRecords(shape: WorkloadShape, learners: Learners): Generator<WorkloadRecord> {
  const perm = affinePermutation(shape.learners, shape.seed);
  const prng = new Prng(shape.seed + 1);
  const topicIds = Array.from({ length: TOPICS_PER_LEARNER }, (_, i) => `topic-${i}`);
  const offsets = new Array<number>(shape.partitions).fill(0);
  for (let k = 0; k < shape.events; k++) {
    const learner = perm(k % shape.learners);
    const partition = learners.partitionOf[learner] as number;
    const occurredAt = eventTimeOf(k, shape.events);
    const correct = prng.next() < 0.7;
    const event: LearningEvent<QuestionAttemptBody> = {
      eventId: `e-${k}`,
      tenantId: learners.tenantIds[learner] as string,
      learnerId: learners.learnerIds[learner] as string,
      occurredAt,
      receivedAt: occurredAt,
      source: 'bench',
      schemaVersion: 1,
      clientSessionId: null,
      body: {
        kind: 'question_attempt',
        itemId: `item-${k % 50}`,
        topicIds,
        correct,
        score: correct ? 1 : 0,
        attemptNumber: 1,
        responseTimeMs: 20_000,
        hintsUsed: 0,
        confidence: null,
      },
    };
    const offset = offsets[partition] as number;
    offsets[partition] = offset + 1;
    yield { type: 'event', partition, offset: String(offset), event };
  }
}

// The state-at-scale section's pure pieces: nearest-rank percentiles, the
// seeded workload (every learner × topic once, Kafka's partition per learner,
// partition order), the options and the targets judged on a run's figures.
// Expected values are worked out by hand.
import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../../bench/options.js';
import type { StateRun } from '../../../bench/state/model.js';
import { errorLine, eventsPerSecondOutsideCaptures, fullShare, stateChecks } from '../../../bench/state/report.js';
import { distribution, percentile, throughputRatio } from '../../../bench/state/stats.js';
import {
  affinePermutation,
  eventTimeOf,
  makeLearners,
  TOPICS_PER_LEARNER,
  WORKLOAD_SPAN_MS,
  WORKLOAD_START_MS,
  workloadRecords,
} from '../../../bench/state/workload.js';
import { learnerKey, partitionOf } from '../../../src/ingest/partitioner.js';

describe('percentile (nearest rank)', () => {
  it('takes the ⌈p·n⌉-th smallest sample', () => {
    // 5 samples: p=0.3 → rank ⌈1.5⌉ = 2 → 20; p=0.4 → rank 2 → 20; p=0.5 → rank ⌈2.5⌉ = 3 → 35;
    // p=0.99 → rank ⌈4.95⌉ = 5 → 50; p=1 → rank 5 → 50. Unsorted on purpose.
    const values = [50, 15, 40, 20, 35];
    expect(percentile(values, 0.3)).toBe(20);
    expect(percentile(values, 0.4)).toBe(20);
    expect(percentile(values, 0.5)).toBe(35);
    expect(percentile(values, 0.99)).toBe(50);
    expect(percentile(values, 1)).toBe(50);
    expect(values).toEqual([50, 15, 40, 20, 35]); // the input is not sorted in place
  });

  it('gives the 99th of 1..100 and NaN for no samples', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });

  it('summarises a distribution', () => {
    expect(distribution([3, 1, 2])).toEqual({ count: 3, p50: 2, p99: 3, max: 3 });
    expect(distribution([])).toMatchObject({ count: 0 });
    expect(distribution([]).max).toBeNaN();
    expect(throughputRatio(45, 50)).toBe(0.9);
    expect(throughputRatio(45, 0)).toBeNaN();
  });
});

describe('state workload', () => {
  it('permutes 0..n-1 (affine, seeded)', () => {
    for (const n of [1, 2, 6, 97, 1000]) {
      const perm = affinePermutation(n, 7);
      const seen = new Set(Array.from({ length: n }, (_, i) => perm(i)));
      expect(seen.size).toBe(n);
      expect(Math.min(...seen)).toBe(0);
      expect(Math.max(...seen)).toBe(n - 1);
    }
  });

  it('with events = learners touches every learner × topic exactly once, in each learner’s partition', () => {
    const shape = { learners: 40, events: 40, partitions: 6, seed: 3 };
    const learners = makeLearners(shape.learners, shape.partitions, shape.seed);
    const touched = new Map<string, number>();
    const offsets = new Map<number, number[]>();
    let lastTime = Number.NEGATIVE_INFINITY;
    for (const r of workloadRecords(shape, learners)) {
      const e = r.event;
      expect(e.learnerId).toMatch(/^[0-9a-f]{32}$/);
      expect(r.partition).toBe(partitionOf(learnerKey(e.tenantId, e.learnerId), 6));
      expect(e.occurredAt).toBeGreaterThanOrEqual(lastTime);
      lastTime = e.occurredAt;
      for (const topic of (e.body as { topicIds: string[] }).topicIds) {
        const key = `${e.tenantId}/${e.learnerId}/${topic}`;
        touched.set(key, (touched.get(key) ?? 0) + 1);
      }
      offsets.set(r.partition, [...(offsets.get(r.partition) ?? []), Number(r.offset)]);
    }
    expect(touched.size).toBe(40 * TOPICS_PER_LEARNER);
    expect([...touched.values()].every((count) => count === 1)).toBe(true);
    // Each partition's offsets are 0, 1, 2, … in the order its records come (log order).
    for (const list of offsets.values()) expect(list).toEqual(list.map((_, i) => i));
    expect([...offsets.values()].reduce((s, l) => s + l.length, 0)).toBe(40);
  });

  it('is the same for the same seed, and spreads event time over two weeks', () => {
    const shape = { learners: 10, events: 30, partitions: 6, seed: 9 };
    const a = [...workloadRecords(shape, makeLearners(10, 6, 9))];
    const b = [...workloadRecords(shape, makeLearners(10, 6, 9))];
    expect(a).toEqual(b);
    expect(eventTimeOf(0, 30)).toBe(WORKLOAD_START_MS);
    // Event 15 of 30 is half way: 7 days after the start.
    expect(eventTimeOf(15, 30)).toBe(WORKLOAD_START_MS + 7 * 86_400_000);
    expect(eventTimeOf(29, 30)).toBeLessThan(WORKLOAD_START_MS + WORKLOAD_SPAN_MS);
    expect(new Date(WORKLOAD_START_MS).getUTCDay()).toBe(1); // a Monday: the first ISO week is whole
  });
});

describe('state options', () => {
  it('defaults to 1k, 100k and 1M learners, one event per learner of the largest, the engine checkpoint interval', () => {
    expect(parseBenchOptions([])).toMatchObject({
      stateLearners: [1000, 100_000, 1_000_000],
      stateEvents: 1_000_000,
      stateCheckpointMs: 2000,
      stateHeapMb: 16_384,
    });
    expect(parseBenchOptions(['--smoke'])).toMatchObject({ stateLearners: [100, 1000], stateEvents: 1000 });
    expect(parseBenchOptions(['--only', 'state', '--state-learners', '10,20'])).toMatchObject({
      only: 'state',
      stateLearners: [10, 20],
      stateEvents: 20,
    });
    expect(() => parseBenchOptions(['--state-learners', '0'])).toThrow(/--state-learners wants positive integers/);
    expect(() => parseBenchOptions(['--only', 'states'])).toThrow(/"event-loop", "live-feed", "state" or "throughput"/);
  });
});

describe('state targets', () => {
  const run = (learners: number, figures: Partial<StateRun>): StateRun =>
    ({
      learners,
      masteryEntries: learners * 5,
      eventsPerSecond: 20_000,
      peakRssBytes: 1e9,
      eventLoopDelayP99Ms: 50,
      checkpoint: {
        total: { count: 3, p50: 100, p99: 500, max: 500 },
        capture: { count: 3, p50: 50, p99: 200, max: 200 },
        save: { count: 3, p50: 50, p99: 300, max: 300 },
      },
      restore: { restoreMs: 10_000, offsetsMatch: true, error: null },
      ...figures,
    }) as StateRun;

  it('judges heap per key, and RSS, checkpoint, event loop and restore on the largest run', () => {
    const checks = stateChecks({
      heap: [
        { kind: 'sessions', keys: 1_000_000, heapBytes: 150e6, bytesPerKey: 150 },
        { kind: 'mastery', keys: 1_000_000, heapBytes: 300e6, bytesPerKey: 300 },
      ],
      runs: [
        run(1_000_000, {
          eventsPerSecond: 15_000,
          peakRssBytes: 6e9,
          eventLoopDelayP99Ms: 250,
          restore: { restoreMs: 45_000, offsetsMatch: true, error: null } as StateRun['restore'],
          checkpoint: {
            total: { count: 2, p50: 800, p99: 3000, max: 3000 },
            capture: { count: 2, p50: 1, p99: 1, max: 1 },
            save: { count: 2, p50: 1, p99: 1, max: 1 },
          },
        }),
        run(1000, {}),
      ],
      // 15,000 / 20,000
      throughputRatio: 0.75,
    });
    const byName = Object.fromEntries(checks.map((c) => [c.check.name, c]));
    expect(byName['heap per open session, 1000000 keys']?.check.met).toBe(true);
    expect(byName['heap per mastery entry, 1000000 keys']?.check).toMatchObject({
      met: false,
      missedBy: '100.0 bytes over (1.5x the bound)',
    });
    expect(byName['heap per mastery entry, 1000000 keys']?.profile).toEqual({
      name: 'heap-mastery-1000000',
      ext: 'heapprofile',
    });
    // 6 GB against 4 GB: 2.0 over, 1.5x.
    expect(byName['peak RSS, 5000000 mastery entries']?.check).toMatchObject({
      met: false,
      missedBy: '2.0 GB over (1.5x the bound)',
    });
    expect(byName['peak RSS, 5000000 mastery entries']?.profile.ext).toBe('heapprofile');
    expect(byName['checkpoint p99, 5000000 mastery entries']?.check).toMatchObject({
      met: false,
      missedBy: '2000.0 ms over (3.0x the bound)',
    });
    expect(byName['event-loop delay p99, 5000000 mastery entries']?.check).toMatchObject({
      met: false,
      missedBy: '150.0 ms over (2.5x the bound)',
    });
    expect(byName['restore after kill -9, 5000000 mastery entries']?.check).toMatchObject({
      met: false,
      missedBy: '15000.0 ms over (1.5x the bound)',
    });
    expect(byName['restore after kill -9, 5000000 mastery entries']?.profile.name).toBe('state-restore-1000000');
    // 0.75 of 0.9: 1 − 0.75/0.9 = 16.7% short.
    expect(byName['events/s at 1000000 learners / at 1000 learners']?.check).toMatchObject({
      met: false,
      missedBy: '17% short (0.75x of 0.9x)',
    });
    expect(checks).toHaveLength(7);
  });

  it('counts a failed restore or run as missed, with the reason', () => {
    const checks = stateChecks({
      heap: [],
      runs: [
        run(100_000, {
          restore: {
            restoreMs: Number.NaN,
            offsetsMatch: false,
            error: 'Cannot create a string',
          } as StateRun['restore'],
        }),
      ],
      failures: [{ learners: 1_000_000, error: 'heap out of memory' }],
      throughputRatio: Number.NaN,
    });
    expect(checks.map((c) => [c.check.name, c.check.met, c.check.missedBy])).toEqual([
      ['run at 1000000 learners', false, 'failed: heap out of memory'],
      ['peak RSS, 500000 mastery entries', true, null],
      ['checkpoint p99, 500000 mastery entries', true, null],
      ['event-loop delay p99, 500000 mastery entries', true, null],
      ['restore after kill -9, 500000 mastery entries', false, 'failed: Cannot create a string'],
    ]);
  });

  it('meets what is within bounds, and has no ratio with one run', () => {
    const checks = stateChecks({ heap: [], runs: [run(1000, {})], throughputRatio: 1 });
    expect(checks.map((c) => [c.check.name, c.check.met])).toEqual([
      ['peak RSS, 5000 mastery entries', true],
      ['checkpoint p99, 5000 mastery entries', true],
      ['event-loop delay p99, 5000 mastery entries', true],
      ['restore after kill -9, 5000 mastery entries', true],
    ]);
  });
});

describe('error lines', () => {
  it('keeps the first line of an error, pipes escaped', () => {
    expect(errorLine('exited 1: a | b\n    at f (x.ts:1)')).toBe('exited 1: a \\| b');
  });
});

describe('events/s outside captures', () => {
  it('leaves out the periodic captures, not the final one', () => {
    const checkpoint = (captureMs: number, final: boolean) => ({
      captureMs,
      saveMs: 0,
      totalMs: captureMs,
      parts: 1,
      chars: 1,
      final,
    });
    // 1,000 events in 10 s, of which 2 s + 3 s were periodic captures: 1,000 / 5 s = 200 events/s.
    expect(
      eventsPerSecondOutsideCaptures({
        events: 1000,
        seconds: 10,
        checkpoints: [checkpoint(2000, false), checkpoint(3000, false), checkpoint(9000, true)],
      }),
    ).toBe(200);
  });
});

describe('full share of partition checkpoints', () => {
  const checkpoint = (fullPartitions: number | undefined) => ({
    captureMs: 1,
    saveMs: 1,
    totalMs: 2,
    parts: 1,
    chars: 1,
    final: false,
    ...(fullPartitions === undefined ? {} : { fullPartitions }),
  });
  it('counts full ones of all partition checkpoints, or says all were full before chains', () => {
    // 3 checkpoints of 6 partitions = 18 partition checkpoints; 6 + 0 + 2 full.
    expect(fullShare({ partitions: 6, checkpoints: [checkpoint(6), checkpoint(0), checkpoint(2)] })).toBe('8 of 18');
    expect(fullShare({ partitions: 6, checkpoints: [checkpoint(undefined)] })).toBe('all full');
  });
});

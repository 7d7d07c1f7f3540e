// The in-process source (embedded mode): raw ids in, pseudonyms out; a
// learner's events in one partition, in push order, with increasing offsets;
// ticks in the log; backpressure and pause/resume; rejected events counted.
import { afterEach, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../../src/core/metrics.js';
import {
  createInProcessSource,
  generateEvents,
  type InProcessSource,
  learnerKey,
  partitionOf,
  pseudonymize,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { waitFor } from '../../support/index.js';
import { activity, fixedNow, questionAttempt } from './fixtures.js';

const secret = 'in-process-test-secret';
let source: InProcessSource | undefined;

afterEach(async () => {
  await source?.stop();
  source = undefined;
});

async function counterValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((s, v) => s + v.value, 0);
}

describe('in-process source', () => {
  it('delivers pseudonymised events per partition in push order with increasing offsets', async () => {
    source = createInProcessSource({
      partitions: 4,
      pseudonymSecret: secret,
      maxBatch: 50,
      contract: { now: () => Date.UTC(2027, 0, 1) },
    });
    const events = generateEvents({ seed: 5, learners: 12, days: 7 });
    const results = source.push(events);
    expect(results.every((r) => r.ok)).toBe(true);

    const batches: SourceBatch[] = [];
    const assigned: number[][] = [];
    await source.run({
      onBatch: async (b) => {
        batches.push(b);
      },
      onAssignment: (p) => {
        assigned.push(p);
      },
    });
    await waitFor(() => batches.reduce((n, b) => n + b.records.length, 0) === events.length);
    expect(assigned).toEqual([[0, 1, 2, 3]]);

    const raw = new Set(events.map((e) => e.learnerId));
    for (const b of batches) {
      const offsets = b.records.map((r) => Number(r.offset));
      expect(b.lastOffset).toBe(String(offsets.at(-1)));
      expect(b.records.every((r) => r.partition === b.partition)).toBe(true);
      for (const r of b.records) {
        if (r.type !== 'event') continue;
        expect(raw.has(r.event.learnerId)).toBe(false);
        expect(r.event.learnerId).toMatch(/^[0-9a-f]{32}$/);
      }
    }
    // Offsets 0,1,2,... per partition, and each learner's events in the order they were pushed.
    for (let p = 0; p < 4; p++) {
      const records = batches.filter((b) => b.partition === p).flatMap((b) => b.records);
      expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => String(i)));
      const pushedHere = events.filter((e) => partitionOf(learnerKey(e.tenantId, e.learnerId), 4) === p);
      expect(records.map((r) => (r.type === 'event' ? r.event.eventId : ''))).toEqual(pushedHere.map((e) => e.eventId));
    }
    const first = events[0]!;
    const firstOut = batches
      .flatMap((b) => b.records)
      .find((r) => r.type === 'event' && r.event.eventId === first.eventId);
    expect(firstOut?.type === 'event' && firstOut.event.learnerId).toBe(
      pseudonymize(secret, first.tenantId, first.learnerId),
    );
    expect(await source.lag()).toEqual([0, 1, 2, 3].map((partition) => ({ partition, lag: 0 })));
  });

  it('appends ticks in partition order and waits for onBatch (backpressure), pause and resume', async () => {
    source = createInProcessSource({ partitions: 2, pseudonymSecret: secret, contract: { now: fixedNow } });
    const p = partitionOf(learnerKey(activity.tenantId, activity.learnerId), 2);
    source.push([activity]);
    await source.appendTick(p, Date.UTC(2026, 0, 5, 10));
    const seen: SourceBatch[] = [];
    let release: () => void = () => {};
    await source.run({
      onBatch: (b) => {
        seen.push(b);
        return new Promise<void>((r) => (release = r));
      },
    });
    await waitFor(() => seen.length === 1);
    expect(seen[0]?.records.map((r) => [r.type, r.offset])).toEqual([
      ['event', '0'],
      ['tick', '1'],
    ]);
    expect(seen[0]?.records[1]).toEqual({
      type: 'tick',
      partition: p,
      offset: '1',
      eventTime: Date.UTC(2026, 0, 5, 10),
    });
    source.push([questionAttempt]); // same learner → same partition
    // Not delivered while the first onBatch is pending.
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(1);
    source.pause();
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(1);
    source.resume();
    await waitFor(() => seen.length === 2);
    expect(seen[1]?.records.map((r) => r.offset)).toEqual(['2']);
    expect(seen[1]?.highWatermark).toBe('3');
    release();
  });

  it('redelivers from the last commit after stop() and run() again, like a consumer group restart', async () => {
    source = createInProcessSource({
      partitions: 1,
      pseudonymSecret: secret,
      maxBatch: 2,
      contract: { now: fixedNow },
    });
    const events = generateEvents({ seed: 5, learners: 4, days: 7 }).slice(0, 6);
    source.push(events);
    const first: string[] = [];
    await source.run({
      onBatch: async (b) => {
        first.push(...b.records.map((r) => r.offset));
      },
    });
    await waitFor(() => first.length === 6);
    await source.commit([{ partition: 0, offset: '4' }]); // offsets 0..3 are done
    await source.stop();
    source.push(generateEvents({ seed: 6, learners: 4, days: 7 }).slice(0, 1)); // accepted while stopped: offset 6
    expect(await source.lag()).toEqual([{ partition: 0, lag: 3 }]);
    const second: string[] = [];
    await source.run({
      onBatch: async (b) => {
        second.push(...b.records.map((r) => r.offset));
      },
    });
    await waitFor(() => second.length === 3);
    expect(second).toEqual(['4', '5', '6']);
  });

  it('rejects contract violations at push, counting them, without raw ids in its dead letters', async () => {
    source = createInProcessSource({ partitions: 2, pseudonymSecret: secret, contract: { now: fixedNow } });
    const before = await counterValue('learnstream_source_records_rejected_total', { reason: 'out_of_range' });
    const bad = { ...questionAttempt, body: { ...questionAttempt.body, score: 2 } } as typeof questionAttempt;
    const results = source.push([activity, bad]);
    expect(results[0]).toMatchObject({ ok: true, offset: '0' });
    expect(results[1]).toMatchObject({ ok: false, reason: 'out_of_range', field: 'body.score', eventId: bad.eventId });
    expect(await counterValue('learnstream_source_records_rejected_total', { reason: 'out_of_range' })).toBe(
      before + 1,
    );
    const dead = source.deadLetters();
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead)).not.toContain(activity.learnerId);
  });
});

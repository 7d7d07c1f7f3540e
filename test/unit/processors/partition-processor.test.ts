// The partition processor: per-output sequence numbers, offsets, checkpoints,
// and determinism — the same records give byte-identical results, with or
// without a snapshot/restore (or a crash and replay) in the middle.
import { describe, expect, it } from 'vitest';
import type { LearningEvent, SourceRecord } from '../../../src/ingest/index.js';
import {
  activityEvent,
  contentInteractionEvent,
  iepGoalProgressEvent,
  PartitionProcessor,
  questionAttemptEvent,
  type StampedResult,
} from '../../../src/processors/index.js';

const MIN = 60_000;
const START = Date.UTC(2026, 10, 2, 8);

/** A small deterministic PRNG (mulberry32), so the stream is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~3 weeks of activity for 8 learners in 2 tenants, with disorder, very late events, duplicates and ticks. */
function stream(seed = 42): SourceRecord[] {
  const rnd = prng(seed);
  const events: LearningEvent[] = [];
  const learners = Array.from({ length: 8 }, (_, i) => ({ learnerId: `L${i}`, tenantId: i % 3 === 0 ? 'T2' : 'T1' }));
  for (let day = 0; day < 21; day++) {
    for (const who of learners) {
      if (rnd() < 0.35) continue;
      let t = START + day * 86_400_000 + Math.floor(rnd() * 10) * 60 * MIN;
      const n = 2 + Math.floor(rnd() * 12);
      for (let i = 0; i < n; i++) {
        t += Math.floor(rnd() * (rnd() < 0.15 ? 50 : 12)) * MIN + 1000;
        const topic = `topic-${Math.floor(rnd() * 3)}`;
        const ids = { ...who, eventId: `e-${events.length}` };
        const kind = rnd();
        events.push(
          kind < 0.4
            ? activityEvent(t, ids)
            : kind < 0.8
              ? questionAttemptEvent(t, ids, {
                  itemId: `item-${Math.floor(rnd() * 5)}`,
                  topicIds: [topic],
                  correct: rnd() < 0.65,
                  attemptNumber: 1 + Math.floor(rnd() * 2),
                  responseTimeMs: Math.floor(rnd() * 90_000),
                  hintsUsed: rnd() < 0.2 ? 1 : 0,
                })
              : kind < 0.95
                ? contentInteractionEvent(t, ids, {
                    contentId: `c-${Math.floor(rnd() * 4)}`,
                    topicIds: [topic],
                    progress: Math.round(rnd() * 100) / 100,
                  })
                : iepGoalProgressEvent(t, ids),
        );
      }
    }
  }
  // Arrival order: event time, with bounded disorder, a few very late arrivals and duplicates.
  const arrival = events.map((e) => {
    const r = rnd();
    const delay = r < 0.7 ? 0 : r < 0.97 ? Math.floor(rnd() * 20) * MIN : Math.floor(rnd() * 10) * 60 * MIN;
    return { e, at: e.occurredAt + delay };
  });
  for (const a of arrival.filter(() => rnd() < 0.02)) arrival.push({ e: a.e, at: a.at + 3 * MIN });
  arrival.sort((a, b) => a.at - b.at);
  const records: SourceRecord[] = [];
  let offset = 0;
  let lastAt = arrival[0]!.at;
  for (const { e, at } of arrival) {
    // The engine appends a tick when a partition is quiet; here: before any 2 h silence.
    if (at - lastAt > 2 * 60 * MIN) {
      records.push({ type: 'tick', partition: 3, offset: String(offset++), eventTime: lastAt + 90 * MIN });
    }
    records.push({ type: 'event', partition: 3, offset: String(offset++), event: e });
    lastAt = Math.max(lastAt, at);
  }
  records.push({ type: 'tick', partition: 3, offset: String(offset++), eventTime: lastAt + 14 * 86_400_000 });
  return records;
}

function runStraight(records: SourceRecord[]): StampedResult[] {
  return new PartitionProcessor(3).processAll(records);
}

describe('PartitionProcessor', () => {
  const records = stream();
  const baseline = runStraight(records);

  it('produces every kind of result from the stream', () => {
    const count = (o: string) => baseline.filter((r) => r.output === o).length;
    expect(count('sessions')).toBeGreaterThan(50);
    expect(count('mastery')).toBeGreaterThan(50);
    expect(count('weekly_active')).toBeGreaterThan(3);
    expect(count('late_events')).toBeGreaterThan(0);
  });

  it('stamps per-output sequence numbers 1, 2, 3, … and the source partition', () => {
    for (const output of ['sessions', 'mastery', 'weekly_active', 'late_events'] as const) {
      const seqs = baseline.filter((r) => r.output === output).map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    expect(new Set(baseline.map((r) => r.partition))).toEqual(new Set([3]));
  });

  it('is deterministic: the same records give byte-identical results', () => {
    expect(JSON.stringify(runStraight(stream()))).toBe(JSON.stringify(baseline));
  });

  it('gives byte-identical results across snapshot/restore in the middle of the stream', () => {
    for (const every of [1, 97, 500]) {
      let processor = new PartitionProcessor(3);
      const out: StampedResult[] = [];
      records.forEach((record, i) => {
        if (i > 0 && i % every === 0) {
          const checkpoint = JSON.parse(JSON.stringify(processor.snapshot()));
          processor = new PartitionProcessor(3);
          processor.restore(checkpoint);
        }
        out.push(...processor.process(record));
      });
      expect(JSON.stringify(out)).toBe(JSON.stringify(baseline));
    }
  });

  it('after a crash, replays from the checkpoint and re-emits exactly the results after its sequence numbers', () => {
    const processor = new PartitionProcessor(3);
    const cut = Math.floor(records.length * 0.4);
    processor.processAll(records.slice(0, cut));
    const checkpoint = processor.snapshot();
    expect(checkpoint.offset).toBe(String(cut));
    processor.processAll(records.slice(cut, cut + 300)); // these results are lost in the crash
    const restored = new PartitionProcessor(3);
    restored.restore(checkpoint);
    // The source re-delivers from an earlier offset too: records below the checkpoint are skipped.
    const replay = restored.processAll(records.slice(cut - 10));
    const afterCheckpoint = baseline.filter((r) => r.seq > checkpoint.seqs[r.output]);
    expect(JSON.stringify(replay)).toBe(JSON.stringify(afterCheckpoint));
  });

  it('snapshots deterministically: equal histories give equal state text', () => {
    const a = new PartitionProcessor(3);
    const b = new PartitionProcessor(3);
    a.processAll(records.slice(0, 700));
    b.processAll(records.slice(0, 700));
    expect(a.snapshot()).toEqual(b.snapshot());
  });

  it('refuses a record of another partition and a state it cannot read', () => {
    const p = new PartitionProcessor(1);
    expect(() => p.process({ ...records[0]!, partition: 2 } as SourceRecord)).toThrow(
      expect.objectContaining({ code: 'LS_PROCESSOR_WRONG_PARTITION' }),
    );
    expect(() =>
      p.restore({ offset: '0', seqs: { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 }, parts: ['{'] }),
    ).toThrow(expect.objectContaining({ code: 'LS_PROCESSOR_CHECKPOINT_INVALID' }));
    expect(() =>
      p.restore({
        offset: '0',
        seqs: { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 },
        parts: ['{"version":99}'],
      }),
    ).toThrow(expect.objectContaining({ code: 'LS_PROCESSOR_CHECKPOINT_INVALID' }));
  });

  it('continues sequence numbers from the restored checkpoint', () => {
    const p = new PartitionProcessor(0);
    p.restore({
      offset: '10',
      seqs: { sessions: 41, mastery: 7, weekly_active: 2, late_events: 0 },
      parts: new PartitionProcessor(0).snapshot().parts,
    });
    const t = START;
    const out = p.processAll([
      { type: 'event', partition: 0, offset: '10', event: activityEvent(t) },
      { type: 'tick', partition: 0, offset: '11', eventTime: t + 3 * 60 * MIN },
    ]);
    expect(out.map((r) => [r.output, r.seq])).toEqual([['sessions', 42]]);
    expect(p.nextOffset).toBe('12');
  });
});

// The processor's drain contract: results come lazily, one per step, and must
// be drained before the processor is used again; snapshot parts must be drained
// with no record in between; a restore fed part by part refuses records until
// finished; and a version-1 checkpoint (one JSON object) still restores.
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/ingest/event.js';
import {
  contentInteractionEvent,
  type MasterySnapshotResult,
  PartitionProcessor,
} from '../../../src/processors/index.js';
import { SortedRuns } from '../../../src/processors/state/sorted-runs.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 17, 8); // Tuesday
const SEQS = { sessions: 0, mastery: 0, weekly_active: 0, late_events: 0 };

function contentRecords(learners: number): SourceRecord[] {
  return Array.from({ length: learners }, (_, i) => ({
    type: 'event' as const,
    partition: 0,
    offset: String(i),
    event: contentInteractionEvent(T0, { learnerId: `learner-${i}`, eventId: `e-${i}` }, { topicIds: ['t'] }),
  }));
}

const tick = (offset: number, eventTime: number): SourceRecord => ({
  type: 'tick',
  partition: 0,
  offset: String(offset),
  eventTime,
});

describe('PartitionProcessor drain contract', () => {
  it('yields a day close one result per step', () => {
    const p = new PartitionProcessor(0);
    p.processAll(contentRecords(10));
    const results = p.process(tick(10, T0 + DAY))[Symbol.iterator]();
    expect(results.next().value).toMatchObject({ output: 'sessions', seq: 1 });
    expect(p.lastSeqs).toEqual({ ...SEQS, sessions: 1 }); // nothing else computed yet
    let n = 1;
    while (!results.next().done) n++;
    expect(n).toBe(20); // 10 sessions, then 10 mastery snapshots
    expect(p.lastSeqs).toEqual({ ...SEQS, sessions: 10, mastery: 10 });
  });

  it('refuses the next record, a snapshot or an erasure while results are not drained', () => {
    const p = new PartitionProcessor(0);
    p.processAll(contentRecords(3));
    const results = p.process(tick(3, T0 + DAY))[Symbol.iterator]();
    results.next();
    const busy = expect.objectContaining({ code: 'LS_PROCESSOR_RESULTS_NOT_DRAINED' });
    expect(() => p.process(tick(4, T0 + 2 * DAY))).toThrow(busy);
    expect(() => p.snapshotParts()).toThrow(busy);
    expect(() => p.forgetLearner('tenant-a', 'learner-1')).toThrow(busy);
    while (!results.next().done) {}
    expect(Array.from(p.process(tick(4, T0 + 2 * DAY)))).toEqual([]);
  });

  it('a snapshot interrupted by a record fails instead of mixing two states', () => {
    const p = new PartitionProcessor(0);
    p.processAll(contentRecords(6_000)); // more mastery entries than one part holds
    const parts = p.snapshotParts()[Symbol.iterator]();
    parts.next(); // header
    parts.next(); // first section part
    Array.from(p.process({ ...contentRecords(6_001)[6_000]!, offset: '6000' }));
    expect(() => parts.next()).toThrow(expect.objectContaining({ code: 'LS_PROCESSOR_STATE_CHANGED' }));
  });

  it('refuses records while a part-by-part restore is unfinished', () => {
    const source = new PartitionProcessor(0);
    source.processAll(contentRecords(3));
    const checkpoint = source.snapshot();
    const p = new PartitionProcessor(0);
    const restore = p.beginRestore(checkpoint);
    restore.add(checkpoint.parts[0]!);
    expect(() => p.process(tick(3, T0 + DAY))).toThrow(expect.objectContaining({ code: 'LS_PROCESSOR_RESTORING' }));
    for (const part of checkpoint.parts.slice(1)) restore.add(part);
    restore.finish();
    expect(p.snapshot()).toEqual(checkpoint);
  });

  it('refuses parts it cannot read', () => {
    const p = new PartitionProcessor(0);
    const invalid = expect.objectContaining({ code: 'LS_PROCESSOR_CHECKPOINT_INVALID' });
    const header = JSON.stringify({ version: 2, watermark: { maxEventTime: null } });
    expect(() => p.restore({ offset: '0', seqs: SEQS, parts: [] })).toThrow(invalid);
    expect(() => p.restore({ offset: '0', seqs: SEQS, parts: [header, '{"section":"x.y","entries":[1]}'] })).toThrow(
      invalid,
    );
    expect(() =>
      p.restore({ offset: '0', seqs: SEQS, parts: [header, '{"section":"mastery.topics","entries":[7]}'] }),
    ).toThrow(invalid);
  });

  it('restores a version-1 checkpoint (one JSON object, content progress as an object)', () => {
    // Written by the previous state layout: learner L has topic t with content `constructor` at 0.5, an
    // open session at T0 and week activity. The watermark is T0 − 5 min.
    const key = 'tenant-a\u0000L';
    const week = Date.UTC(2026, 10, 16);
    const v1 = {
      version: 1,
      watermark: { maxEventTime: T0 },
      sessions: {
        learners: [
          [
            key,
            {
              tenantId: 'tenant-a',
              learnerId: 'L',
              clusters: [[{ t: T0, id: 'e0', kind: 'activity' }]],
              closedLastMs: null,
            },
          ],
        ],
        timers: [[key, T0 + 40 * MIN]],
      },
      mastery: {
        topics: [
          [
            `${key}\u0000t`,
            {
              tenantId: 'tenant-a',
              learnerId: 'L',
              topicId: 't',
              pKnown: 0.2,
              attempts: 0,
              correct: 0,
              firstAttempts: 0,
              firstAttemptCorrect: 0,
              card: null,
              contents: { constructor: 0.5 },
              lastScore: null,
            },
          ],
        ],
        pending: [],
      },
      weekly: {
        learners: [[key, { tenantId: 'tenant-a', firstWeek: week, weeks: [week] }]],
        sessions: [],
        openWeeks: [week],
        lastClosedWeek: null,
      },
    };
    const p = new PartitionProcessor(0);
    p.restore({ offset: '5', seqs: { ...SEQS, sessions: 3 }, parts: [JSON.stringify(v1)] });
    // Content `toString` at 1 the same day: completion (0.5 + 1) / 2 = 0.75, score 0.2 · 0.75 = 0.15.
    const event = contentInteractionEvent(
      T0 + MIN,
      { learnerId: 'L', eventId: 'e1' },
      { topicIds: ['t'], contentId: 'toString', progress: 1 },
    );
    p.processAll([{ type: 'event', partition: 0, offset: '5', event }]);
    const out = p.processAll([tick(6, T0 + DAY)]);
    const sessions = out.filter((r) => r.output === 'sessions');
    expect(sessions.map((r) => [r.seq, (r.result as { eventCount: number }).eventCount])).toEqual([[4, 2]]);
    const mastery = out.filter((r) => r.output === 'mastery').map((r) => r.result as MasterySnapshotResult);
    expect(mastery).toHaveLength(1);
    expect(mastery[0]!.materialCompletion).toBeCloseTo(0.75, 12);
    expect(mastery[0]!.masteryScore).toBeCloseTo(0.15, 12);
    expect(p.snapshot().parts[0]).toContain('"version":7'); // written back in the current version
  });
});

describe('SortedRuns', () => {
  it('hands out every key once, in string order, across many runs and repeats', () => {
    const runs = new SortedRuns();
    const keys: string[] = [];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      keys.push(`k-${x % 9000}-\u00e9${x % 7}`);
    }
    for (const k of keys) runs.add(k);
    const expected = Array.from(new Set(keys)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(Array.from(runs.sorted())).toEqual(expected);
    expect(Array.from(new SortedRuns().sorted())).toEqual([]);
  });
});

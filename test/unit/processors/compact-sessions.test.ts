// Open sessions packed into typed-array rows: event ids packed as UUID words
// come back as the same strings and sort as strings do; a redelivered event
// (same time and id, packed or not) counts once through a merge; checkpoint
// entries keep the shapes of the unpacked layout; erasure leaves nothing.
import { describe, expect, it } from 'vitest';
import {
  activityEvent,
  defaultEngineSettings,
  questionAttemptEvent,
  SessionWindowOperator,
} from '../../../src/processors/index.js';
import { packUuid, unpackUuid } from '../../../src/processors/state/event-ids.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 16, 9);

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('packed event ids', () => {
  it('give back the same string and order as strings do; other ids are not packed', () => {
    const rnd = random(7);
    const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
    const ids = Array.from({ length: 500 }, () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`);
    ids.push('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff');
    const words = ids.map((id) => packUuid(id)!);
    expect(words.map((w) => unpackUuid(...w))).toEqual(ids);
    const byWords = ids
      .map((id, i) => ({ id, w: words[i]! }))
      .sort((a, b) => a.w[0] - b.w[0] || a.w[1] - b.w[1] || a.w[2] - b.w[2] || a.w[3] - b.w[3])
      .map((x) => x.id);
    expect(byWords).toEqual([...ids].sort());
    for (const other of ['A0000000-0000-0000-0000-000000000000', 'e1', '', '00000000-0000-0000-0000-00000000000g']) {
      expect(packUuid(other)).toBeUndefined();
    }
  });
});

describe('compact sessions', () => {
  const settings = defaultEngineSettings();

  it('counts a redelivered event once through a merge, for packed and unpacked ids alike', () => {
    const op = new SessionWindowOperator(settings);
    const who = { tenantId: 't', learnerId: 'L' };
    const uuid = '0a1b2c3d-0000-4000-8000-00000000002a';
    // Two clusters 40 min apart (gap 30 min), then a late event bridging them and redeliveries.
    op.process(activityEvent(T0, { ...who, eventId: uuid }), 0);
    op.process(activityEvent(T0 + 40 * MIN, { ...who, eventId: 'plain-2' }), 0);
    op.process(activityEvent(T0 + 20 * MIN, { ...who, eventId: 'plain-1' }), 0);
    op.process(activityEvent(T0, { ...who, eventId: uuid }), 0); // redelivered, out of order
    op.process(activityEvent(T0 + 20 * MIN, { ...who, eventId: 'plain-1' }), 0); // redelivered
    op.process(activityEvent(T0 + 40 * MIN, { ...who, eventId: 'plain-2' }), 0); // redelivered, in order
    const [, [, stored]] = Array.from(op.snapshotEntries())[0] as [string, [string, { clusters: { id: string }[][] }]];
    expect(stored!.clusters.map((c) => c.map((p) => p.id))).toEqual([[uuid, 'plain-1', 'plain-2']]);
    // Closes at W > last + gap + lateness = T0 + 40 + 30 + 10 min.
    const sessions = Array.from(op.onWatermark(T0 + 80 * MIN + 1), (e) => e.result as { eventCount: number });
    expect(sessions.map((s) => s.eventCount)).toEqual([3]);
  });

  it('snapshots the entry shapes of the unpacked layout and restores them', () => {
    const op = new SessionWindowOperator(settings);
    const who = { tenantId: 't', learnerId: 'L' };
    op.process(activityEvent(T0, { ...who, eventId: '00000000-0000-4000-8000-000000000001' }), 0);
    op.process(
      questionAttemptEvent(T0 + MIN, { ...who, eventId: 'q' }, { topicIds: ['b', 'a', 'b'], correct: false }),
      0,
    );
    const entries = JSON.parse(JSON.stringify(Array.from(op.snapshotEntries())));
    // Written by hand from the layout before packing (timer: last + gap + lateness = T0 + 1 + 30 + 10 min).
    expect(entries).toEqual([
      [
        'sessions.learners',
        [
          't\u0000L',
          {
            tenantId: 't',
            learnerId: 'L',
            clusters: [
              [
                { t: T0, id: '00000000-0000-4000-8000-000000000001', kind: 'activity' },
                { t: T0 + MIN, id: 'q', kind: 'question_attempt', correct: false, topics: ['b', 'a', 'b'] },
              ],
            ],
            closedLastMs: null,
          },
        ],
      ],
      ['sessions.timers', ['t\u0000L', T0 + 41 * MIN]],
    ]);
    const copy = new SessionWindowOperator(settings);
    for (const [section, value] of entries) expect(copy.restoreEntry(section, value)).toBe(true);
    expect(JSON.parse(JSON.stringify(Array.from(copy.snapshotEntries())))).toEqual(entries);
    const [session] = Array.from(copy.onWatermark(T0 + 41 * MIN + 1), (e) => e.result as { topics: string[] });
    expect(session!.topics).toEqual(['a', 'b']);
    expect(copy.learnerCount).toBe(1); // kept until the frontier no longer matters
  });

  it('forgets everything of an erased learner, and refuses malformed entries', () => {
    const op = new SessionWindowOperator(settings);
    op.process(questionAttemptEvent(T0, { tenantId: 't', learnerId: 'gone' }, { topicIds: ['x'] }), 0);
    op.process(activityEvent(T0, { tenantId: 't', learnerId: 'kept' }), 0);
    expect(op.forgetLearner('t', 'gone')).toBe(true);
    expect(op.learnerCount).toBe(1);
    expect(Array.from(op.learnerEntries('t\u0000gone'))).toEqual([]);
    const closed = Array.from(op.onWatermark(T0 + 41 * MIN), (e) => e.result as { learnerId: string });
    expect(closed.map((s) => s.learnerId)).toEqual(['kept']);

    expect(() => op.restoreEntry('sessions.learners', 7)).toThrow();
    const learner = {
      tenantId: 't',
      learnerId: 'x',
      clusters: [[{ t: '1', id: 'a', kind: 'activity' }]],
      closedLastMs: null,
    };
    expect(() => op.restoreEntry('sessions.learners', ['t\u0000x', learner])).toThrow();
    const otherKey = { ...learner, clusters: [] };
    expect(() => op.restoreEntry('sessions.learners', ['t\u0000y', otherKey])).toThrow();
  });
});

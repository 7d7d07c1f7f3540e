// Tiered state: a learner idle past the horizon leaves memory (evictIdle) and
// comes back from the cold tier (thaw) before their next record, months later.
// The reference is the same stream processed with everything kept in memory:
// the results must be identical, and on their own they show what a user
// expects (worked out by hand below): the returning learner's mastery
// continues from where it stood and their week counts as reactivated.
import { describe, expect, it } from 'vitest';
import type { LearningEvent, SourceRecord } from '../../../src/ingest/event.js';
import {
  activityEvent,
  type ColdLearner,
  type MasterySnapshotResult,
  PartitionProcessor,
  questionAttemptEvent,
  type StampedResult,
  type WeeklyActivePartialResult,
} from '../../../src/processors/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
const HORIZON = 14 * DAY;
const T0 = Date.UTC(2026, 0, 5); // Monday 5 January 2026
const RETURN = Date.UTC(2026, 6, 6); // Monday 6 July 2026

function stream(): SourceRecord[] {
  const events: LearningEvent[] = [];
  let n = 0;
  const basics = (learnerId: string) => ({ tenantId: 't', learnerId, eventId: `e-${n++}` });
  for (let i = 0; i < 3; i++) {
    events.push(questionAttemptEvent(T0 + 9 * 60 * MIN + i * 5 * MIN, basics('a'), { topicIds: ['algebra'] }));
  }
  for (let day = T0; day < Date.UTC(2026, 7, 1); day += DAY) {
    if (day === RETURN) {
      events.push(questionAttemptEvent(day + 10 * 60 * MIN, basics('a'), { topicIds: ['algebra'] }));
      events.push(questionAttemptEvent(day + 10 * 60 * MIN + 5 * MIN, basics('a'), { topicIds: ['algebra'] }));
    }
    for (let f = 0; f < 4; f++) events.push(activityEvent(day + 12 * 60 * MIN + f * MIN, basics(`f${f}`)));
  }
  const records: SourceRecord[] = events.map((event, i) => ({ type: 'event', partition: 0, offset: String(i), event }));
  records.push({ type: 'tick', partition: 0, offset: String(records.length), eventTime: Date.UTC(2026, 8, 1) });
  return records;
}

/** Processes with eviction every 40 records; a learner not held is thawed from the cold map first. */
function runTiered(records: SourceRecord[]) {
  let p = new PartitionProcessor(0);
  const cold = new Map<string, ColdLearner>();
  const evicted = new Set<string>();
  const results: StampedResult[] = [];
  records.forEach((record, i) => {
    if (record.type === 'event') {
      const key = `${record.event.tenantId}\u0000${record.event.learnerId}`;
      const stored = cold.get(key);
      if (!p.holds(key) && stored) p.thaw([stored]);
    }
    for (const r of p.process(record)) results.push(r);
    if (i % 40 === 39) {
      for (const learner of p.evictIdle(HORIZON, 1_000)) {
        cold.set(learner.key, learner);
        evicted.add(learner.key);
      }
    }
    if (i === 400) {
      // A restart in the middle: from a full checkpoint, which no longer holds the evicted learner.
      const checkpoint = p.snapshot();
      p = new PartitionProcessor(0);
      p.restore(checkpoint);
    }
  });
  return { results, evicted, held: p.learnersHeld };
}

describe('tiered state', () => {
  const records = stream();

  it('evicts an idle learner and brings them back months later exactly where they stood', () => {
    const reference = new PartitionProcessor(0).processAll(records);
    const tiered = runTiered(records);
    expect(tiered.evicted.has('t\u0000a')).toBe(true);
    expect(tiered.results).toEqual(reference);

    // By hand: three correct attempts in January, two in July: the July snapshot counts five.
    const july = reference
      .filter((r) => r.output === 'mastery')
      .map((r) => r.result as MasterySnapshotResult)
      .filter((m) => m.learnerId === 'a' && m.day === '2026-07-06')
      .map((m) => m.attempts);
    expect(july).toEqual([5]);
    // The week of 6 July: the four daily learners return, 'a' is reactivated (active before, not last week).
    const week = reference
      .filter((r) => r.output === 'weekly_active')
      .map((r) => r.result as WeeklyActivePartialResult)
      .find((w) => w.weekStart === '2026-07-06');
    expect(week).toMatchObject({
      active: 5,
      new: 0,
      returning: 4,
      reactivated: 1,
      churned: 0,
    });
  });

  it('keeps a learner with an open session in memory, and forgets the activity of an erased learner', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 3)); // a's three attempts, nothing closed yet
    const open = p.evictIdle(0, 10);
    expect(open).toEqual([]);
    expect(p.holds('t\u0000a')).toBe(true);
    expect(p.forgetLearner('t', 'a')).toBe(true);
    expect(p.holds('t\u0000a')).toBe(false);
  });

  it('keeps void cold-tier versions through full checkpoints and deltas, and refuses a malformed range', () => {
    const p = new PartitionProcessor(0);
    p.voidColdVersions(4, 9);
    const full = p.checkpointParts({ maxDeltas: 10 });
    expect(full.kind).toBe('full');
    const chain = Array.from(full.parts);
    p.voidColdVersions(12, 12);
    const delta = p.checkpointParts({ maxDeltas: 10 });
    expect(delta.kind).toBe('full'); // voiding starts a new chain: versions jump past the void ones
    const second = Array.from(delta.parts);
    const q = new PartitionProcessor(0);
    q.restore({ offset: '0', seqs: p.lastSeqs, parts: second });
    expect(q.coldVoid).toEqual([
      [4, 9],
      [12, 12],
    ]);
    // A delta on a chain carries the whole list (global state), replacing what the base had.
    const deltaParts = Array.from(q.checkpointParts({ maxDeltas: 10 }).parts);
    const r = new PartitionProcessor(0);
    r.restore({ offset: '0', seqs: p.lastSeqs, parts: [...chain, ...deltaParts] });
    expect(r.coldVoid).toEqual(q.coldVoid);
    const bad = new PartitionProcessor(0).beginRestore({ offset: '0', seqs: p.lastSeqs });
    bad.add(chain[0]!);
    expect(() => bad.add(JSON.stringify({ section: 'cold.void', entries: [[9, 4]] }))).toThrow(/cold.void/);
  });
});

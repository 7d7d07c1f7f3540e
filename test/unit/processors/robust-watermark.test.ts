// One device's clock cannot drag its partition's watermark: an event moves the
// watermark at most to min(occurredAt, broker append time ?? receivedAt), so
// a 23 h-future event leaves the other learners of the partition on time,
// while the event itself is still windowed by its own occurredAt.
import { describe, expect, it } from 'vitest';
import type { LearningEvent, SourceRecord } from '../../../src/ingest/event.js';
import {
  activityEvent,
  PartitionProcessor,
  type SessionWindowResult,
  type StampedResult,
} from '../../../src/processors/index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 10, 18, 10); // Wednesday 10:00 UTC
const A = { tenantId: 't1', learnerId: 'learner-a' };
const B = { tenantId: 't1', learnerId: 'learner-b' };

function feeder(p: PartitionProcessor) {
  let offset = 0;
  return {
    event(event: LearningEvent, appendedAtMs?: number): StampedResult[] {
      const record: SourceRecord = { type: 'event', partition: 0, offset: String(offset++), event };
      if (appendedAtMs !== undefined) record.appendedAtMs = appendedAtMs;
      return [...p.process(record)];
    },
    tick(eventTime: number): StampedResult[] {
      return [...p.process({ type: 'tick', partition: 0, offset: String(offset++), eventTime })];
    },
  };
}

/** An event whose device clock says `occurredAt`, received by the platform at `receivedAt`. */
function at(occurredAt: number, receivedAt: number, who: { tenantId: string; learnerId: string }) {
  return { ...activityEvent(occurredAt, who), receivedAt };
}

describe('robust partition watermark', () => {
  it('a 23 h-future event of learner A does not make learner B late', () => {
    const p = new PartitionProcessor(0);
    const feed = feeder(p);
    expect(feed.event(at(NOW, NOW, B))).toEqual([]);
    // A's device clock is 23 h ahead; the platform received the event now.
    expect(feed.event(at(NOW + 23 * HOUR, NOW, A))).toEqual([]);
    // W = min(NOW + 23 h, NOW) − 5 min out-of-orderness: it did not move past NOW − 5 min.
    expect(p.watermarkMs).toBe(NOW - 5 * MIN);
    const out = [...feed.event(at(NOW + MIN, NOW + MIN, B)), ...feed.event(at(NOW + 2 * MIN, NOW + 2 * MIN, B))];
    expect(out.filter((r) => r.output === 'late_events')).toEqual([]);
    expect(p.watermarkMs).toBe(NOW + 2 * MIN - 5 * MIN);

    // Ticks still move W by their own time: far ahead, every window closes. B has one session of three
    // events (NOW, +1, +2 min); A's session is windowed at its own occurredAt (NOW + 23 h).
    const closed = feed.tick(NOW + 3 * 24 * HOUR);
    const sessions = closed.filter((r) => r.output === 'sessions').map((r) => r.result as SessionWindowResult);
    expect(sessions.map((s) => [s.learnerId, s.startMs, s.eventCount])).toEqual([
      ['learner-b', NOW, 3],
      ['learner-a', NOW + 23 * HOUR, 1],
    ]);
  });

  it('the broker append time bounds the contribution when the source has it', () => {
    const p = new PartitionProcessor(0);
    const feed = feeder(p);
    // receivedAt is as wrong as the device clock here; the broker append time is not.
    feed.event(at(NOW + 23 * HOUR, NOW + 23 * HOUR, A), NOW);
    expect(p.watermarkMs).toBe(NOW - 5 * MIN);
    // An event on time moves W to its own time as before (append time later than occurredAt).
    feed.event(at(NOW + 10 * MIN, NOW + 10 * MIN, B), NOW + 10 * MIN + 300);
    expect(p.watermarkMs).toBe(NOW + 5 * MIN);
  });

  it('without the rule, the same stream makes B late (what the rule prevents)', () => {
    const p = new PartitionProcessor(0);
    const feed = feeder(p);
    feed.event(at(NOW, NOW, B));
    // If the platform really received A's event 23 h ahead, the partition's time is there: B is late.
    feed.event(at(NOW + 23 * HOUR, NOW + 23 * HOUR, A));
    const out = feed.event(at(NOW + MIN, NOW + MIN, B));
    // W = NOW + 23 h − 5 min > NOW + 1 min + gap 30 min + lateness 10 min: too late for sessions. An activity
    // has no mastery, and its week (Wednesday's) is far from final, so weekly active still takes it.
    const late = out.filter((r) => r.output === 'late_events').map((r) => (r.result as { operator: string }).operator);
    expect(late).toEqual(['sessions']);
  });
});

describe('robust partition watermark in a backfill', () => {
  it('an event 23 h ahead of a replayed stream is bounded by its receivedAt, not by the far later append time', () => {
    const T = Date.UTC(2026, 0, 12, 9); // a January stream…
    const appended = NOW; // …appended to the log in November
    const p = new PartitionProcessor(0);
    const f = feeder(p);
    f.event(at(T, T, A), appended);
    // A's device says T + 23 h, the platform received it at T + 1 min.
    f.event(at(T + 23 * HOUR, T + MIN, A), appended);
    // Bound: min(T + 23 h, T + 1 min, November) = T + 1 min; W = that − 5 min out-of-orderness.
    expect(p.watermarkMs).toBe(T + MIN - 5 * MIN);
    // B's event 10 minutes later is on time (not late): no late_events result.
    const out = f.event(at(T + 10 * MIN, T + 10 * MIN, B), appended);
    expect(out.filter((r) => r.output === 'late_events')).toEqual([]);
  });
});

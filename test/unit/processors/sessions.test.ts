// Session windows through the operator test driver, defaults: gap 30 min,
// allowed lateness 10 min, out-of-orderness 5 min, cap 4 h, idle threshold
// 5 min. Watermark W = highest event time − 5 min. A session closes when
// W > last event + 30 min + 10 min. Expected values worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  activityEvent,
  contentInteractionEvent,
  iepGoalProgressEvent,
  OperatorTestDriver,
  questionAttemptEvent,
} from '../../../src/processors/index.js';

const MIN = 60_000;
/** Monday 2026-11-16, hh:mm UTC */
const at = (hh: number, mm: number, ms = 0) => Date.UTC(2026, 10, 16, hh, mm) + ms;

describe('SessionWindowOperator', () => {
  it('splits sessions at a 31-minute gap and closes each exactly when W > last + gap + lateness', () => {
    const d = new OperatorTestDriver();
    // 09:00, 09:04, 09:08 | 31 min silence | 09:39, 09:41
    d.pipe(activityEvent(at(9, 0)), activityEvent(at(9, 4)), activityEvent(at(9, 8)));
    d.pipe(activityEvent(at(9, 39)), activityEvent(at(9, 41))); // W = 09:36
    expect(d.output('sessions')).toEqual([]);
    // First session closes when W > 09:08 + 40 min = 09:48, i.e. a tick after 09:53.
    d.advanceTo(at(9, 53)); // W = 09:48: not past yet
    expect(d.output('sessions')).toHaveLength(0);
    d.advanceTo(at(9, 53, 1)); // W = 09:48 + 1 ms
    expect(d.output('sessions')).toHaveLength(1);
    d.advanceTo(at(10, 26, 1)); // W > 09:41 + 40 min = 10:21
    const [first, second] = d.output('sessions');
    // Gaps of 4 min are under the 5-min idle threshold: active = 8 min = 480 s.
    expect(first).toMatchObject({
      learnerId: 'learner-1',
      sessionId: `learner-1:${at(9, 0)}`,
      startMs: at(9, 0),
      endMs: at(9, 8),
      durationMs: 8 * MIN,
      activeSeconds: 480,
      eventCount: 3,
    });
    expect(second).toMatchObject({ startMs: at(9, 39), endMs: at(9, 41), durationMs: 2 * MIN, activeSeconds: 120 });
  });

  it('treats a silence just under the gap as the same session', () => {
    const d = new OperatorTestDriver();
    d.pipe(activityEvent(at(9, 0)), activityEvent(at(9, 29, 59_999)));
    d.advanceTo(at(12, 0));
    expect(d.output('sessions')).toHaveLength(1);
  });

  it('summarises a session: counts by kind, questions correct, sorted topics, active seconds', () => {
    const d = new OperatorTestDriver();
    d.pipe(
      activityEvent(at(9, 0)),
      questionAttemptEvent(at(9, 2), {}, { topicIds: ['b', 'a'], correct: true }),
      questionAttemptEvent(at(9, 3), {}, { topicIds: ['a'], correct: false }),
      contentInteractionEvent(at(9, 10), {}, { topicIds: ['c'] }),
      iepGoalProgressEvent(at(9, 12)),
    );
    d.advanceTo(at(11, 0));
    // Active: 2 + 1 + (7 ≥ 5: idle, 0) + 2 = 5 min = 300 s.
    expect(d.output('sessions')).toEqual([
      {
        tenantId: 'tenant-a',
        learnerId: 'learner-1',
        sessionId: `learner-1:${at(9, 0)}`,
        startMs: at(9, 0),
        endMs: at(9, 12),
        durationMs: 12 * MIN,
        activeSeconds: 300,
        eventCount: 5,
        activityCount: 1,
        questionAttempts: 2,
        questionsCorrect: 1,
        contentInteractions: 1,
        iepUpdates: 1,
        topics: ['a', 'b', 'c'],
      },
    ]);
  });

  it('merges two open sessions when a late-but-allowed event bridges them', () => {
    const run = (withBridge: boolean) => {
      const d = new OperatorTestDriver();
      // A = 10:00, 10:10; B = 10:50 (40 min later: a separate session). W = 10:45.
      d.pipe(activityEvent(at(10, 0)), activityEvent(at(10, 10)), activityEvent(at(10, 50)));
      // A is still open: it closes only when W > 10:10 + 40 min = 10:50.
      // 10:30 is behind the watermark (10:45) but within lateness: 10:30 + 40 min ≥ 10:45.
      // It is < 30 min from 10:10 and from 10:50, so A and B become one session.
      if (withBridge) d.pipe(activityEvent(at(10, 30)));
      d.advanceTo(at(11, 35, 1)); // W > 10:50 + 40 min
      return d;
    };
    const merged = run(true);
    expect(merged.output('sessions')).toHaveLength(1);
    expect(merged.output('sessions')[0]).toMatchObject({
      startMs: at(10, 0),
      endMs: at(10, 50),
      durationMs: 50 * MIN,
      eventCount: 4,
    });
    expect(merged.output('late_events')).toEqual([]);
    expect(
      run(false)
        .output('sessions')
        .map((s) => [s.startMs, s.endMs]),
    ).toEqual([
      [at(10, 0), at(10, 10)],
      [at(10, 50), at(10, 50)],
    ]);
  });

  it('routes too-late events to the late output and never applies them', () => {
    const d = new OperatorTestDriver();
    d.pipe(activityEvent(at(10, 0)), activityEvent(at(10, 5)));
    d.pipe(activityEvent(at(11, 0))); // W = 10:55 > 10:05 + 40 min: the first session is final
    expect(d.output('sessions')).toHaveLength(1);
    // 10:20: its own window is not final (10:20 + 40 min = 11:00 ≥ 10:55), but it is
    // < 30 min after the emitted session's last event (10:05): it would change it.
    const bridging = activityEvent(at(10, 20));
    // 09:00: its own window closed long ago (09:40 < 10:55).
    const ancient = activityEvent(at(9, 0));
    d.pipe(bridging, ancient);
    expect(d.output('late_events')).toEqual([
      { event: bridging, operator: 'sessions', watermarkMs: at(10, 55) },
      { event: ancient, operator: 'sessions', watermarkMs: at(10, 55) },
    ]);
    d.advanceTo(at(13, 0));
    expect(d.output('sessions').map((s) => [s.startMs, s.eventCount])).toEqual([
      [at(10, 0), 2],
      [at(11, 0), 1],
    ]);
  });

  it('caps a session at the maximum length and emits the leading part before the run ends', () => {
    const d = new OperatorTestDriver();
    // One event every 20 min from 08:00 to 13:00: 16 events, 5 h, no gap ≥ 30 min.
    const times = Array.from({ length: 16 }, (_, i) => at(8, 0) + i * 20 * MIN);
    d.pipe(...times.slice(0, 15).map((t) => activityEvent(t))); // up to 12:40, W = 12:35
    expect(d.output('sessions')).toEqual([]);
    // The leading session (events ≤ 08:00 + 4 h) is final when W > 08:00 + 4 h + 30 min + 10 min = 12:40.
    d.pipe(activityEvent(times[15]!)); // 13:00, W = 12:55
    expect(d.output('sessions').map((s) => [s.startMs, s.endMs, s.eventCount])).toEqual([[at(8, 0), at(12, 0), 13]]);
    d.advanceTo(at(13, 45, 1)); // W > 13:00 + 40 min
    const sessions = d.output('sessions');
    expect(sessions.map((s) => [s.startMs, s.endMs, s.durationMs, s.eventCount])).toEqual([
      [at(8, 0), at(12, 0), 240 * MIN, 13],
      [at(12, 20), at(13, 0), 40 * MIN, 3],
    ]);
  });

  it('closes the last session of a quiet partition through a tick, with no further events', () => {
    const d = new OperatorTestDriver();
    d.pipe(activityEvent(at(9, 0)), activityEvent(at(9, 10)));
    // No more events. The engine appends ticks while the partition is quiet.
    d.advanceTo(at(9, 55)); // W = 09:50 = 09:10 + 40 min: not past
    expect(d.output('sessions')).toEqual([]);
    d.advanceTo(at(9, 56)); // W = 09:51
    expect(d.output('sessions')).toHaveLength(1);
    expect(d.output('sessions')[0]).toMatchObject({ startMs: at(9, 0), endMs: at(9, 10), eventCount: 2 });
  });

  it('keeps learners and tenants apart and counts a redelivered event once', () => {
    const d = new OperatorTestDriver();
    const e = activityEvent(at(9, 5), { learnerId: 'x' });
    d.pipe(
      activityEvent(at(9, 0), { learnerId: 'x' }),
      e,
      e,
      activityEvent(at(9, 1), { learnerId: 'x', tenantId: 't2' }),
    );
    d.advanceTo(at(11, 0));
    // Emitted in closing order: t2's session (last 09:01) is final before tenant-a's (last 09:05).
    expect(d.output('sessions').map((s) => [s.tenantId, s.learnerId, s.eventCount])).toEqual([
      ['t2', 'x', 1],
      ['tenant-a', 'x', 2],
    ]);
  });
});

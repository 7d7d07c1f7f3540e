// The operator test driver itself: pipe, advance by ticks, read outputs, and a
// restart from a checkpoint in the middle that changes nothing.
import { expect, it } from 'vitest';
import { activityEvent, OperatorTestDriver, questionAttemptEvent } from '../../../src/processors/index.js';

const at = (hh: number, mm: number) => Date.UTC(2026, 10, 16, hh, mm);

function scenario(restartAfter: number | null): OperatorTestDriver {
  const d = new OperatorTestDriver({ settings: { sessionGapMs: 20 * 60_000 } });
  const events = [
    activityEvent(at(9, 0), { eventId: 'e1' }),
    questionAttemptEvent(at(9, 5), { eventId: 'e2' }),
    activityEvent(at(9, 40), { eventId: 'e3' }), // 35 min later: a new session with a 20-min gap
    // W = 09:35 > 09:03 + 20 + 10 min: too late for sessions, still on time for the day's mastery.
    questionAttemptEvent(at(9, 3), { eventId: 'e4' }, { correct: false }),
    activityEvent(at(10, 30), { eventId: 'e5', learnerId: 'learner-2' }),
  ];
  events.forEach((e, i) => {
    d.pipe(e);
    if (restartAfter === i) d.restart();
  });
  d.advanceTo(Date.UTC(2026, 10, 18));
  return d;
}

it('pipes events, advances time with ticks and reads each output', () => {
  const d = scenario(null);
  expect(d.output('sessions').map((s) => [s.learnerId, s.startMs, s.endMs, s.eventCount])).toEqual([
    ['learner-1', at(9, 0), at(9, 5), 2],
    ['learner-1', at(9, 40), at(9, 40), 1],
    ['learner-2', at(10, 30), at(10, 30), 1],
  ]);
  expect(d.output('late_events').map((l) => [l.event.eventId, l.operator])).toEqual([['e4', 'sessions']]);
  expect(d.output('mastery').map((m) => [m.day, m.attempts, m.correct])).toEqual([['2026-11-16', 2, 1]]);
  expect(d.stamped('sessions').map((s) => s.seq)).toEqual([1, 2, 3]);
  expect(d.records.at(-1)).toMatchObject({ type: 'tick', offset: '5' });
});

it('restarting from a checkpoint anywhere gives the same results as an uninterrupted run', () => {
  const straight = JSON.stringify(scenario(null).results);
  for (let i = 0; i < 5; i++) expect(JSON.stringify(scenario(i).results)).toBe(straight);
});

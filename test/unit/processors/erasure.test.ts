// Erasure of one learner from live operator state: nothing of theirs stays in
// the processor's checkpoint state, their open windows are never emitted, and
// other learners' results are unaffected.
import { describe, expect, it } from 'vitest';
import type { LearningEvent } from '../../../src/ingest/event.js';
import {
  activityEvent,
  contentInteractionEvent,
  PartitionProcessor,
  questionAttemptEvent,
  type SessionWindowResult,
} from '../../../src/processors/index.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0); // Monday 09:00 UTC
const MIN = 60_000;

function feed(p: PartitionProcessor, events: LearningEvent[], from = 0) {
  return events.flatMap((event, i) => [...p.process({ type: 'event', partition: 0, offset: String(from + i), event })]);
}

describe('forgetLearner', () => {
  it('removes the learner from every operator and emits only the others', () => {
    const alice = { tenantId: 't1', learnerId: 'alice-pseudonym' };
    const bob = { tenantId: 't1', learnerId: 'bob-pseudonym' };
    const events = [
      activityEvent(T0, alice),
      questionAttemptEvent(T0 + 1 * MIN, alice, { topicIds: ['fractions'] }),
      contentInteractionEvent(T0 + 2 * MIN, alice, { topicIds: ['fractions'] }),
      activityEvent(T0 + 3 * MIN, bob),
      questionAttemptEvent(T0 + 4 * MIN, bob, { topicIds: ['fractions'] }),
    ];
    const p = new PartitionProcessor(0);
    expect(feed(p, events)).toEqual([]);
    expect(p.snapshot().parts.join('\n')).toContain('alice-pseudonym');

    expect(p.forgetLearner('t1', 'alice-pseudonym')).toBe(true);
    expect(p.forgetLearner('t1', 'alice-pseudonym')).toBe(false);
    expect(p.snapshot().parts.join('\n')).not.toContain('alice-pseudonym');
    expect(p.snapshot().parts.join('\n')).toContain('bob-pseudonym');

    // A tick far ahead closes every window: only Bob's results come out.
    const out = [
      ...p.process({
        type: 'tick',
        partition: 0,
        offset: String(events.length),
        eventTime: T0 + 30 * 86_400_000,
      }),
    ];
    const sessions = out.filter((r) => r.output === 'sessions').map((r) => r.result as SessionWindowResult);
    expect(sessions.map((s) => s.learnerId)).toEqual(['bob-pseudonym']);
    expect(JSON.stringify(out)).not.toContain('alice-pseudonym');
    expect(out.some((r) => r.output === 'mastery')).toBe(true);
  });
});

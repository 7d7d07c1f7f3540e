// Contract v3's exam_result is not activity (src/processors/README.md "Exam
// results"): interleaved into a stream, even very late or for a learner with no
// other events, it changes no session, mastery or weekly-active result and is
// never a late event.
import { describe, expect, it } from 'vitest';
import type { ExamResultBody, LearningEvent, SourceRecord } from '../../../src/ingest/index.js';
import {
  activityEvent,
  contentInteractionEvent,
  PartitionProcessor,
  questionAttemptEvent,
  type StampedResult,
} from '../../../src/processors/index.js';

const MIN = 60_000;
const START = Date.UTC(2026, 10, 2, 8);

function exam(at: number, learnerId: string, eventId: string): LearningEvent<ExamResultBody> {
  return {
    eventId,
    tenantId: 'tenant-a',
    learnerId,
    occurredAt: at,
    receivedAt: at,
    source: 'grading',
    schemaVersion: 3,
    clientSessionId: null,
    body: { kind: 'exam_result', examId: 'exam-1', score: 0.8, passed: true, takenAt: at - 60 * MIN },
  };
}

function records(events: LearningEvent[], endMs: number): SourceRecord[] {
  const out: SourceRecord[] = events.map((event, i) => ({ type: 'event', partition: 0, offset: String(i), event }));
  out.push({ type: 'tick', partition: 0, offset: String(events.length), eventTime: endMs });
  return out;
}

const shape = (results: StampedResult[]) => results.map((r) => ({ output: r.output, result: r.result }));

describe('exam_result in the processors', () => {
  it('leaves sessions, mastery and weekly active as they are without it, and is never late', () => {
    const activity: LearningEvent[] = [];
    for (let day = 0; day < 10; day++) {
      const t = START + day * 86_400_000;
      activity.push(activityEvent(t, { eventId: `a-${day}` }));
      activity.push(questionAttemptEvent(t + 5 * MIN, { eventId: `q-${day}` }, { correct: day % 2 === 0 }));
      activity.push(contentInteractionEvent(t + 9 * MIN, { eventId: `c-${day}` }));
    }
    // Exam results: between sessions (would bridge or open one), for a learner seen nowhere else, and days late.
    const withExams: LearningEvent[] = [];
    activity.forEach((e, i) => {
      withExams.push(e);
      if (i % 3 === 2) {
        withExams.push(exam(e.occurredAt - 1000, 'learner-1', `x-${i}`));
        withExams.push(exam(e.occurredAt - 2000, 'exam-only', `y-${i}`));
      }
      if (i === activity.length - 1) withExams.push(exam(START - 7 * 86_400_000, 'learner-1', 'x-late'));
    });
    const end = START + 40 * 86_400_000;
    const without = new PartitionProcessor(0).processAll(records(activity, end));
    const withThem = new PartitionProcessor(0).processAll(records(withExams, end));
    expect(without.some((r) => r.output === 'sessions')).toBe(true);
    expect(shape(withThem)).toEqual(shape(without));
    expect(withThem.filter((r) => r.output === 'late_events')).toEqual([]);
    expect(JSON.stringify(withThem)).not.toContain('exam-only');
  });
});

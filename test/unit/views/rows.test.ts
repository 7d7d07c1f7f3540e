// Every row the views write has exactly the columns of its table (a missing
// key would silently become a default in ClickHouse), and times land on the
// right UTC day.
import { describe, expect, it } from 'vitest';
import type { LearningEvent } from '../../../src/ingest/event.js';
import type { StampedResult } from '../../../src/processors/results.js';
import { deadLetterRow, rawEventRow, resultRow } from '../../../src/views/rows.js';
import { outputTables, resultIdentityColumns, tableColumns } from '../../../src/views/tables.js';

const ev: LearningEvent = {
  eventId: 'e1',
  tenantId: 't1',
  learnerId: 'l1',
  occurredAt: Date.UTC(2026, 10, 2, 23, 59, 59, 500),
  receivedAt: Date.UTC(2026, 10, 3, 0, 0, 1),
  source: 'quiz',
  schemaVersion: 2,
  body: { kind: 'activity', category: 'auth', action: 'login', objectId: null, durationMs: null },
};

const samples: StampedResult[] = [
  {
    output: 'sessions',
    partition: 3,
    seq: 9,
    result: {
      tenantId: 't1',
      learnerId: 'l1',
      sessionId: 'l1:1',
      startMs: Date.UTC(2026, 10, 2, 23, 30),
      endMs: Date.UTC(2026, 10, 3, 0, 15),
      durationMs: 45 * 60_000,
      activeSeconds: 1500.5,
      eventCount: 4,
      activityCount: 1,
      questionAttempts: 2,
      questionsCorrect: 1,
      contentInteractions: 1,
      iepUpdates: 0,
      topics: ['a', 'b'],
    },
  },
  {
    output: 'mastery',
    partition: 0,
    seq: 1,
    result: {
      tenantId: 't1',
      learnerId: 'l1',
      topicId: 'a',
      day: '2026-11-02',
      pKnown: 0.5,
      attempts: 2,
      correct: 1,
      firstAttempts: 1,
      firstAttemptCorrect: 1,
      firstAttemptAccuracy: 1,
      accuracy: 0.5,
      retrievalStrength: 0.9,
      nextReviewMs: Date.UTC(2026, 10, 5),
      materialCompletion: 0.2,
      recentAttempts: 2,
      recentFailures: 1,
      masteryScore: 0.71,
      trend: 'improving',
      change: 0.1,
    },
  },
  {
    output: 'weekly_active',
    partition: 0,
    seq: 1,
    result: {
      tenantId: 't1',
      weekStart: '2026-11-02',
      isoWeek: '2026-W45',
      active: 1,
      new: 1,
      returning: 0,
      reactivated: 0,
      churned: 0,
      sessions: 2,
      learningMinutes: 30,
    },
  },
  {
    output: 'late_events',
    partition: 1,
    seq: 4,
    result: { event: ev, operator: 'sessions', watermarkMs: ev.occurredAt + 700_000 },
  },
];

describe('rows', () => {
  it('each output row has exactly its table columns', () => {
    for (const s of samples) {
      // The sink adds the result identity and the writer's claim (resultIdentityColumns) to each row.
      expect([...Object.keys(resultRow(s)), ...resultIdentityColumns].sort(), s.output).toEqual(
        [...tableColumns[outputTables[s.output]]].sort(),
      );
    }
    expect(Object.keys(rawEventRow(ev, 0, '12')).sort()).toEqual([...tableColumns.raw_events].sort());
    expect(
      Object.keys(deadLetterRow({ atMs: 0, reason: 'r', topic: 't', partition: 0, offset: 1, rawBase64: '' })).sort(),
    ).toEqual([...tableColumns.dead_letters].sort());
  });

  it('stamps partition and seq, and puts times on their UTC day', () => {
    const session = resultRow(samples[0] as StampedResult);
    // Starts 23:30 on 11-02 and ends after midnight: it belongs to its start day.
    expect(session).toMatchObject({ start: '2026-11-02 23:30:00', day: '2026-11-02', source_partition: 3, seq: 9 });
    const late = resultRow(samples[3] as StampedResult);
    expect(late).toMatchObject({
      occurred_at: '2026-11-02 23:59:59',
      occurred_at_ms: Date.UTC(2026, 10, 2, 23, 59, 59, 500),
      day: '2026-11-02',
      kind: 'activity',
      lateness_ms: 700_000,
      body: '{"category":"auth","action":"login","objectId":null,"durationMs":null}',
    });
  });
});

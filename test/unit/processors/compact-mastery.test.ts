// Mastery state packed into typed-array records: checkpoint entries keep the
// shapes written before packing, a day closes in the string order of the
// topic keys even where one learner key is a prefix of another, and erasure
// frees the learner's interned strings once the days that name them close.
import { describe, expect, it } from 'vitest';
import {
  contentInteractionEvent,
  defaultEngineSettings,
  MasteryOperator,
  NO_WATERMARK,
  questionAttemptEvent,
} from '../../../src/processors/index.js';
import { decodeMasteryBlock } from '../../../src/processors/operators/mastery-blocks.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 10, 16); // a Monday, 00:00 UTC
/** Watermark that closes day D0 + n: past the next midnight plus 10 min lateness. */
const closing = (n: number) => D0 + (n + 1) * DAY + 10 * 60_000 + 1;

function drain(op: MasteryOperator, watermarkMs: number) {
  return Array.from(op.onWatermark(watermarkMs), (e) => e.result as { learnerId: string; topicId: string });
}

describe('compact mastery state', () => {
  it('snapshots the entry shapes of the unpacked layout (and restores them to the same entries)', () => {
    const op = new MasteryOperator(defaultEngineSettings());
    const who = { tenantId: 't', learnerId: 'L' };
    op.process(
      questionAttemptEvent(D0 + 3_600_000, { ...who, eventId: 'e1' }, { topicIds: ['x'], score: 0.5 }),
      NO_WATERMARK,
    );
    op.process(
      contentInteractionEvent(D0 + 7_200_000, { ...who, eventId: 'e2' }, { topicIds: ['x'], contentId: 'c' }),
      NO_WATERMARK,
    );
    const entries = Array.from(op.snapshotEntries());
    // Written by hand from the layout before packing: a new topic (prior 0.2, no card, no contents, no last
    // score), then the day's buffered items in arrival order, progress clamped to 0..1.
    const expected = [
      [
        'mastery.topics',
        [
          't\u0000L\u0000x',
          {
            tenantId: 't',
            learnerId: 'L',
            topicId: 'x',
            pKnown: 0.2,
            attempts: 0,
            correct: 0,
            firstAttempts: 0,
            firstAttemptCorrect: 0,
            card: null,
            contents: [],
            lastScore: null,
          },
        ],
      ],
      [
        'mastery.pending',
        [
          D0,
          't\u0000L\u0000x',
          [
            {
              t: D0 + 3_600_000,
              id: 'e1',
              kind: 'attempt',
              attempt: {
                correct: true,
                score: 0.5,
                attemptNumber: 1,
                responseTimeMs: 20_000,
                hintsUsed: 0,
                confidence: null,
              },
            },
            { t: D0 + 7_200_000, id: 'e2', kind: 'content', contentId: 'c', progress: 0.5 },
          ],
        ],
      ],
    ];
    // Topics are written as binary blocks now (mastery-blocks.ts): decoded, a block holds exactly the
    // hand-written fields. The buffered items are rows of nine numbers (mastery-pending-rows.ts): key ref,
    // time since the day's start, event id ref, flags (1 content, 2 correct, 4 confidence null), score or
    // progress, attempt number or content id ref, response time, hints, confidence.
    const [topics, pending] = entries as [[string, string], unknown];
    expect(topics[0]).toBe('mastery.blocks');
    const [topic] = Array.from(decodeMasteryBlock(topics[1]));
    const { contents: _none, ...fields } = (expected[0] as [string, [string, Record<string, unknown>]])[1][1];
    expect(topic).toEqual({ learnerKey: 't\u0000L', fields: { ...fields, recent: 0 }, contents: null });
    expect(pending).toEqual([
      'mastery.pendingRows',
      [
        D0,
        ['t\u0000L\u0000x', 'e1', 'e2', 'c'],
        [0, 3_600_000, 1, 2 | 4, 0.5, 1, 20_000, 0, 0, 0, 7_200_000, 2, 1, 0.5, 3, 0, 0, 0],
      ],
    ]);
    expect(entries).toHaveLength(2);

    // The shapes written before blocks (checkpoint version 2) still restore, to the same state.
    const copy = new MasteryOperator(defaultEngineSettings());
    for (const [section, value] of JSON.parse(JSON.stringify(expected)) as [string, unknown][]) {
      expect(copy.restoreEntry(section, value)).toBe(true);
    }
    expect(JSON.stringify(Array.from(copy.snapshotEntries()))).toBe(JSON.stringify(entries));
    // And blocks restore to the same state.
    const fromBlocks = new MasteryOperator(defaultEngineSettings());
    for (const [section, value] of entries) expect(fromBlocks.restoreEntry(section, value)).toBe(true);
    expect(JSON.stringify(Array.from(fromBlocks.snapshotEntries()))).toBe(JSON.stringify(entries));
    // After the close the card and last score exist: they go through the packed columns and back unchanged.
    drain(op, closing(0));
    drain(copy, closing(0));
    expect(JSON.stringify(Array.from(copy.snapshotEntries()))).toBe(JSON.stringify(Array.from(op.snapshotEntries())));
    const [first] = Array.from(op.snapshotEntries()) as [string, string][];
    const [closed] = Array.from(decodeMasteryBlock(first![1]));
    expect(closed!.fields.card).toMatchObject({ reps: 1, lapses: 0 });
    expect(closed!.contents).toEqual(new Map([['c', 0.5]]));
    expect(typeof closed!.fields.lastScore).toBe('number');
  });

  it('closes a day in the string order of the topic keys, learner keys that prefix others included', () => {
    const op = new MasteryOperator(defaultEngineSettings());
    const learners = ['ab', 'a', 'a\u0001', 'b', 'a\u0000z'];
    const topics = ['z', '\u0000', 'a', 'ab'];
    for (const learnerId of learners) {
      for (const topicId of topics) {
        op.process(questionAttemptEvent(D0 + 60_000, { tenantId: 't', learnerId }, { topicIds: [topicId] }), 0);
      }
    }
    // Expected: the keys tenant\0learner\0topic sorted as plain strings, computed apart from the operator.
    const expected = learners
      .flatMap((l) => topics.map((t) => ({ key: `t\u0000${l}\u0000${t}`, l, t })))
      .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
      .map(({ l, t }) => [l, t]);
    expect(drain(op, closing(0)).map((s) => [s.learnerId, s.topicId])).toEqual(expected);
  });

  it('frees an erased learner’s interned ids once the days that may name them have closed', () => {
    const op = new MasteryOperator(defaultEngineSettings());
    const erased = { tenantId: 'tenant-gone', learnerId: 'gone' };
    const kept = { tenantId: 'tenant-kept', learnerId: 'kept' };
    op.process(questionAttemptEvent(D0 + 60_000, erased, { topicIds: ['only-gone', 'shared'] }), 0);
    op.process(questionAttemptEvent(D0 + 60_000, kept, { topicIds: ['shared'] }), 0);
    expect(op.heldStrings).toEqual({ tenants: 2, topics: 2, learners: 2 });

    expect(op.forgetLearner('tenant-gone', 'gone')).toBe(true);
    expect(op.entryCount).toBe(1);
    // The day still open sorts its runs through the erased records: they wait for its close.
    expect(op.heldStrings).toEqual({ tenants: 2, topics: 2, learners: 2 });
    // The learner comes back the same day: a new entry, not the erased one.
    op.process(questionAttemptEvent(D0 + 120_000, erased, { topicIds: ['only-gone'] }), 0);
    const closed = drain(op, closing(0));
    expect(closed.map((s) => [s.learnerId, s.topicId])).toEqual([
      ['gone', 'only-gone'],
      ['kept', 'shared'],
    ]);
    expect((closed[0] as unknown as { attempts: number }).attempts).toBe(1);
    expect(op.heldStrings).toEqual({ tenants: 2, topics: 2, learners: 2 });

    expect(op.forgetLearner('tenant-gone', 'gone')).toBe(true);
    // No day open: freed at once; only the kept learner's tenant and topic remain.
    expect(op.heldStrings).toEqual({ tenants: 1, topics: 1, learners: 1 });
    expect(op.forgetLearner('tenant-kept', 'kept')).toBe(true);
    expect(op.heldStrings).toEqual({ tenants: 0, topics: 0, learners: 0 });
    expect(Array.from(op.snapshotEntries())).toEqual([]);
    // Freed slots are reused.
    op.process(questionAttemptEvent(D0 + 2 * DAY, kept, { topicIds: ['again'] }), 0);
    expect(op.heldStrings).toEqual({ tenants: 1, topics: 1, learners: 1 });
    expect(drain(op, closing(2)).map((s) => [s.learnerId, s.topicId])).toEqual([['kept', 'again']]);
  });

  it('refuses malformed checkpoint entries instead of storing coerced numbers', () => {
    const op = new MasteryOperator(defaultEngineSettings());
    expect(() => op.restoreEntry('mastery.topics', 7)).toThrow();
    const topic = {
      tenantId: 't',
      learnerId: 'L',
      topicId: 'x',
      pKnown: '0.2',
      attempts: 0,
      correct: 0,
      firstAttempts: 0,
      firstAttemptCorrect: 0,
      card: null,
      contents: [],
      lastScore: null,
    };
    expect(() => op.restoreEntry('mastery.topics', ['t\u0000L\u0000x', topic])).toThrow();
    expect(() =>
      op.restoreEntry('mastery.topics', ['t\u0000L\u0000x', { ...topic, pKnown: 0.2, attempts: 1.5 }]),
    ).toThrow();
    expect(() => op.restoreEntry('mastery.pending', [D0, 't\u0000nobody\u0000x', []])).toThrow();
    const row = [0, 60_000, 1, 2, 1, 1, 20_000, 0, 0];
    expect(() => op.restoreEntry('mastery.pendingRows', [D0, ['t\u0000nobody\u0000x', 'e'], row])).toThrow();
  });
});

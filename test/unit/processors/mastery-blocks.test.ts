// Mastery records in checkpoints travel as binary blocks. A block is built here
// by hand, byte by byte from the documented layout (mastery-blocks.ts), so the
// test checks the format, not the encoder against itself; then every kind of
// damage a stored checkpoint can carry is refused with a clear error.
import { describe, expect, it } from 'vitest';
import { defaultEngineSettings, MasteryOperator, PartitionProcessor } from '../../../src/processors/index.js';
import { decodeMasteryBlock } from '../../../src/processors/operators/mastery-blocks.js';

const f64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...b];
};
const str = (s: string) => [Buffer.byteLength(s), ...Buffer.from(s)];

/** One record of learner L of tenant t on topic x: pKnown, 3 attempts (2 correct, 1 first, 1 first correct). */
function block(opts: { pKnown?: number; flags?: number; ref?: number; tail?: number[]; records?: number } = {}) {
  return Buffer.from([
    1, // format
    3,
    ...str('t\u0000L'),
    ...str('t'),
    ...str('x'),
    opts.records ?? 1,
    0,
    1,
    opts.ref ?? 2,
    opts.flags ?? 0,
    ...f64(opts.pKnown ?? 0.625),
    3,
    2,
    1,
    1,
    0, // no contents
    ...(opts.tail ?? []),
  ]).toString('base64');
}

/** The same record in format 2: the strings beside the base64, which holds the records only. */
function block2(opts: { ref?: number; strings?: unknown } = {}) {
  const records = Buffer.from([2, 1, 0, 1, opts.ref ?? 2, 0, ...f64(0.625), 3, 2, 1, 1, 0]).toString('base64');
  return [opts.strings ?? ['t\u0000L', 't', 'x'], records];
}

/**
 * Format 3: format 2 plus the recent outcomes after the counts — here 0x2002 as a varint (bytes 0x82 0x40):
 * 2 attempts in the window (bits 12–15), the older failed (bit 1), the newer correct (bit 0).
 */
function block3(recent = [0x82, 0x40]) {
  const records = Buffer.from([3, 1, 0, 1, 2, 0, ...f64(0.625), 3, 2, 1, 1, ...recent, 0]).toString('base64');
  return [['t\u0000L', 't', 'x'], records];
}

describe('mastery blocks', () => {
  it('decode a hand-built block to its fields', () => {
    expect(Array.from(decodeMasteryBlock(block()))).toEqual([
      {
        learnerKey: 't\u0000L',
        fields: {
          tenantId: 't',
          learnerId: 'L',
          topicId: 'x',
          pKnown: 0.625,
          attempts: 3,
          correct: 2,
          firstAttempts: 1,
          firstAttemptCorrect: 1,
          card: null,
          lastScore: null,
          recent: 0, // formats 1 and 2 carry no recent outcomes: an empty window
        },
        contents: null,
      },
    ]);
  });

  it('decode the same record from format 2, whose strings are plain JSON beside the records', () => {
    expect(Array.from(decodeMasteryBlock(block2()))).toEqual(Array.from(decodeMasteryBlock(block())));
    // An erasure finds the learner's pseudonym in the stored text: it is not inside the base64.
    expect(JSON.stringify(block2())).toContain('"t\\u0000L"');
  });

  it('are what the operator writes for that state (format 3), read back from format 1, 2 or 3', () => {
    for (const stored of [block(), block2()]) {
      const op = new MasteryOperator(defaultEngineSettings());
      expect(op.restoreEntry('mastery.blocks', stored)).toBe(true);
      expect(Array.from(op.snapshotEntries())).toEqual([['mastery.blocks', block3([0])]]);
    }
    const [record] = Array.from(decodeMasteryBlock(block3()));
    expect(record!.fields.recent).toBe(0x2002);
    const op = new MasteryOperator(defaultEngineSettings());
    expect(op.restoreEntry('mastery.blocks', block3())).toBe(true);
    expect(Array.from(op.snapshotEntries())).toEqual([['mastery.blocks', block3()]]);
  });

  it.each([
    ['a truncated block', block().slice(0, 20)],
    ['a ref past the strings', block({ ref: 9 })],
    ['a number that is not finite', block({ pKnown: Number.NaN })],
    ['unknown flags', block({ flags: 64 })],
    ['a last review without a card', block({ flags: 2 })],
    ['bytes after the records', block({ tail: [0] })],
    ['more records than bytes', block({ records: 90 })],
    ['another format', Buffer.from([2, 0, 0]).toString('base64')],
    ['a value that is not text', 42],
    ['format 2 with a ref past its strings', block2({ ref: 9 })],
    ['format 2 with strings that are not text', block2({ strings: ['t\u0000L', 't', 7] })],
    ['format 2 records in a format-1 entry', block2()[1]],
    ['format 1 records in a format-2 entry', [['t\u0000L', 't', 'x'], block()]],
    ['recent outcomes past their count', block3([0x84, 0x20])], // 0x1004: 1 attempt, bit 2 set
    ['a window of more than 10 attempts', block3([0x80, 0xe0, 0x02])], // 11 << 12
  ])('refuse %s', (_why, value) => {
    expect(() => Array.from(decodeMasteryBlock(value))).toThrow(TypeError);
    const p = new PartitionProcessor(0);
    const restore = p.beginRestore({ offset: '0', seqs: p.lastSeqs });
    restore.add(JSON.stringify({ version: 3, watermark: { maxEventTime: null } }));
    expect(() => restore.add(JSON.stringify({ section: 'mastery.blocks', entries: [value] }))).toThrow(
      expect.objectContaining({ code: 'LS_PROCESSOR_CHECKPOINT_INVALID' }),
    );
  });
});

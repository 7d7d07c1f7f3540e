// A day closing 300,000 mastery entries on one partition: no stack overflow,
// exactly 300,000 snapshots with seqs 1…300,000 in topic-key order, a
// checkpoint in bounded parts, and a restore from those parts that closes the
// same day identically. No timing assertions (the bench measures the steps).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/ingest/event.js';
import {
  contentInteractionEvent,
  type MasterySnapshotResult,
  PartitionProcessor,
  type StampedResult,
} from '../../../src/processors/index.js';
import { BLOCK_RECORDS } from '../../../src/processors/operators/mastery-blocks.js';
import { PART_MAX_CHARS, PART_MAX_ENTRIES } from '../../../src/processors/partition-processor.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 17, 8); // Tuesday
const LEARNERS = 30_000;
const TOPICS = 10;

function records(): SourceRecord[] {
  const topicIds = Array.from({ length: TOPICS }, (_, i) => `topic-${i}`);
  const out: SourceRecord[] = [];
  for (let i = 0; i < LEARNERS; i++) {
    const event = contentInteractionEvent(
      T0 + Math.floor(i / 50) * MIN, // 50 learners a minute, in time order, over 10 h
      { tenantId: `tenant-${i % 3}`, learnerId: `learner-${i}`, eventId: `e-${i}` },
      { topicIds, contentId: 'content-1', progress: 0.5 },
    );
    out.push({ type: 'event', partition: 0, offset: String(i), event });
  }
  return out;
}

/** W = tick − 5 min > day end + 10 min lateness: the day closes (and every session with it). */
const closeTick: SourceRecord = { type: 'tick', partition: 0, offset: String(LEARNERS), eventTime: T0 + DAY };

/** Digest of the results' JSON, one line each (comparing 330,000 objects deeply is slow). */
function digest(results: Iterable<StampedResult>): string {
  const hash = createHash('sha256');
  let n = 0;
  for (const r of results) {
    hash.update(`${JSON.stringify(r)}\n`);
    n++;
  }
  return `${n} ${hash.digest('hex')}`;
}

describe('300,000 mastery entries on one partition', () => {
  it('closes the day into exactly 300,000 snapshots and restores the same from bounded parts', () => {
    const p = new PartitionProcessor(0);
    const fed = p.processAll(records());
    // Sessions close as event time moves on (learners start a minute apart over 10 h); nothing else yet.
    expect(fed.every((r) => r.output === 'sessions')).toBe(true);

    const checkpoint = p.snapshot();
    // 300,000 topics are 293 blocks of 1,024 records, about 100 kB of text each: at most two to a part.
    expect(checkpoint.parts.length).toBeGreaterThan(300_000 / BLOCK_RECORDS / 2);
    for (const part of checkpoint.parts) {
      const parsed = JSON.parse(part) as { entries?: unknown[] };
      expect(parsed.entries?.length ?? 0).toBeLessThanOrEqual(PART_MAX_ENTRIES);
      expect(part.length).toBeLessThan(PART_MAX_CHARS + 2_000); // the last entry may go past the limit
    }

    const closed: StampedResult[] = Array.from(p.process(closeTick));
    const mastery = closed.filter((r) => r.output === 'mastery');
    expect(mastery.length).toBe(LEARNERS * TOPICS);
    expect(mastery.every((r, i) => r.seq === i + 1 && r.partition === 0)).toBe(true);
    expect(fed.length + closed.filter((r) => r.output === 'sessions').length).toBe(LEARNERS);
    // In (tenant, learner, topic) string order, each once.
    const keys = mastery.map((r) => {
      const s = r.result as MasterySnapshotResult;
      return `${s.tenantId}\u0000${s.learnerId}\u0000${s.topicId}`;
    });
    expect(keys.every((k, i) => i === 0 || keys[i - 1]! < k)).toBe(true);
    // One content at half progress, no attempts: accuracies and retrieval strength 0, pKnown the prior 0.2,
    // materialCompletion 0.5, masteryScore = 0.2 · 0.5 = 0.1.
    for (const r of [mastery[0]!, mastery[mastery.length - 1]!]) {
      const s = r.result as MasterySnapshotResult;
      expect(s).toMatchObject({ day: '2026-11-17', attempts: 0, accuracy: 0, retrievalStrength: 0, trend: 'new' });
      expect(s.pKnown).toBeCloseTo(0.2, 12);
      expect(s.materialCompletion).toBeCloseTo(0.5, 12);
      expect(s.masteryScore).toBeCloseTo(0.1, 12);
    }

    const restored = new PartitionProcessor(0);
    const restore = restored.beginRestore({ offset: checkpoint.offset, seqs: checkpoint.seqs });
    for (const part of checkpoint.parts) restore.add(part);
    restore.finish();
    expect(digest(restored.process(closeTick))).toBe(digest(closed));
  }, 300_000);
});

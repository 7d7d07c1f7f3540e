// The pipeline's processor port: restored from a checkpoint at once or part by
// part with the event loop free between slices, both give the state back
// exactly; the next offset follows processed records and dead-letter skips.
import { describe, expect, it } from 'vitest';
import { createPartitionProcessor, restorePartitionProcessor } from '../../../src/engine/processor-adapter.js';
import type { SourceRecord } from '../../../src/ingest/event.js';
import {
  contentInteractionEvent,
  defaultEngineSettings,
  type PartitionCheckpoint,
  PartitionProcessor,
} from '../../../src/processors/index.js';

const T0 = Date.UTC(2026, 10, 17, 8);
const DAY = 86_400_000;
const settings = defaultEngineSettings();

function checkpointOf(learners: number): PartitionCheckpoint {
  const p = new PartitionProcessor(0, settings);
  for (let i = 0; i < learners; i++) {
    const event = contentInteractionEvent(T0, { learnerId: `l-${i}`, eventId: `e-${i}` }, { topicIds: ['a', 'b'] });
    Array.from(p.process({ type: 'event', partition: 0, offset: String(i), event }));
  }
  const cp = p.snapshot();
  return {
    group: 'g',
    topic: 't',
    partition: 0,
    offset: cp.offset!,
    seqs: cp.seqs,
    parts: cp.parts,
    version: 1,
    createdAtMs: 0,
  };
}

describe('processor adapter', () => {
  it('restores part by part, letting timers run between slices, to the same state', async () => {
    const checkpoint = checkpointOf(3_000); // 6,000 mastery keys: several parts
    expect(checkpoint.parts.length).toBeGreaterThan(3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sliced = await restorePartitionProcessor(0, checkpoint, settings, 0); // yield after every part
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const atOnce = createPartitionProcessor(0, checkpoint, settings);
    expect(Array.from(sliced.checkpointParts({ maxDeltas: 10 }).parts)).toEqual(checkpoint.parts);
    expect(Array.from(atOnce.checkpointParts({ maxDeltas: 10 }).parts)).toEqual(checkpoint.parts);
    expect(sliced.nextOffset()).toBe('3000');

    const tick: SourceRecord = { type: 'tick', partition: 0, offset: '3000', eventTime: T0 + DAY };
    const a = Array.from(sliced.process(tick));
    expect(a.filter((r) => r.output === 'mastery')).toHaveLength(6_000);
    expect(Array.from(atOnce.process(tick))).toEqual(a);
    sliced.advanceTo('3005'); // past dead-lettered records
    expect(sliced.nextOffset()).toBe('3005');
  });
});

// Incremental checkpoints: a chain of one full checkpoint and deltas (the
// learners changed since the previous capture, and the small global state)
// restores to a state whose results are exactly those of an uninterrupted run,
// at every cut along the chain. The reference is the uninterrupted run itself:
// after restoring checkpoint k, the processor must emit exactly the results
// the uninterrupted run emitted with a sequence number past checkpoint k's.
import { describe, expect, it } from 'vitest';
import type { LearningEvent, SourceRecord } from '../../../src/ingest/event.js';
import {
  activityEvent,
  type CheckpointKind,
  contentInteractionEvent,
  iepGoalProgressEvent,
  PartitionProcessor,
  questionAttemptEvent,
} from '../../../src/processors/index.js';
import type { OutputName } from '../../../src/processors/results.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 7); // Monday 07:00
const LEARNERS = 3_000;

/** A seeded stream: 3,000 learners of 3 tenants over ~16 days, mixed kinds, some out of order, some too late, ticks. */
function stream(events: number, seed = 11): SourceRecord[] {
  let x = seed;
  const rand = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const out: SourceRecord[] = [];
  let clock = T0;
  for (let i = 0; i < events; i++) {
    clock += Math.floor(rand() * 90_000); // ~45 s apart on average: 30,000 events ≈ 16 days
    const learner = Math.floor(rand() * rand() * LEARNERS); // skewed: some learners far more active
    const basics = { tenantId: `tenant-${learner % 3}`, learnerId: `learner-${learner}`, eventId: `e-${i}` };
    const jitter = rand() < 0.1 ? Math.floor(rand() * 40 * MIN) : 0; // out of order, a few beyond lateness
    const t = clock - jitter;
    const topics = [`topic-${Math.floor(rand() * 5)}`];
    const kind = rand();
    let event: LearningEvent;
    if (kind < 0.4) event = questionAttemptEvent(t, basics, { topicIds: topics, correct: rand() < 0.7 });
    else if (kind < 0.7) event = contentInteractionEvent(t, basics, { topicIds: topics, progress: rand() });
    else if (kind < 0.97) event = activityEvent(t, basics);
    else event = iepGoalProgressEvent(t, basics);
    out.push({ type: 'event', partition: 0, offset: String(out.length), event });
    if (i % 997 === 996) out.push({ type: 'tick', partition: 0, offset: String(out.length), eventTime: clock });
  }
  out.push({ type: 'tick', partition: 0, offset: String(out.length), eventTime: clock + 30 * DAY });
  return out;
}

interface Captured {
  kind: CheckpointKind;
  parts: string[];
  offset: string;
  seqs: Record<OutputName, number>;
}

/** Processes `records`, capturing a checkpoint every `every` records; returns the results (JSON lines) and the chain. */
function runWithCheckpoints(
  records: SourceRecord[],
  every: number,
  maxDeltas: number,
  from = 0,
): { results: string[]; chain: Captured[] } {
  const p = new PartitionProcessor(0);
  const results: string[] = [];
  const chain: Captured[] = [];
  records.forEach((record, i) => {
    for (const r of p.process(record)) results.push(JSON.stringify(r));
    if (i >= from && (i + 1) % every === 0) {
      const capture = p.checkpointParts({ maxDeltas });
      const parts = Array.from(capture.parts);
      chain.push({ kind: capture.kind, parts, offset: p.nextOffset!, seqs: p.lastSeqs });
    }
  });
  return { results, chain };
}

/** The parts a store returns for checkpoint k: the newest full at or before k, then every delta up to k. */
function chainAt(chain: Captured[], k: number): string[] {
  let base = k;
  while (chain[base]!.kind !== 'full') base--;
  return chain.slice(base, k + 1).flatMap((c) => c.parts);
}

function resumeFrom(chain: Captured[], k: number, records: SourceRecord[]): string[] {
  const p = new PartitionProcessor(0);
  p.restore({ offset: chain[k]!.offset, seqs: chain[k]!.seqs, parts: chainAt(chain, k) });
  const out: string[] = [];
  for (const record of records.slice(Number(chain[k]!.offset)))
    for (const r of p.process(record)) out.push(JSON.stringify(r));
  return out;
}

function emittedAfter(results: string[], seqs: Record<OutputName, number>): string[] {
  return results.filter((line) => {
    const r = JSON.parse(line) as { output: OutputName; seq: number };
    return r.seq > seqs[r.output];
  });
}

describe('incremental checkpoints', () => {
  const records = stream(30_000);
  const uninterrupted = new PartitionProcessor(0).processAll(records).map((r) => JSON.stringify(r));

  it('restores from a full checkpoint plus many deltas to exactly the results of an uninterrupted run', () => {
    const { results, chain } = runWithCheckpoints(records, 150, 1_000);
    // Checkpoints never change what is emitted.
    expect(results).toEqual(uninterrupted);
    expect(chain[0]!.kind).toBe('full');
    const deltas = chain.filter((c) => c.kind === 'delta').length;
    expect(deltas).toBeGreaterThanOrEqual(150);
    // Every output was produced, and some events were late: the stream exercises every operator.
    for (const output of ['sessions', 'mastery', 'weekly_active', 'late_events'] as const) {
      expect(uninterrupted.some((l) => l.includes(`"output":"${output}"`))).toBe(true);
    }
    for (const k of [0, 1, 2, 17, 60, 99, 150, chain.length - 1]) {
      expect(resumeFrom(chain, k, records), `resumed at checkpoint ${k} (${chain[k]!.kind})`).toEqual(
        emittedAfter(uninterrupted, chain[k]!.seqs),
      );
    }
  }, 180_000); // eight resumes of a 30,000-event stream: ~10 s alone, several times that on a loaded machine

  it('starts a new chain with a full checkpoint after maxDeltas deltas, and restores across the compaction', () => {
    // From record 6,000 on (2,000+ learners held), 100 records change far fewer than half of them.
    const { chain } = runWithCheckpoints(records.slice(0, 7_000), 100, 3, 6_000);
    expect(chain.map((c) => c.kind).slice(0, 9)).toEqual([
      'full',
      'delta',
      'delta',
      'delta',
      'full',
      'delta',
      'delta',
      'delta',
      'full',
    ]);
    for (const k of [3, 4, 6]) {
      expect(resumeFrom(chain, k, records)).toEqual(emittedAfter(uninterrupted, chain[k]!.seqs));
    }
  });

  it('spreads the rewrite of the state over several deltas and restores from its start once it ends', () => {
    // Checkpoints every 100 records from record 6,000 (about 2,000 learners held): after 4 deltas a
    // rewrite starts and writes 500 learners per delta besides the changed ones; no capture but the
    // first writes the whole state.
    const p = new PartitionProcessor(0);
    const results: string[] = [];
    const chain: (Captured & { rewrite?: string; learners: string[] })[] = [];
    const slice = 500;
    records.slice(0, 12_000).forEach((record, i) => {
      for (const r of p.process(record)) results.push(JSON.stringify(r));
      if (i >= 6_000 && (i + 1) % 100 === 0) {
        const capture = p.checkpointParts({ maxDeltas: 4, rewriteSlice: slice });
        const parts = Array.from(capture.parts);
        const learners = parts
          .map((t) => JSON.parse(t) as { section?: string; entries?: string[] })
          .filter((part) => part.section === 'learners.drop')
          .flatMap((part) => part.entries!);
        chain.push({
          kind: capture.kind,
          parts,
          offset: p.nextOffset!,
          seqs: p.lastSeqs,
          learners,
          ...(capture.rewrite ? { rewrite: capture.rewrite } : {}),
        });
      }
    });
    expect(results).toEqual(uninterrupted.slice(0, results.length));
    expect(chain.filter((c) => c.kind === 'full')).toHaveLength(1);
    expect(chain[0]!.kind).toBe('full');
    const steps = chain.map((c) => c.rewrite ?? '-');
    // 4 deltas, then a rewrite of ~2,000 learners in 500s: start, steps, end; 4 deltas after its start… again.
    expect(steps.slice(0, 6)).toEqual(['-', '-', '-', '-', '-', 'start']);
    const ends = steps.flatMap((s, i) => (s === 'end' ? [i] : []));
    expect(ends.length).toBeGreaterThanOrEqual(3);
    // A rewrite writes every learner held at its start: the first one's deltas name each of them.
    const start = steps.indexOf('start');
    const held = new PartitionProcessor(0);
    held.processAll(records.slice(0, Number(chain[start - 1]!.offset)));
    const written = new Set(chain.slice(start, ends[0]! + 1).flatMap((c) => c.learners));
    const heldKeys = new Set<string>();
    for (const r of records.slice(0, Number(chain[start - 1]!.offset)))
      if (r.type === 'event') heldKeys.add(`${r.event.tenantId}\u0000${r.event.learnerId}`);
    for (const key of heldKeys) expect(written.has(key)).toBe(true);
    // Restore point of checkpoint k: the start of the last rewrite that ended by k, else the full one.
    const restorePoint = (k: number) => {
      let point = 0;
      let open: number | undefined;
      for (let i = 0; i <= k; i++) {
        if (chain[i]!.rewrite === 'start') open = i;
        if (chain[i]!.rewrite === 'whole') point = i;
        if (chain[i]!.rewrite === 'end' && open !== undefined) point = open;
      }
      return point;
    };
    for (const k of [start, ends[0]! - 1, ends[0]!, ends[0]! + 1, ends[1]!, chain.length - 1]) {
      const from = restorePoint(k);
      const q = new PartitionProcessor(0);
      q.restore({
        offset: chain[k]!.offset,
        seqs: chain[k]!.seqs,
        parts: chain.slice(from, k + 1).flatMap((c) => c.parts),
      });
      const out: string[] = [];
      for (const record of records.slice(Number(chain[k]!.offset)))
        for (const r of q.process(record)) out.push(JSON.stringify(r));
      expect(out, `resumed at checkpoint ${k} from ${from}`).toEqual(emittedAfter(uninterrupted, chain[k]!.seqs));
    }
    // From a rewrite's start, the chain must reach its end.
    const cut = chain.slice(start, ends[0]!).flatMap((c) => c.parts);
    expect(() =>
      new PartitionProcessor(0).restore({
        offset: chain[ends[0]! - 1]!.offset,
        seqs: chain[ends[0]! - 1]!.seqs,
        parts: cut,
      }),
    ).toThrow(/does not reach its end/);
  }, 180_000);

  it('a delta holds the learners changed since the last capture, not the whole state', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 20_000));
    const full = Array.from(p.checkpointParts({ maxDeltas: 10 }).parts);
    // A new learner's event a minute behind the watermark: it closes nothing, so it is the only change.
    const next = questionAttemptEvent(p.watermarkMs - MIN, { tenantId: 'tenant-1', learnerId: 'newcomer' });
    p.processAll([{ type: 'event', partition: 0, offset: p.nextOffset!, event: next }]);
    const capture = p.checkpointParts({ maxDeltas: 10 });
    expect(capture.kind).toBe('delta');
    const parts = Array.from(capture.parts).map((t) => JSON.parse(t) as { section?: string; entries?: unknown[] });
    const dropped = parts.filter((part) => part.section === 'learners.drop').flatMap((part) => part.entries!);
    expect(dropped).toEqual(['tenant-1\u0000newcomer']);
    // Header, the drop list, then the newcomer's entries in the operators' sections (open session and its
    // timer, mastery block and pending item, weekly history, activity), then the weekly globals: far below
    // the full one.
    const own = parts.filter(
      (part) => part.section !== undefined && !/^weekly\.(weeks|counts|sessions)$/.test(part.section),
    );
    for (const part of own) expect(JSON.stringify(part.entries)).toContain('newcomer');
    expect(own.map((part) => part.section)).toEqual([
      'learners.drop',
      'sessions.learners',
      'sessions.timers',
      'mastery.blocks',
      'mastery.pendingRows',
      'weekly.learners',
      'activity',
    ]);
    expect(JSON.stringify(parts).length * 20).toBeLessThan(full.join('').length);
  });

  it('carries an erasure: the forgotten learner is absent after restoring the delta', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 10_000));
    const full = {
      parts: Array.from(p.checkpointParts({ maxDeltas: 10 }).parts),
      offset: p.nextOffset!,
      seqs: p.lastSeqs,
    };
    const victim = records.slice(0, 10_000).find((r) => r.type === 'event')!;
    if (victim.type !== 'event') throw new Error('expected an event record');
    expect(p.forgetLearner(victim.event.tenantId, victim.event.learnerId)).toBe(true);
    const delta = Array.from(p.checkpointParts({ maxDeltas: 10 }).parts);
    const restored = new PartitionProcessor(0);
    restored.restore({ offset: full.offset, seqs: full.seqs, parts: [...full.parts, ...delta] });
    expect(restored.forgetLearner(victim.event.tenantId, victim.event.learnerId)).toBe(false);
    // And the rest of the stream is what the erased original produces.
    expect(restored.processAll(records.slice(10_000)).map((r) => JSON.stringify(r))).toEqual(
      p.processAll(records.slice(10_000)).map((r) => JSON.stringify(r)),
    );
  });

  it('after a checkpoint that did not become durable the next one is full', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 500));
    expect(p.checkpointParts({ maxDeltas: 10 }).kind).toBe('full');
    p.processAll(records.slice(500, 510));
    expect(Array.from(p.checkpointParts({ maxDeltas: 10 }).parts).length).toBeGreaterThan(0);
    p.checkpointLost();
    p.processAll(records.slice(510, 520));
    expect(p.checkpointParts({ maxDeltas: 10 }).kind).toBe('full');
  });

  it('writes the whole state when the caller asks for it, and deltas again after', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 5_000));
    expect(p.checkpointParts({ maxDeltas: 10 }).kind).toBe('full');
    p.processAll(records.slice(5_000, 5_010));
    expect(p.checkpointParts({ maxDeltas: 10, full: true }).kind).toBe('full');
    p.processAll(records.slice(5_010, 5_020));
    expect(p.checkpointParts({ maxDeltas: 10 }).kind).toBe('delta');
  });

  it('refuses a chain that starts with a delta', () => {
    const p = new PartitionProcessor(0);
    p.processAll(records.slice(0, 500));
    Array.from(p.checkpointParts({ maxDeltas: 10 }).parts);
    p.processAll(records.slice(500, 510));
    const delta = Array.from(p.checkpointParts({ maxDeltas: 10 }).parts);
    expect(() => new PartitionProcessor(0).restore({ offset: '510', seqs: p.lastSeqs, parts: delta })).toThrow(
      /starts with a delta/,
    );
  });
});

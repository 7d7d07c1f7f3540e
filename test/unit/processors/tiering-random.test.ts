// Tiered state at random points: learners leave memory whenever a seeded
// generator says so (at most a random number per step, a learner idle two days
// of event time), come back from a JSON copy of their cold row (as ClickHouse
// returns it) before their next record, and the processor restarts now and then
// from a full snapshot that no longer holds the ones taken out. The stream is
// the simulator's (3 % out of order) with the hostile ids of the fault suite
// mixed in (prototype-named tenants, learners and topics, events 23 h ahead).
// The reference is the same stream with everyone kept in memory: every result
// must be equal, whatever the eviction points were.
import { describe, expect, it } from 'vitest';
import type { LearningEvent, QuestionAttemptBody, SourceRecord } from '../../../src/ingest/event.js';
import { generateEvents, Prng } from '../../../src/ingest/simulator/index.js';
import { type ColdLearner, PartitionProcessor, type StampedResult } from '../../../src/processors/index.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function records(seed: number): SourceRecord[] {
  const events = generateEvents({ seed, learners: 80, days: 28, tenants: 2, lateShare: 0, outOfOrderShare: 0.03 });
  const template = events.find((e) => e.body.kind === 'question_attempt') as LearningEvent<QuestionAttemptBody>;
  let n = 0;
  const question = (tenantId: string, learnerId: string, at: number, topicIds: string[], itemId = 'item-1') =>
    ({
      ...template,
      eventId: `hostile-${n++}`,
      tenantId,
      learnerId,
      occurredAt: at,
      receivedAt: at,
      body: { ...template.body, itemId, topicIds },
    }) as LearningEvent;
  const at = new Set([0.2, 0.45, 0.7].map((f) => Math.floor(events.length * f)));
  const all: LearningEvent[] = [];
  events.forEach((e, i) => {
    all.push(e);
    if (!at.has(i)) return;
    const t = e.occurredAt;
    all.push(question('hostile', 'constructor', t, ['__proto__', 'constructor'], 'toString'));
    all.push(question('constructor', 'hasOwnProperty', t, ['toString', 'valueOf']));
    all.push(question('hostile', '__proto__', t, ['hasOwnProperty'], 'constructor'));
    all.push({ ...question('hostile', `future-${n}`, t, ['alg']), occurredAt: t + 23 * HOUR });
  });
  const out: SourceRecord[] = all.map((event, i) => ({ type: 'event', partition: 0, offset: String(i), event }));
  out.push({ type: 'tick', partition: 0, offset: String(out.length), eventTime: Date.UTC(2027, 0, 1) });
  return out;
}

function runTiered(recs: SourceRecord[], rng: Prng) {
  let p = new PartitionProcessor(0);
  const cold = new Map<string, string>(); // learner key → the JSON of their newest eviction
  const results: StampedResult[] = [];
  let evictions = 0;
  let thaws = 0;
  let restarts = 0;
  for (const record of recs) {
    if (record.type === 'event') {
      const key = `${record.event.tenantId}\u0000${record.event.learnerId}`;
      const stored = cold.get(key);
      if (!p.holds(key) && stored) {
        p.thaw([JSON.parse(stored) as ColdLearner]);
        thaws++;
      }
    }
    for (const r of p.process(record)) results.push(r);
    if (rng.chance(0.02)) {
      for (const l of p.evictIdle(2 * DAY, 1 + rng.int(40))) {
        cold.set(l.key, JSON.stringify(l));
        evictions++;
      }
    }
    if (rng.chance(0.001)) {
      const snapshot = p.snapshot();
      p = new PartitionProcessor(0);
      p.restore(snapshot);
      restarts++;
    }
  }
  return { results, evictions, thaws, restarts };
}

describe('tiered state at random eviction points', () => {
  const recs = records(2031);
  const reference = new PartitionProcessor(0).processAll(recs);
  const key = (r: StampedResult) => JSON.stringify(r);

  for (let seed = 1; seed <= 8; seed++) {
    it(`equals the run that keeps everyone in memory (eviction seed ${seed})`, () => {
      const tiered = runTiered(recs, new Prng(seed));
      expect(tiered.evictions).toBeGreaterThan(100);
      expect(tiered.thaws).toBeGreaterThan(50);
      expect(tiered.results.map(key)).toEqual(reference.map(key));
    });
  }
});

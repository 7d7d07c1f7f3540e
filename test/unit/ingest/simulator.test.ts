// The simulator: deterministic by seed (generator and CLI, byte for byte),
// and realistic in the ways the operators care about — knowledge grows with
// practice, sessions minutes apart inside and hours apart between, fewer
// weekend events, churn and return, late delivery, malformed records that the
// decoder rejects.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createEventCodec, generateEvents, type LearningEvent } from '../../../src/ingest/index.js';
import { kafkaMessages, paceRecords, simulate } from '../../../src/ingest/simulator/index.js';
import { tempDir } from '../../support/index.js';

const run = promisify(execFile);
const bin = new URL('../../../bin/learnstream.mjs', import.meta.url).pathname;
const minute = 60_000;
const hour = 60 * minute;

function byLearner(events: LearningEvent[]): Map<string, LearningEvent[]> {
  const m = new Map<string, LearningEvent[]>();
  for (const e of events) m.set(`${e.tenantId}/${e.learnerId}`, [...(m.get(`${e.tenantId}/${e.learnerId}`) ?? []), e]);
  for (const list of m.values()) list.sort((a, b) => a.occurredAt - b.occurredAt);
  return m;
}

describe('simulator', () => {
  const events = generateEvents({ seed: 7, learners: 60, days: 28 });

  it('is deterministic by seed and differs across seeds', () => {
    expect(generateEvents({ seed: 7, learners: 60, days: 28 })).toEqual(events);
    expect(generateEvents({ seed: 8, learners: 60, days: 28 })[0]?.eventId).not.toBe(events[0]?.eventId);
  });

  it('covers several tenants, every kind, unique UUIDs, in delivery (received_at) order', () => {
    expect(new Set(events.map((e) => e.tenantId)).size).toBe(3);
    expect(new Set(events.map((e) => e.body.kind))).toEqual(
      new Set(['activity', 'question_attempt', 'content_interaction', 'iep_goal_progress']),
    );
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.receivedAt).toBeGreaterThanOrEqual(events[i - 1]!.receivedAt);
    }
  });

  it('makes answers more often correct as a learner practises a topic', () => {
    const early = { n: 0, correct: 0 };
    const late = { n: 0, correct: 0 };
    for (const list of byLearner(events).values()) {
      const perTopic = new Map<string, boolean[]>();
      for (const e of list) {
        if (e.body.kind !== 'question_attempt') continue;
        const t = e.body.topicIds[0] as string;
        perTopic.set(t, [...(perTopic.get(t) ?? []), e.body.correct]);
      }
      for (const answers of perTopic.values()) {
        if (answers.length < 20) continue;
        early.n += 5;
        early.correct += answers.slice(0, 5).filter(Boolean).length;
        late.n += answers.length - 15;
        late.correct += answers.slice(15).filter(Boolean).length;
      }
    }
    expect(early.n).toBeGreaterThan(100);
    expect(late.correct / late.n).toBeGreaterThan(early.correct / early.n + 0.1);
  });

  it('separates sessions by hours and steps within a session by minutes', () => {
    let within = 0;
    let between = 0;
    for (const list of byLearner(events.filter((e) => e.body.kind !== 'iep_goal_progress')).values()) {
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]!.occurredAt - list[i - 1]!.occurredAt;
        // No gap falls in the ambiguous band between a long pause and a new session.
        expect(gap < 25 * minute || gap >= 90 * minute, `gap of ${gap / minute} min`).toBe(true);
        if (gap < 25 * minute) within++;
        else between++;
      }
    }
    expect(within).toBeGreaterThan(5 * between);
    expect(between).toBeGreaterThan(100);
  });

  it('has a weekly rhythm (fewer weekend events) and learners who churn and return', () => {
    const perWeekday = Array.from({ length: 7 }, () => 0);
    for (const e of events) perWeekday[new Date(e.occurredAt).getUTCDay()]!++;
    const weekday = (perWeekday[1]! + perWeekday[2]! + perWeekday[3]! + perWeekday[4]! + perWeekday[5]!) / 5;
    const weekend = (perWeekday[0]! + perWeekday[6]!) / 2;
    expect(weekend).toBeLessThan(0.7 * weekday);
    const returning = [...byLearner(events).values()].filter((list) =>
      list.some((e, i) => i > 0 && e.occurredAt - list[i - 1]!.occurredAt > 7 * 24 * hour),
    );
    expect(returning.length).toBeGreaterThan(0);
  });

  it('delivers the configured shares late (hours) and out of order (minutes)', () => {
    const lots = generateEvents({ seed: 9, learners: 60, days: 28, lateShare: 0.05, outOfOrderShare: 0.1 });
    const late = lots.filter((e) => e.receivedAt - e.occurredAt >= hour).length / lots.length;
    const minutes =
      lots.filter((e) => {
        const d = e.receivedAt - e.occurredAt;
        return d >= 3 * minute && d < hour;
      }).length / lots.length;
    expect(late).toBeGreaterThan(0.04);
    expect(late).toBeLessThan(0.06);
    expect(minutes).toBeGreaterThan(0.085);
    expect(minutes).toBeLessThan(0.115);
  });

  it('emits the configured share of malformed records, each rejected by the decoder', () => {
    const records = simulate({ seed: 7, learners: 30, days: 14, malformedShare: 0.05 });
    const malformed = records.filter((r) => r.type === 'malformed').length;
    expect(malformed / records.length).toBeGreaterThan(0.04);
    expect(malformed / records.length).toBeLessThan(0.06);
    const codec = createEventCodec({ contract: { now: () => Date.UTC(2026, 5, 1) } });
    const messages = kafkaMessages(records, codec);
    records.forEach((r, i) => {
      const decoded = codec.decode(messages[i]!.value);
      expect(decoded.ok, `${r.type} ${r.type === 'malformed' ? r.defect : ''}`).toBe(r.type === 'event');
    });
  });

  it('paces records on an accelerated clock, in order', async () => {
    const records = simulate({ seed: 1, learners: 20, days: 7 }).slice(0, 40);
    const span = records.at(-1)!.event.receivedAt - records[0]!.event.receivedAt;
    const speedup = span / 150; // the whole span in ~150 ms of wall time
    const delivered: LearningEvent[] = [];
    const started = performance.now();
    const feed = paceRecords(records, { speedup, deliver: (batch) => delivered.push(...batch), tickMs: 5 });
    await feed.done;
    const elapsed = performance.now() - started;
    expect(delivered.map((e) => e.eventId)).toEqual(records.map((r) => r.event.eventId));
    expect(elapsed).toBeGreaterThanOrEqual(140);
  });

  describe('learnstream simulate (CLI)', () => {
    it('`learnstream simulate --seed 7` writes byte-identical NDJSON twice', async () => {
      const a = await run('node', [bin, 'simulate', '--seed', '7'], { maxBuffer: 64 * 1024 * 1024 });
      const b = await run('node', [bin, 'simulate', '--seed', '7'], { maxBuffer: 64 * 1024 * 1024 });
      expect(a.stdout.length).toBeGreaterThan(1_000_000);
      expect(a.stdout.split('\n').filter(Boolean)).toHaveLength(10_000);
      expect(a.stdout === b.stdout).toBe(true);
      expect(a.stderr).toContain('10000 records to stdout');
    }, 60_000);

    it('writes identical files twice with --out, NDJSON and Avro container, with malformed records', async () => {
      const dir = tempDir();
      const args = ['simulate', '--seed', '7', '--events', '3000', '--malformed', '0.02'];
      for (const name of ['a.ndjson', 'b.ndjson', 'a.avro', 'b.avro']) {
        const { stdout } = await run('node', [bin, ...args, '--out', join(dir, name)]);
        expect(stdout).toContain('3000 records');
      }
      const ndjson = readFileSync(join(dir, 'a.ndjson'));
      expect(ndjson.equals(readFileSync(join(dir, 'b.ndjson')))).toBe(true);
      expect(readFileSync(join(dir, 'a.avro')).equals(readFileSync(join(dir, 'b.avro')))).toBe(true);
      const lines = ndjson.toString('utf8').split('\n').filter(Boolean);
      expect(lines).toHaveLength(3000);
      const unparseable = lines.filter((l) => {
        try {
          JSON.parse(l);
          return false;
        } catch {
          return true;
        }
      });
      expect(unparseable.length).toBeGreaterThan(0);
      // The container reads back with avsc, all records with the v2 schema.
      const read: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        avro
          .createFileDecoder(join(dir, 'a.avro'))
          .on('data', (r: unknown) => read.push(r))
          .on('end', resolve)
          .on('error', reject);
      });
      expect(read.length).toBe(3000 - unparseable.length);
    }, 60_000);

    it('prints --help', async () => {
      const { stdout } = await run('node', [bin, 'simulate', '--help']);
      expect(stdout).toContain('Usage: learnstream simulate');
    });
  });
});

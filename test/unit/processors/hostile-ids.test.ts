// Prototype-named ids are data: tenant, learner, topic and content ids such as
// `constructor`, `toString`, `hasOwnProperty` and `__proto__` give the same
// (finite) sessions, mastery snapshots and weekly rows as the same stream with
// ordinary ids, and survive a checkpoint round trip.
import { describe, expect, it } from 'vitest';
import type { LearningEvent } from '../../../src/ingest/event.js';
import {
  activityEvent,
  contentInteractionEvent,
  type MasterySnapshotResult,
  OperatorTestDriver,
  questionAttemptEvent,
  type StampedResult,
} from '../../../src/processors/index.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 16, 9); // Monday 09:00 UTC
const HOSTILE = ['constructor', 'toString', 'hasOwnProperty', '__proto__'] as const;
/** Ordinary ids that sort like the hostile ones (same first character), so results come in the same order. */
const ORDINARY = ['c~1', 't~2', 'h~3', '_~4'] as const;

/** The same stream under a naming of the four ids; fixed event ids so both streams match exactly. */
function stream(names: readonly string[]): LearningEvent[] {
  const [a, b, c, d] = names as [string, string, string, string];
  let n = 0;
  const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const events: LearningEvent[] = [];
  for (const day of [0, 1]) {
    for (const [i, learnerId] of [a, b, c, d].entries()) {
      const who = () => ({ tenantId: [a, 'tenant-2'][i % 2]!, learnerId, eventId: id() });
      const t0 = T0 + day * DAY + i * MIN;
      events.push(activityEvent(t0, who()));
      events.push(questionAttemptEvent(t0 + MIN, who(), { topicIds: [a, b], correct: true }));
      events.push(questionAttemptEvent(t0 + 2 * MIN, who(), { topicIds: [c], correct: i % 2 === 0 }));
      events.push(contentInteractionEvent(t0 + 3 * MIN, who(), { topicIds: [d], contentId: c, progress: 0.5 }));
      events.push(contentInteractionEvent(t0 + 4 * MIN, who(), { topicIds: [d], contentId: d, progress: 1 }));
      events.push(contentInteractionEvent(t0 + 5 * MIN, who(), { topicIds: [d], contentId: a, progress: 0.25 }));
    }
  }
  return events;
}

function run(names: readonly string[], restartAt?: number): StampedResult[] {
  const driver = new OperatorTestDriver();
  const events = stream(names);
  for (const [i, event] of events.entries()) {
    if (i === restartAt) driver.restart();
    driver.pipe(event);
  }
  driver.advanceTo(T0 + 30 * DAY);
  return driver.results;
}

/** Results with the ordinary ids written back as the hostile ones. */
function renamed(results: StampedResult[]): unknown {
  const text = JSON.stringify(results);
  let out = text;
  for (const [i, name] of ORDINARY.entries()) out = out.replaceAll(`"${name}"`, JSON.stringify(HOSTILE[i]));
  for (const [i, name] of ORDINARY.entries()) out = out.replaceAll(`"${name}:`, `"${HOSTILE[i]}:`); // session ids
  return JSON.parse(out);
}

function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(allFinite);
  if (value && typeof value === 'object') return Object.values(value).every(allFinite);
  return true;
}

describe('prototype-named ids', () => {
  it('give the results of the same stream with ordinary ids, all finite', () => {
    const hostile = run(HOSTILE);
    const ordinary = run(ORDINARY);
    expect(hostile.length).toBe(ordinary.length);
    expect(hostile.filter((r) => r.output === 'late_events')).toEqual([]);
    expect(allFinite(hostile)).toBe(true);
    expect(JSON.parse(JSON.stringify(hostile))).toEqual(renamed(ordinary));
  });

  it('survive a checkpoint restore mid-stream', () => {
    expect(run(HOSTILE, 17)).toEqual(run(HOSTILE));
  });

  it('compute material completion over content ids named like prototype members (by hand)', () => {
    // Topic `__proto__`, day 0: content `hasOwnProperty` at 0.5, `__proto__` at 1, `constructor` at 0.25, and
    // `toString` at 0.5 then 0.75 (highest counts). No attempts: accuracies and retrieval strength are 0, so
    // masteryScore = 0.2 · materialCompletion = 0.2 · (0.5 + 1 + 0.25 + 0.75) / 4 = 0.2 · 0.625 = 0.125.
    const driver = new OperatorTestDriver();
    const who = { tenantId: 'constructor', learnerId: 'toString' };
    const topicIds = ['__proto__'];
    driver.pipe(
      contentInteractionEvent(T0, who, { topicIds, contentId: 'hasOwnProperty', progress: 0.5 }),
      contentInteractionEvent(T0 + MIN, who, { topicIds, contentId: '__proto__', progress: 1 }),
      contentInteractionEvent(T0 + 2 * MIN, who, { topicIds, contentId: 'constructor', progress: 0.25 }),
      contentInteractionEvent(T0 + 3 * MIN, who, { topicIds, contentId: 'toString', progress: 0.5 }),
      contentInteractionEvent(T0 + 4 * MIN, who, { topicIds, contentId: 'toString', progress: 0.75 }),
    );
    driver.advanceTo(T0 + 2 * DAY);
    const [snapshot] = driver.output('mastery') as MasterySnapshotResult[];
    expect(snapshot).toMatchObject({ tenantId: 'constructor', learnerId: 'toString', topicId: '__proto__' });
    expect(snapshot!.materialCompletion).toBeCloseTo(0.625, 12);
    expect(snapshot!.masteryScore).toBeCloseTo(0.125, 12);
    expect(snapshot!.trend).toBe('new');
  });
});

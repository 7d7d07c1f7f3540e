// The cold tier of tiered state on both engines: what an eviction wrote comes
// back byte for byte, the newest eviction of a learner wins, partitions and
// deployments are apart, and erasure deletes a cold learner.
import { expect, it } from 'vitest';
import type { ColdLearner } from '../../../src/processors/index.js';
import { ClickHouseColdState, eraseLearner, runMigrations } from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';

const learner = (key: string, lastActiveMs: number, attempts: number): ColdLearner => ({
  key,
  lastActiveMs,
  entries: [
    ['mastery.topics', [`${key}\u0000algebra`, { attempts, pKnown: 0.25, contents: [['c1', 0.5]] }]],
    ['weekly.learners', [key, { tenantId: 't1', firstWeek: 1_767_571_200_000, weeks: [1_767_571_200_000] }]],
  ],
});

forEachStore('ClickHouseColdState', ({ newStore }) => {
  it('returns the newest eviction of each learner asked for, per deployment and partition', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cold = new ClickHouseColdState(store, { deployment: 'd1', topic: 'events' });
    expect(await cold.any(0)).toBe(false);
    expect(await cold.read(0, ['t1\u0000a'])).toEqual([]);

    await cold.write(0, [learner('t1\u0000a', 1000, 3), learner('t1\u0000b', 2000, 1)], 7);
    await cold.write(0, [learner('t1\u0000a', 5000, 9)], 12); // evicted again after a return
    await cold.write(1, [learner('t1\u0000c', 3000, 2)], 4);
    await new ClickHouseColdState(store, { deployment: 'd2', topic: 'events' }).write(
      0,
      [learner('t1\u0000b', 1, 99)],
      50,
    );

    expect(await cold.any(0)).toBe(true);
    expect(await cold.read(0, ['t1\u0000b', 't1\u0000a', 't1\u0000z', 't1\u0000c'])).toEqual([
      learner('t1\u0000a', 5000, 9),
      learner('t1\u0000b', 2000, 1),
    ]);
    expect(await cold.read(1, ['t1\u0000c'])).toEqual([learner('t1\u0000c', 3000, 2)]);
  });

  it('erasure deletes the learner from the cold tier', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cold = new ClickHouseColdState(store, { deployment: 'd1', topic: 'events' });
    await cold.write(0, [learner('t1\u0000gone', 1000, 3), learner('t1\u0000kept', 1000, 4)], 1);
    await eraseLearner(store, 't1', 'gone');
    expect(await cold.read(0, ['t1\u0000gone', 't1\u0000kept'])).toEqual([learner('t1\u0000kept', 1000, 4)]);
  });
});

// The cold tier of tiered state on both engines: what an eviction wrote comes
// back byte for byte, the newest eviction of a learner wins, partitions and
// deployments are apart, and erasure deletes a cold learner.
import { expect, it } from 'vitest';
import type { ColdLearner } from '../../../src/processors/index.js';
import { ClickHouseColdState, eraseLearner, runMigrations, waitForMutations } from '../../../src/views/index.js';
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

  it('a void row never replaces the row it would supersede, through merges', async () => {
    // A learner evicted at version 7 (its checkpoint landed), thawed, and evicted again at 12 for a
    // checkpoint that never landed: a restore from a checkpoint between them voids 8..12 and must bring
    // the learner back from the row of 7 — also after the server merged the table's parts.
    const store = await newStore();
    await runMigrations(store);
    const cold = new ClickHouseColdState(store, { deployment: 'd1', topic: 'events' });
    await cold.write(0, [learner('t1\u0000a', 1000, 3)], 7);
    await cold.write(0, [learner('t1\u0000a', 5000, 9)], 12);
    await store.command('OPTIMIZE TABLE learner_cold_evictions FINAL');
    expect(await cold.read(0, ['t1\u0000a'], [[8, 12]])).toEqual([learner('t1\u0000a', 1000, 3)]);
    expect(await cold.any(0, [[8, 12]])).toBe(true);
    expect(await cold.read(0, ['t1\u0000a'])).toEqual([learner('t1\u0000a', 5000, 9)]);
  });

  it("compaction deletes every row up to the landed checkpoint but each learner's newest valid one", async () => {
    const store = await newStore();
    await runMigrations(store);
    const cold = new ClickHouseColdState(store, { deployment: 'd1', topic: 'events' });
    const other = new ClickHouseColdState(store, { deployment: 'd2', topic: 'events' });
    // Landed checkpoint 10; versions 8..9 are void (a checkpoint that never landed); 12 is past it.
    await cold.write(0, [learner('t1\u0000a', 100, 1), learner('t1\u0000b', 200, 2)], 3);
    await cold.write(0, [learner('t1\u0000a', 700, 7)], 7);
    await cold.write(0, [learner('t1\u0000a', 900, 9), learner('t1\u0000c', 900, 9)], 9);
    await cold.write(0, [learner('t1\u0000a', 1200, 12)], 12);
    await cold.write(0, [learner('t1\u0000a', 1200, 12)], 12); // a retried insert: one row to the merge
    await cold.write(1, [learner('t1\u0000a', 100, 1)], 3); // another partition
    await cold.write(1, [learner('t1\u0000a', 500, 5)], 5);
    await other.write(0, [learner('t1\u0000a', 100, 1)], 3); // another deployment
    await other.write(0, [learner('t1\u0000a', 500, 5)], 5);

    // Up to 10: a@3, a@7, a@9, b@3, c@9; kept a@7 and b@3 — three to delete.
    expect(await cold.compact(0, 10, [[8, 9]])).toBe(3);
    await waitForMutations(store);
    const left = await store.query<{ d: string; p: number; k: string; v: number }>(
      `SELECT deployment AS d, source_partition AS p, learner_key AS k, version AS v
       FROM learner_cold_evictions FINAL ORDER BY d, p, k, v`,
    );
    expect(left.map((r) => `${r.d}/${r.p}/${r.k.replace('\u0000', ':')}@${r.v}`)).toEqual([
      'd1/0/t1:a@7',
      'd1/0/t1:a@12',
      'd1/0/t1:b@3',
      'd1/1/t1:a@3',
      'd1/1/t1:a@5',
      'd2/0/t1:a@3',
      'd2/0/t1:a@5',
    ]);
    // A restore from 10 (8..9 void) and one from a later checkpoint read what they need.
    expect(
      await cold.read(
        0,
        ['t1\u0000a', 't1\u0000b', 't1\u0000c'],
        [
          [8, 9],
          [11, 12],
        ],
      ),
    ).toEqual([learner('t1\u0000a', 700, 7), learner('t1\u0000b', 200, 2)]);
    expect(await cold.read(0, ['t1\u0000a'], [[8, 9]])).toEqual([learner('t1\u0000a', 1200, 12)]);
    // Nothing left to delete: no mutation.
    expect(await cold.compact(0, 10, [[8, 9]])).toBe(0);
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

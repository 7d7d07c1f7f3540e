// Proves both ClickHouse engines are real: the same MergeTree table and
// materialized view (AggregatingMergeTree with -State/-Merge) on the server
// over HTTP and on embedded chdb, with results checked against hand sums.
import { expect, it } from 'vitest';
import { forEachStore } from '../support/index.js';

forEachStore('ClickHouse smoke', ({ engine, newStore }) => {
  it('runs a MergeTree table feeding a materialized view', async () => {
    const store = await newStore();
    expect(store.engine).toBe(engine);
    const version = await store.version();
    if (engine === 'server') expect(version).toMatch(/^18\.16\./);
    else expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(24);

    await store.command(
      'CREATE TABLE sessions (tenant String, day Date, learner String, minutes UInt32) ENGINE = MergeTree ORDER BY (tenant, day)',
    );
    await store.command(
      'CREATE TABLE daily (tenant String, day Date, sessions AggregateFunction(count), minutes AggregateFunction(sum, UInt32), learners AggregateFunction(uniqExact, String)) ENGINE = AggregatingMergeTree ORDER BY (tenant, day)',
    );
    await store.command(
      'CREATE MATERIALIZED VIEW daily_mv TO daily AS SELECT tenant, day, countState() AS sessions, sumState(minutes) AS minutes, uniqExactState(learner) AS learners FROM sessions GROUP BY tenant, day',
    );
    await store.insert('sessions', [
      { tenant: 't1', day: '2026-11-02', learner: 'a', minutes: 10 },
      { tenant: 't1', day: '2026-11-02', learner: 'a', minutes: 5 },
      { tenant: 't1', day: '2026-11-02', learner: 'b', minutes: 20 },
      { tenant: 't2', day: '2026-11-02', learner: 'c', minutes: 7 },
    ]);
    await store.insert('sessions', [{ tenant: 't1', day: '2026-11-03', learner: 'b', minutes: 1 }]);
    const rows = await store.query<{
      tenant: string;
      day: string;
      sessions: number;
      minutes: number;
      learners: number;
    }>(
      'SELECT tenant, toString(day) AS day, countMerge(sessions) AS sessions, sumMerge(minutes) AS minutes, uniqExactMerge(learners) AS learners FROM daily GROUP BY tenant, day ORDER BY tenant, day',
    );
    expect(rows).toEqual([
      { tenant: 't1', day: '2026-11-02', sessions: 3, minutes: 35, learners: 2 },
      { tenant: 't1', day: '2026-11-03', sessions: 1, minutes: 1, learners: 1 },
      { tenant: 't2', day: '2026-11-02', sessions: 1, minutes: 7, learners: 1 },
    ]);
  });
});

// Fenced writes on both engines (docs/delivery.md): once a newer owner has
// claimed a partition, nothing the stale owner sends lands — results, rollups
// or checkpoints — while the new owner continues exactly where ClickHouse
// stands. Expected figures are counted by hand from the writes below.
import { expect, it } from 'vitest';
import {
  ClickHouseCheckpointStore,
  ClickHouseOwnership,
  ClickHouseSink,
  type OwnerClaim,
  readDailySessions,
  runMigrations,
} from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';
import { MIN, session, stamp } from './fixtures.js';

const identity = { deployment: 'dep-1', topic: 'events' };

const sessions = (n: number, learner: string) =>
  Array.from({ length: n }, (_, i) =>
    session({
      tenantId: 't1',
      learnerId: `${learner}${i}`,
      start: `2026-11-02T0${i}:00:00Z`,
      durationMs: 10 * MIN,
    }),
  );

forEachStore('fenced writes', ({ newStore }) => {
  it('a stale owner lands nothing after a newer claim; the new owner continues from what landed', async () => {
    const store = await newStore();
    await runMigrations(store);
    const ownership = new ClickHouseOwnership(store, { ...identity, waitOutMs: 2000 });
    const checkpoints = new ClickHouseCheckpointStore(store);

    const a = new ClickHouseSink(store, { identity: { ...identity, owner: 'A' }, maxBatchRows: 100 });
    const claimA = await ownership.claim(0, 'A');
    expect(claimA).toEqual({ epoch: 1, owner: 'A' });
    expect(await a.restore(0, undefined, claimA)).toEqual({
      sessions: 0,
      mastery: 0,
      weekly_active: 0,
      late_events: 0,
    });
    a.write(stamp('sessions', 0, sessions(3, 'a'), 1));
    await a.flush();
    const cpBase = { group: identity.deployment, topic: identity.topic, partition: 0, createdAtMs: 1 };
    await checkpoints.save({
      ...cpBase,
      offset: '30',
      seqs: { sessions: 3, mastery: 0, weekly_active: 0, late_events: 0 },
      parts: ['{"a":1}'],
      version: 1,
      claim: claimA,
    });

    // B takes the partition over (A was paused past its session timeout).
    const claimB = await ownership.claim(0, 'B');
    expect(claimB).toEqual({ epoch: 2, owner: 'B' });
    expect(await ownership.current(0)).toEqual(claimB);

    // A resumes and flushes what it had buffered, then checkpoints: none of it lands.
    a.write(stamp('sessions', 0, sessions(2, 'stale'), 4));
    await a.flush();
    await checkpoints.save({
      ...cpBase,
      offset: '50',
      seqs: { sessions: 5, mastery: 0, weekly_active: 0, late_events: 0 },
      parts: ['{"stale":1}'],
      version: 2,
      claim: claimA,
    });
    const cp = await checkpoints.load(identity.deployment, identity.topic, 0);
    expect(cp?.offset).toBe('30');
    expect(cp?.parts).toEqual(['{"a":1}']);
    // A asks before it acts on a checkpoint having landed (compacting its cold tier): version 1 did, version 2
    // did not; and neither is B's.
    const landed = (version: number, claim: OwnerClaim | undefined) =>
      checkpoints.landed(identity.deployment, identity.topic, 0, version, claim);
    expect([await landed(1, claimA), await landed(2, claimA), await landed(1, claimB)]).toEqual([true, false, false]);

    // B restores from what landed (3 sessions) and writes the next two.
    const b = new ClickHouseSink(store, { identity: { ...identity, owner: 'B' }, maxBatchRows: 100 });
    expect((await b.restore(0, cp?.seqs, claimB)).sessions).toBe(3);
    b.write(stamp('sessions', 0, sessions(2, 'b'), 4));
    await b.flush();

    const rows = await store.query<{ learner_id: string; seq: number; owner: string; owner_epoch: number }>(
      'SELECT learner_id, seq, owner, owner_epoch FROM sessions ORDER BY seq',
    );
    expect(rows.map((r) => [r.learner_id, Number(r.seq), r.owner, Number(r.owner_epoch)])).toEqual([
      ['a0', 1, 'A', 1],
      ['a1', 2, 'A', 1],
      ['a2', 3, 'A', 1],
      ['b0', 4, 'B', 2],
      ['b1', 5, 'B', 2],
    ]);
    // The rollup saw exactly the rows that landed: 5 sessions of 10 minutes by 5 learners.
    const daily = await readDailySessions(store, 't1', '2026-11-01', '2026-11-03');
    expect(daily.map((d) => [d.day, d.sessions, d.learners, d.durationMsSum])).toEqual([
      ['2026-11-02', 5, 5, 50 * MIN],
    ]);

    // An unfenced write (epoch 0) cannot land in a claimed partition either.
    const tool = new ClickHouseSink(store, { identity: { ...identity, owner: 'tool' } });
    await tool.restore(0);
    tool.write(stamp('sessions', 0, sessions(1, 'tool'), 6));
    await tool.flush();
    expect(await store.query('SELECT count() AS n FROM sessions')).toEqual([{ n: 5 }]);
    await Promise.all([a.close(), b.close(), tool.close()]);
  });

  it('two claims of one epoch resolve to the greater owner, and the loser learns it lost', async () => {
    const store = await newStore();
    await runMigrations(store);
    const ownership = new ClickHouseOwnership(store, { ...identity, waitOutMs: 2000 });
    // Both read epoch 0 before either wrote: simulate by inserting the rival claim first.
    await store.insert('partition_owners', [
      {
        deployment: identity.deployment,
        topic: identity.topic,
        source_partition: 3,
        epoch: 1,
        owner: 'zz-rival',
        claimed_at: '2026-11-02 00:00:00',
        claimed_at_ms: 0,
      },
    ]);
    // Our claim takes epoch 2 (max + 1) and wins.
    expect(await ownership.claim(3, 'aa-late')).toEqual({ epoch: 2, owner: 'aa-late' });
    await store.insert('partition_owners', [
      {
        deployment: identity.deployment,
        topic: identity.topic,
        source_partition: 3,
        epoch: 2,
        owner: 'zz-rival',
        claimed_at: '2026-11-02 00:00:00',
        claimed_at_ms: 0,
      },
    ]);
    expect(await ownership.current(3)).toEqual({ epoch: 2, owner: 'zz-rival' });
  });

  it('two engines migrating one fresh database at once both succeed', async () => {
    const store = await newStore();
    const reports = await Promise.all([runMigrations(store), runMigrations(store)]);
    for (const r of reports) expect([...r.applied, ...r.alreadyApplied].sort()).toContain('004_fenced_writes.sql');
    const cols = await store.query<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'sessions' AND name IN ('deployment', 'source_topic', 'owner_epoch', 'owner') ORDER BY name",
    );
    expect(cols.map((c) => c.name)).toEqual(['deployment', 'owner', 'owner_epoch', 'source_topic']);
  });
});

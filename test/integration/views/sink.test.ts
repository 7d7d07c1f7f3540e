// ClickHouseSink on both engines: row and time thresholds, idempotent replays
// after a restart, retries with backpressure while inserts fail, and a loud
// stop on a fatal error. Outages are simulated by a decorator around the real
// store port (the real-server outage is in sink-outage.test.ts).
import { expect, it } from 'vitest';
import { defineErrorCode, LearnstreamError } from '../../../src/core/errors.js';
import { metricsRegistry } from '../../../src/core/metrics.js';
import type { SessionWindowResult } from '../../../src/processors/results.js';
import { ClickHouseSink, type ClickHouseStore, runMigrations, StoreUnavailable } from '../../../src/views/index.js';
import { forEachStore, waitFor } from '../../support/index.js';
import { MIN, session, stamp } from './fixtures.js';

function sessions(n: number, learnerPrefix = 'l'): SessionWindowResult[] {
  return Array.from({ length: n }, (_, i) =>
    session({
      tenantId: 't1',
      learnerId: `${learnerPrefix}${i}`,
      start: new Date(Date.UTC(2026, 10, 2, 8, 0, i)).toISOString(),
      durationMs: MIN,
    }),
  );
}

async function rowStats(store: ClickHouseStore): Promise<{ rows: number; distinct: number }> {
  const r = await store.query<{ rows: number; distinct: number }>(
    'SELECT count() AS rows, uniqExact(source_partition, seq) AS distinct FROM sessions',
  );
  return r[0] as { rows: number; distinct: number };
}

async function metricValue(name: string, output = 'sessions'): Promise<number> {
  const m = metricsRegistry.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  return data.values.filter((v) => v.labels.output === output && !('le' in v.labels)).reduce((a, v) => a + v.value, 0);
}

const SinkTestFatal = defineErrorCode('LS_TEST_KILLED', 'simulated process death', 500, false);

/** The real store, with inserts that fail (retriably) while `down` is set, optionally after landing. */
function flaky(store: ClickHouseStore) {
  const state = { down: false, landThenFail: 0 };
  const wrapped: ClickHouseStore = Object.create(store);
  wrapped.insert = async (table, rows) => {
    if (state.down) throw new LearnstreamError(StoreUnavailable, 'simulated outage');
    await store.insert(table, rows);
    if (state.landThenFail > 0) {
      state.landThenFail--;
      throw new LearnstreamError(StoreUnavailable, 'simulated: response lost after the insert landed');
    }
  };
  return { store: wrapped, state };
}

forEachStore('ClickHouseSink', ({ newStore }) => {
  it('flushes a full batch at once and the rest on the time threshold', async () => {
    const store = await newStore();
    await runMigrations(store);
    const batchesBefore = await metricValue('learnstream_sink_batches_total');
    const sink = new ClickHouseSink(store, { maxBatchRows: 10, flushIntervalMs: 300 });
    sink.write(stamp('sessions', 0, sessions(25)));
    // 25 rows, batches of 10: the whole buffer drains without waiting for the timer.
    await waitFor(async () => (await rowStats(store)).rows === 25, { message: '25 rows' });
    expect(await metricValue('learnstream_sink_batches_total')).toBe(batchesBefore + 3);
    await sink.flush(); // the rollups' inserts of the last batch too: the sink is idle again

    // Below the row threshold, the timer flushes.
    sink.write(stamp('sessions', 0, sessions(3, 'x'), 26));
    const t0 = Date.now();
    await waitFor(async () => (await rowStats(store)).rows === 28, { message: 'timer flush' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await sink.close();
    expect(await rowStats(store)).toEqual({ rows: 28, distinct: 28 });
    expect(() => sink.write(stamp('sessions', 0, sessions(1), 29))).toThrow(/closed/);
  });

  it('skips results ClickHouse already holds after a restart (replay)', async () => {
    const store = await newStore();
    await runMigrations(store);
    const first = new ClickHouseSink(store, { maxBatchRows: 7 });
    first.write(stamp('sessions', 0, sessions(30)));
    first.write(stamp('sessions', 1, sessions(10, 'p1-')));
    await first.close();

    // A new owner restores partition 0 and replays from an older offset: seqs 1..50.
    const second = new ClickHouseSink(store, { maxBatchRows: 7 });
    expect(await second.restore(0)).toEqual({ sessions: 30, mastery: 0, weekly_active: 0, late_events: 0 });
    second.write(stamp('sessions', 0, sessions(50)));
    // Partition 1 was never restored: the sink asks ClickHouse before inserting.
    second.write(stamp('sessions', 1, sessions(12, 'p1-')));
    // A duplicate within the same run is skipped as well.
    second.write(stamp('sessions', 0, sessions(5), 46));
    await second.flush();
    expect(await rowStats(store)).toEqual({ rows: 62, distinct: 62 });
    expect(await second.highestSeq(0, 'sessions')).toBe(50);
    expect(await second.highestSeq(1, 'sessions')).toBe(12);
    await second.close();
  });

  it('retries while inserts fail, signals backpressure, then writes every row exactly once', async () => {
    const real = await newStore();
    await runMigrations(real);
    const { store, state } = flaky(real);
    const retriesBefore = await metricValue('learnstream_sink_retries_total');
    const sink = new ClickHouseSink(store, {
      maxBatchRows: 5,
      flushIntervalMs: 20,
      maxBufferedRows: 20,
      retryInitialMs: 10,
      retryMaxMs: 50,
    });
    const events: string[] = [];
    sink.on('backpressure', () => events.push('backpressure'));
    sink.on('writable', () => events.push('writable'));

    state.down = true;
    sink.write(stamp('sessions', 0, sessions(30)));
    expect(sink.needsBackpressure()).toBe(true);
    let writable = false;
    const waiting = sink.whenWritable().then(() => {
      writable = true;
    });
    await waitFor(async () => (await metricValue('learnstream_sink_retries_total')) >= retriesBefore + 3);
    expect(writable).toBe(false);
    expect((await rowStats(real)).rows).toBe(0);

    // Back up, but the first insert's response is lost after it landed: no duplicate may follow.
    state.landThenFail = 1;
    state.down = false;
    await waiting;
    await sink.flush();
    expect(sink.needsBackpressure()).toBe(false);
    expect(events).toEqual(['backpressure', 'writable']);
    expect(await rowStats(real)).toEqual({ rows: 30, distinct: 30 });
    await sink.close();
  });

  it('completes the rollups after a crash between the base insert and a rollup insert, doubling nothing', async () => {
    const store = await newStore();
    await runMigrations(store);
    const identity = { deployment: 'd1', topic: 'events' };
    const topical = (n: number, first: number) =>
      Array.from({ length: n }, (_, i) =>
        session({
          tenantId: 't1',
          learnerId: `r${first + i}`,
          start: new Date(Date.UTC(2026, 10, 2, 8, 0, first + i)).toISOString(),
          durationMs: MIN,
          topics: ['algebra'],
        }),
      );
    // Seqs 1..20 land everywhere.
    const first = new ClickHouseSink(store, { identity, maxBatchRows: 20 });
    first.write(stamp('sessions', 0, topical(20, 0)));
    await first.close();
    // Seqs 21..30 reached the base table only: the engine died before its rollup inserts.
    const realInsert = store.insert.bind(store);
    const baseOnly: ClickHouseStore = Object.create(store);
    baseOnly.insert = async (table, rows, opts) => {
      if (table !== 'sessions_in') throw new LearnstreamError(SinkTestFatal, 'process killed');
      await realInsert(table, rows, opts);
    };
    const dying = new ClickHouseSink(baseOnly, { identity, maxBatchRows: 10 });
    dying.on('error', () => undefined);
    dying.write(stamp('sessions', 0, topical(10, 20), 21));
    await dying.flush().catch(() => undefined);
    expect(await rowStats(store)).toEqual({ rows: 30, distinct: 30 });

    // The next owner replays seqs 1..30 from its checkpoint (seqs up to 20 were checkpointed).
    const next = new ClickHouseSink(store, { identity, maxBatchRows: 7 });
    await next.restore(0, { sessions: 20 });
    next.write(stamp('sessions', 0, topical(30, 0)));
    await next.close();
    expect(await rowStats(store)).toEqual({ rows: 30, distinct: 30 });
    const [daily] = await store.query<{ n: number | string; l: number | string }>(
      'SELECT countMerge(sessions) AS n, uniqExactMerge(learners) AS l FROM tenant_daily_sessions',
    );
    expect({ n: Number(daily?.n), l: Number(daily?.l) }).toEqual({ n: 30, l: 30 });
    const [topic] = await store.query<{ n: number | string }>(
      "SELECT countMerge(sessions) AS n FROM topic_popularity_daily WHERE topic_id = 'algebra'",
    );
    expect(Number(topic?.n)).toBe(30);
  });

  it('gives up loudly on a fatal error', async () => {
    const store = await newStore();
    await runMigrations(store);
    const failuresBefore = await metricValue('learnstream_sink_failures_total');
    const sink = new ClickHouseSink(store, { retryInitialMs: 10 });
    const errors: LearnstreamError[] = [];
    sink.on('error', (e) => errors.push(e));
    await store.command('DROP TABLE sessions_fence_mv');
    await store.command('DROP TABLE sessions');
    sink.write(stamp('sessions', 0, sessions(3)));
    const err = await sink.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LearnstreamError);
    expect((err as LearnstreamError).code).toBe('LS_SINK_FAILED');
    expect((err as LearnstreamError).retriable).toBe(false);
    expect(errors).toHaveLength(1);
    expect(await metricValue('learnstream_sink_failures_total')).toBe(failuresBefore + 1);
    expect(() => sink.write(stamp('sessions', 0, sessions(1), 4))).toThrow(/gave up/);
  });
});

// Retention and privacy jobs on both engines: identifiers of raw data past the
// 90-day horizon are blanked, data past retention is deleted (whole months by
// DROP PARTITION), and one learner is erased from every table — checked by
// searching every String column — while the per-tenant rollups stay unchanged.
import { expect, it } from 'vitest';
import { PartitionProcessor, questionAttemptEvent } from '../../../src/processors/index.js';
import {
  anonymiseExpiredIdentifiers,
  ClickHouseCheckpointStore,
  ClickHouseSink,
  type ClickHouseStore,
  deleteExpired,
  eraseLearner,
  ident,
  join,
  readDailySessions,
  readTopicMastery,
  readTopicPopularity,
  runMigrations,
  scheduleRetention,
  sql,
  tableColumns,
  writeDeadLetters,
  writeRawEvents,
} from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';
import { event, MIN, mastery, session, stamp } from './fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0); // 2026-11-22
const ago = (days: number) => NOW - days * DAY;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Every (table, column) of type String or Array(String) among learnstream's tables. */
async function textColumns(store: ClickHouseStore): Promise<{ table: string; name: string; type: string }[]> {
  const tables = Object.keys(tableColumns);
  return store.query(
    sql`SELECT table, name, type FROM system.columns
        WHERE database = currentDatabase() AND table IN (${join(tables)}) AND type IN ('String', 'Array(String)')
        ORDER BY table, name`.text,
  );
}

/** Rows in which `needle` appears anywhere, per table. */
async function occurrences(store: ClickHouseStore, needle: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await textColumns(store)) {
    const match =
      c.type === 'String'
        ? sql`position(${ident(c.name)}, ${needle}) > 0`
        : sql`arrayExists(x -> position(x, ${needle}) > 0, ${ident(c.name)})`;
    const rows = await store.query<{ n: number }>(sql`SELECT count() AS n FROM ${ident(c.table)} WHERE ${match}`.text);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) out[c.table] = (out[c.table] ?? 0) + n;
  }
  return out;
}

async function rollups(store: ClickHouseStore) {
  return {
    daily: await readDailySessions(store, 't1', '2024-01-01', '2026-12-31'),
    popularity: await readTopicPopularity(store, 't1', '2024-01-01', '2026-12-31'),
    mastery: await readTopicMastery(store, 't1', '2024-01-01', '2026-12-31'),
  };
}

forEachStore('retention and privacy', ({ newStore }) => {
  it('anonymises raw data past the identifier horizon and deletes data past retention', async () => {
    const store = await newStore();
    await runMigrations(store);
    const old = 'pseudo-old-0001aa';
    const recent = 'pseudo-recent-0002bb';
    await writeRawEvents(store, [
      {
        event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(800), eventId: 'e-800' }),
        partition: 0,
        offset: 1,
      },
      {
        event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(740), eventId: 'e-740' }),
        partition: 0,
        offset: 2,
      },
      {
        event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(725), eventId: 'e-725' }),
        partition: 0,
        offset: 3,
      },
      {
        event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(100), eventId: 'e-100' }),
        partition: 0,
        offset: 4,
      },
      {
        event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(10), eventId: 'e-10a' }),
        partition: 0,
        offset: 5,
      },
      {
        event: event({ tenantId: 't1', learnerId: recent, occurredAt: ago(10), eventId: 'e-10b' }),
        partition: 1,
        offset: 1,
      },
    ]);
    await writeDeadLetters(store, [
      {
        atMs: ago(100),
        reason: 'bad avro',
        topic: 'ev',
        partition: 0,
        offset: 9,
        learnerId: old,
        rawBase64: 'AAEC',
        preview: `{"learner":"${old}"}`,
      },
      { atMs: ago(5), reason: 'bad avro', topic: 'ev', partition: 0, offset: 10, learnerId: recent, rawBase64: 'AAED' },
    ]);
    const sink = new ClickHouseSink(store);
    sink.write(
      stamp('late_events', 0, [
        {
          event: event({ tenantId: 't1', learnerId: old, occurredAt: ago(100), eventId: 'late-100' }),
          operator: 'sessions',
          watermarkMs: ago(99),
        },
        {
          event: event({ tenantId: 't1', learnerId: recent, occurredAt: ago(3), eventId: 'late-3' }),
          operator: 'sessions',
          watermarkMs: ago(2),
        },
      ]),
    );
    sink.write(
      stamp('sessions', 0, [
        session({ tenantId: 't1', learnerId: old, start: new Date(ago(400)).toISOString(), durationMs: 10 * MIN }),
        session({ tenantId: 't1', learnerId: recent, start: new Date(ago(10)).toISOString(), durationMs: 20 * MIN }),
      ]),
    );
    await sink.flush();

    const anonymised = await anonymiseExpiredIdentifiers(store, { nowMs: NOW, identifierHorizonDays: 90 });
    // Raw events older than 90 days: e-800, e-740, e-725, e-100 (4); one late event; one dead letter.
    expect(anonymised).toEqual([
      { table: 'raw_events', action: 'anonymise', rows: 4 },
      { table: 'late_events', action: 'anonymise', rows: 1 },
      { table: 'dead_letters', action: 'anonymise', rows: 1 },
    ]);
    const raw = await store.query<{ event_id: string; learner_id: string; client_session_id: string }>(
      'SELECT event_id, learner_id, client_session_id FROM raw_events ORDER BY occurred_at_ms, event_id',
    );
    expect(raw).toEqual([
      { event_id: 'e-800', learner_id: '', client_session_id: '' },
      { event_id: 'e-740', learner_id: '', client_session_id: '' },
      { event_id: 'e-725', learner_id: '', client_session_id: '' },
      { event_id: 'e-100', learner_id: '', client_session_id: '' },
      { event_id: 'e-10a', learner_id: old, client_session_id: `${old}-client-session` },
      { event_id: 'e-10b', learner_id: recent, client_session_id: `${recent}-client-session` },
    ]);
    expect(await store.query('SELECT learner_id, raw_base64, preview FROM dead_letters ORDER BY at_ms')).toEqual([
      { learner_id: '', raw_base64: '', preview: '' },
      { learner_id: recent, raw_base64: 'AAED', preview: '' },
    ]);
    expect(await store.query('SELECT event_id, learner_id FROM late_events ORDER BY occurred_at_ms')).toEqual([
      { event_id: 'late-100', learner_id: '' },
      { event_id: 'late-3', learner_id: recent },
    ]);
    // A second run finds nothing left to do.
    expect(await anonymiseExpiredIdentifiers(store, { nowMs: NOW, identifierHorizonDays: 90 })).toEqual([]);

    const dailyBefore = await readDailySessions(store, 't1', isoDay(ago(10)), isoDay(ago(10)));
    const deleted = await deleteExpired(store, { nowMs: NOW, rawEventsDays: 730, aggregatesDays: 365 });
    // Raw cutoff 2024-11-23: month 2024-09 (e-800) is dropped whole; e-740 (2024-11-13) shares its
    // month with e-725 (kept) so it goes by ALTER DELETE. Results cutoff 2025-11-22: the 400-day-old session.
    expect(deleted).toEqual([
      { table: 'raw_events', action: 'drop_partition', rows: 1 },
      { table: 'raw_events', action: 'delete', rows: 1 },
      { table: 'sessions', action: 'delete', rows: 1 },
      { table: 'tenant_daily_sessions', action: 'delete', rows: 1 },
    ]);
    expect(
      (
        await store.query<{ event_id: string }>('SELECT event_id FROM raw_events ORDER BY occurred_at_ms, event_id')
      ).map((r) => r.event_id),
    ).toEqual(['e-725', 'e-100', 'e-10a', 'e-10b']);
    expect(await store.query('SELECT learner_id FROM sessions')).toEqual([{ learner_id: recent }]);
    expect(await readDailySessions(store, 't1', isoDay(ago(10)), isoDay(ago(10)))).toEqual(dailyBefore);
    expect(await readDailySessions(store, 't1', isoDay(ago(400)), isoDay(ago(400)))).toEqual([]);
    await sink.close();
  });

  it('erases one learner from every table, leaving rollups and other learners intact', async () => {
    const store = await newStore();
    await runMigrations(store);
    const erased = 'pseudo-erase-me-7f3a9c';
    const kept = 'pseudo-keep-me-1b2c3d';
    const sink = new ClickHouseSink(store);
    sink.write(
      stamp('sessions', 0, [
        session({
          tenantId: 't1',
          learnerId: erased,
          start: '2026-11-02T08:00:00Z',
          durationMs: 30 * MIN,
          topics: ['algebra'],
        }),
        session({
          tenantId: 't1',
          learnerId: kept,
          start: '2026-11-02T09:00:00Z',
          durationMs: 10 * MIN,
          topics: ['algebra'],
        }),
        session({
          tenantId: 't1',
          learnerId: erased,
          start: '2026-11-03T08:00:00Z',
          durationMs: 20 * MIN,
          topics: ['geometry'],
        }),
      ]),
    );
    sink.write(
      stamp('mastery', 0, [
        mastery({
          tenantId: 't1',
          learnerId: erased,
          topicId: 'algebra',
          day: '2026-11-02',
          masteryScore: 0.9,
          pKnown: 0.8,
        }),
        mastery({
          tenantId: 't1',
          learnerId: kept,
          topicId: 'algebra',
          day: '2026-11-02',
          masteryScore: 0.3,
          pKnown: 0.4,
        }),
      ]),
    );
    sink.write(
      stamp('late_events', 0, [
        {
          event: event({ tenantId: 't1', learnerId: erased, occurredAt: ago(1), eventId: 'late-1' }),
          operator: 'mastery',
          watermarkMs: NOW,
        },
      ]),
    );
    await sink.flush();
    await writeRawEvents(store, [
      {
        event: event({ tenantId: 't1', learnerId: erased, occurredAt: ago(1), eventId: 'r1' }),
        partition: 0,
        offset: 1,
      },
      { event: event({ tenantId: 't1', learnerId: kept, occurredAt: ago(1), eventId: 'r2' }), partition: 0, offset: 2 },
    ]);
    await writeDeadLetters(store, [
      {
        atMs: ago(1),
        reason: 'schema',
        topic: 'ev',
        partition: 0,
        offset: 3,
        tenantId: 't1',
        learnerId: erased,
        rawBase64: 'AQID',
        preview: erased,
      },
    ]);
    await store.insert('audit_log', [
      {
        at: '2026-11-20 10:00:00',
        at_ms: ago(2),
        actor: 'staff-9',
        role: 'tenant_staff',
        tenant_id: 't1',
        learner_id: erased,
        action: 'read',
        resource: '/learners/x',
      },
      {
        at: '2026-11-20 10:01:00',
        at_ms: ago(2) + 60_000,
        actor: erased,
        role: 'learner',
        tenant_id: 't1',
        learner_id: erased,
        action: 'read',
        resource: '/me',
      },
      {
        at: '2026-11-20 10:02:00',
        at_ms: ago(2) + 120_000,
        actor: 'staff-9',
        role: 'tenant_staff',
        tenant_id: 't1',
        learner_id: kept,
        action: 'read',
        resource: '/learners/y',
      },
    ]);
    await store.insert('privacy_budget_ledger', [
      {
        tenant_id: 't1',
        period: '2026-11',
        query_hash: 'q1',
        privacy_level: 'dp_low',
        epsilon: 2,
        delta: 0,
        actor: erased,
        spent_at: '2026-11-20 10:00:00',
        spent_at_ms: ago(2),
      },
    ]);
    const checkpoints = new ClickHouseCheckpointStore(store);
    await checkpoints.save({
      group: 'g',
      topic: 'ev',
      partition: 0,
      offset: '42',
      seqs: { sessions: 3, mastery: 2, weekly_active: 0, late_events: 1 },
      parts: [JSON.stringify({ learners: { [erased]: { open: 1 }, [kept]: { open: 2 } } })],
      version: 1,
      createdAtMs: NOW,
    });
    // And a checkpoint the engine writes: mastery blocks (binary records), open sessions, weekly history.
    const processor = new PartitionProcessor(1);
    processor.processAll(
      [erased, kept].map((learnerId, i) => ({
        type: 'event' as const,
        partition: 1,
        offset: String(i),
        event: questionAttemptEvent(ago(1) + i * MIN, { tenantId: 't1', learnerId, eventId: `cp-${i}` }),
      })),
    );
    const engineState = processor.snapshot();
    await checkpoints.save({
      ...engineState,
      group: 'g',
      topic: 'ev',
      partition: 1,
      offset: '2',
      version: 1,
      createdAtMs: NOW,
    });
    expect(engineState.parts.filter((part) => part.includes(erased)).length).toBeGreaterThan(0);

    expect(Object.keys(await occurrences(store, erased)).sort()).toEqual([
      'audit_log',
      'dead_letters',
      'engine_checkpoint_versions',
      'late_events',
      'mastery_snapshots',
      'privacy_budget_ledger',
      'raw_events',
      'sessions',
    ]);
    const before = await rollups(store);
    const keptBefore = await occurrences(store, kept);

    await eraseLearner(store, 't1', erased);

    expect(await occurrences(store, erased)).toEqual({});
    expect(await occurrences(store, kept)).toEqual(keptBefore);
    expect(await rollups(store)).toEqual(before);
    // Hand check of the rollups: 11-02 has 2 sessions by 2 learners (40 min), 11-03 one session (20 min).
    expect(before.daily.map((d) => [d.day, d.sessions, d.learners, d.durationMsSum])).toEqual([
      ['2026-11-02', 2, 2, 40 * MIN],
      ['2026-11-03', 1, 1, 20 * MIN],
    ]);
    // Rows stay (blanked), so the sink's sequence numbers still guard against replays.
    expect(await sink.highestSeq(0, 'sessions')).toBe(3);
    expect(await store.query('SELECT count() AS n FROM sessions')).toEqual([{ n: 3 }]);
    const cp = await checkpoints.load('g', 'ev', 0);
    expect(JSON.parse(cp?.parts[0] ?? '')).toEqual({ learners: { '': { open: 1 }, [kept]: { open: 2 } } });
    // The engine's checkpoint, blanked, still restores; the kept learner's mastery is intact.
    const blanked = await checkpoints.load('g', 'ev', 1);
    if (!blanked) throw new Error('the engine checkpoint is gone');
    const restored = new PartitionProcessor(1);
    restored.restore({ offset: blanked.offset, seqs: blanked.seqs, parts: blanked.parts });
    expect(restored.forgetLearner('t1', erased)).toBe(false); // nothing of theirs, mastery records included
    expect(restored.forgetLearner('t1', kept)).toBe(true);
    await sink.close();
  });
  it('the scheduler runs both jobs at once and on demand, and stops cleanly', async () => {
    const store = await newStore();
    await runMigrations(store);
    await writeRawEvents(store, [
      {
        event: event({ tenantId: 't1', learnerId: 'pseudo-sched-01', occurredAt: ago(800), eventId: 's-800' }),
        partition: 0,
        offset: 1,
      },
      {
        event: event({ tenantId: 't1', learnerId: 'pseudo-sched-01', occurredAt: ago(95), eventId: 's-95' }),
        partition: 0,
        offset: 2,
      },
    ]);
    const scheduler = scheduleRetention(
      store,
      { identifierHorizonDays: 90, rawEventsDays: 730, aggregatesDays: 365 },
      { intervalMs: 3_600_000, now: () => NOW },
    );
    // The first run started with the scheduler; runNow joins it.
    expect(await scheduler.runNow()).toEqual([
      { table: 'raw_events', action: 'drop_partition', rows: 1 },
      { table: 'raw_events', action: 'anonymise', rows: 1 },
    ]);
    expect(await scheduler.runNow()).toEqual([]);
    await scheduler.stop();
    expect(await store.query('SELECT event_id, learner_id FROM raw_events')).toEqual([
      { event_id: 's-95', learner_id: '' },
    ]);
  });
});

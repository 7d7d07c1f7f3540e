// The "Learning" Grafana dashboard against real ClickHouse: closed windows go
// through the sink into the result tables, the materialized views roll them
// up, and every SQL query of deploy/grafana/dashboards/learning.json — macros
// and variables expanded as Grafana does — runs on both engines and returns
// the figures worked out by hand below, small cohorts suppressed (k = 5).
import { describe, expect, it } from 'vitest';
import type {
  MasterySnapshotResult,
  OutputName,
  ResultsByOutput,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from '../../../src/processors/results.js';
import { ClickHouseSink, type ClickHouseStore, runMigrations } from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';
import {
  constantVariable,
  type DashboardQuery,
  dashboardQueries,
  expandClickHouseSql,
  loadDashboard,
} from '../../unit/deploy/dashboards.js';

const MIN = 60_000;
const dashboard = loadDashboard('learning');
const queries = dashboardQueries(dashboard).filter((q) => q.datasourceType === 'grafana-clickhouse-datasource');
const byTitle = (title: string): DashboardQuery => {
  const q = queries.find((x) => x.where.startsWith(`${title} /`) || x.where === title);
  if (!q) throw new Error(`no query for panel ${title}`);
  return q;
};

// The dashboard's time picker: Sun 2026-03-01 00:00 → Sun 2026-03-08 23:59:59 UTC.
const range = { fromMs: Date.parse('2026-03-01T00:00:00Z'), toMs: Date.parse('2026-03-08T23:59:59Z') };

function session(tenantId: string, learnerId: string, start: string, minutes: number, topics: string[]) {
  const startMs = Date.parse(start);
  const r: SessionWindowResult = {
    tenantId,
    learnerId,
    sessionId: `${learnerId}:${startMs}`,
    startMs,
    endMs: startMs + minutes * MIN,
    durationMs: minutes * MIN,
    activeSeconds: (minutes * 60) / 2,
    eventCount: 4,
    activityCount: 2,
    questionAttempts: 1,
    questionsCorrect: 1,
    contentInteractions: 1,
    iepUpdates: 0,
    topics,
  };
  return r;
}

function snapshot(learnerId: string, topicId: string, day: string, score: number, pKnown: number, tenantId = 't-big') {
  const r: MasterySnapshotResult = {
    tenantId,
    learnerId,
    topicId,
    day,
    pKnown,
    attempts: 3,
    correct: 2,
    firstAttempts: 1,
    firstAttemptCorrect: 1,
    firstAttemptAccuracy: 1,
    accuracy: 2 / 3,
    retrievalStrength: 0.8,
    nextReviewMs: Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000,
    materialCompletion: 0.5,
    recentAttempts: 3,
    recentFailures: 1,
    masteryScore: score,
    trend: 'new',
    change: 0,
  };
  return r;
}

function weekly(
  tenantId: string,
  f: Pick<WeeklyActivePartialResult, 'active' | 'new' | 'returning' | 'reactivated' | 'churned' | 'sessions'>,
) {
  const r: WeeklyActivePartialResult = {
    tenantId,
    weekStart: '2026-03-02',
    isoWeek: '2026-W10',
    learningMinutes: 60,
    ...f,
  };
  return r;
}

function stamp<O extends OutputName>(output: O, partition: number, results: ResultsByOutput[O][]): StampedResult[] {
  return results.map((result, i) => ({ output, partition, seq: i + 1, result }));
}

/*
 * Tenant t-big, Mon 2026-03-02: learners L1..L5, one session each of 10, 20, 30, 40, 50 min;
 *   topics L1 [algebra], L2 [algebra, geometry], L3 [algebra], L4 [geometry], L5 [algebra].
 * Tue 2026-03-03: L1..L6, one 30-min session each, topic [algebra].
 * Tenant t-small, Mon 2026-03-02: S1, S2, one 15-min session each (2 learners < k: suppressed).
 * Active seconds are half of each duration.
 */
const sessions: SessionWindowResult[] = [
  session('t-big', 'L1', '2026-03-02T08:00:00Z', 10, ['algebra']),
  session('t-big', 'L2', '2026-03-02T09:00:00Z', 20, ['algebra', 'geometry']),
  session('t-big', 'L3', '2026-03-02T10:00:00Z', 30, ['algebra']),
  session('t-big', 'L4', '2026-03-02T11:00:00Z', 40, ['geometry']),
  session('t-big', 'L5', '2026-03-02T12:00:00Z', 50, ['algebra']),
  ...['L1', 'L2', 'L3', 'L4', 'L5', 'L6'].map((l, i) =>
    session('t-big', l, `2026-03-03T0${i + 1}:00:00Z`, 30, ['algebra']),
  ),
  session('t-small', 'S1', '2026-03-02T08:00:00Z', 15, ['algebra']),
  session('t-small', 'S2', '2026-03-02T09:00:00Z', 15, ['algebra']),
];

/*
 * Mastery of t-big. algebra, 2026-03-02: L1..L5 scores 0.1 0.3 0.5 0.7 0.9 (mean 0.5);
 * 2026-03-03: 0.2 0.4 0.6 0.8 1.0 (mean 0.6); P(known) 0.2 0.4 0.6 0.8 1.0 both days (mean 0.6).
 * geometry, 2026-03-02: L2 0.5, L4 0.7 (2 learners: suppressed). t-small: S1, S2 on algebra (suppressed).
 */
const snapshots: MasterySnapshotResult[] = [
  ...[0.1, 0.3, 0.5, 0.7, 0.9].map((s, i) => snapshot(`L${i + 1}`, 'algebra', '2026-03-02', s, (i + 1) / 5)),
  ...[0.2, 0.4, 0.6, 0.8, 1.0].map((s, i) => snapshot(`L${i + 1}`, 'algebra', '2026-03-03', s, (i + 1) / 5)),
  snapshot('L2', 'geometry', '2026-03-02', 0.5, 0.5),
  snapshot('L4', 'geometry', '2026-03-02', 0.7, 0.5),
  snapshot('S1', 'algebra', '2026-03-02', 0.4, 0.4, 't-small'),
  snapshot('S2', 'algebra', '2026-03-02', 0.6, 0.6, 't-small'),
];

/* Week 2026-W10 of t-big from two partitions: active 4+2, new 2+1, returning 1+1, reactivated 1+0, churned 1+0. */
const partials: StampedResult[] = [
  ...stamp('weekly_active', 0, [
    weekly('t-big', { active: 4, new: 2, returning: 1, reactivated: 1, churned: 1, sessions: 6 }),
    weekly('t-small', { active: 2, new: 2, returning: 0, reactivated: 0, churned: 0, sessions: 2 }),
  ]),
  ...stamp('weekly_active', 1, [
    weekly('t-big', { active: 2, new: 1, returning: 1, reactivated: 0, churned: 0, sessions: 5 }),
  ]),
];

async function writeResults(store: ClickHouseStore): Promise<void> {
  await runMigrations(store);
  const sink = new ClickHouseSink(store, { flushIntervalMs: 20 });
  sink.write([...stamp('sessions', 0, sessions), ...stamp('mastery', 0, snapshots), ...partials]);
  await sink.flush();
  await sink.close();
}

const k = constantVariable(dashboard, 'k_anonymity');

function run(store: ClickHouseStore, q: DashboardQuery, tenant: string) {
  return store.query<Record<string, unknown>>(expandClickHouseSql(q.text, range, { tenant, k_anonymity: k }));
}

/** Numbers arrive as JSON numbers or (64-bit) strings; nulls stay null. */
const num = (v: unknown) => (v === null ? null : Number(v));
const rounded = (v: unknown, digits = 6) => (v === null ? null : Number(Number(v).toFixed(digits)));

describe('learning dashboard', () => {
  it('reads ClickHouse through the provisioned data source, with a tenant variable and k = 5', () => {
    expect(queries.length).toBeGreaterThanOrEqual(10);
    expect(k).toBe('5');
    for (const q of queries) {
      // SQL both engines accept: no 18.16-missing functions, no server-side {name:Type} parameters.
      expect(q.text, q.where).not.toMatch(/toStartOfInterval|DateTime64|(?<!\$)\{\w+:\w+\}/);
      if (q.where.startsWith('variable')) continue;
      // Every panel follows the time picker and the tenant variable (quoted by Grafana's sqlstring format).
      expect(q.text, q.where).toMatch(/\$__dateFilter\(|\$__fromTime/);
      expect(q.text, q.where).toContain(`tenant_id = $\{tenant:sqlstring}`);
    }
  });
});

forEachStore('learning dashboard SQL', ({ newStore }) => {
  /** A fresh database holding the results above (stores are closed after each test). */
  const seeded = async () => {
    const store = await newStore();
    await writeResults(store);
    return store;
  };

  it('every query runs and returns rows, for a large and a suppressed tenant', async () => {
    const store = await seeded();
    for (const tenant of ['t-big', 't-small']) {
      for (const q of queries) {
        const rows = await run(store, q, tenant);
        expect(rows.length, `${q.where} (${tenant})`).toBeGreaterThan(0);
      }
    }
  });

  it('the tenant variable lists both tenants', async () => {
    const store = await seeded();
    const rows = await run(store, byTitle('variable tenant'), 'unused');
    expect(rows.map((r) => r.tenant_id)).toEqual(['t-big', 't-small']);
  });

  it('stats: 11 sessions, 6 learners, 5.5 h, median 30 min for t-big; all suppressed for t-small', async () => {
    const store = await seeded();
    // (10+20+30+40+50 + 6×30) min = 330 min = 5.5 h; sorted durations 10,20,30×7,40,50 → median 30.
    const stat = async (title: string, tenant: string) =>
      Object.values((await run(store, byTitle(title), tenant))[0] ?? {});
    expect((await stat('Sessions', 't-big')).map(num)).toEqual([11]);
    expect((await stat('Active learners', 't-big')).map(num)).toEqual([6]);
    expect((await stat('Learning hours', 't-big')).map(num)).toEqual([5.5]);
    expect((await stat('Median session', 't-big')).map(num)).toEqual([30]);
    for (const title of ['Sessions', 'Active learners', 'Learning hours', 'Median session']) {
      expect(await stat(title, 't-small'), title).toEqual([null]);
    }
  });

  it('per-day series: sessions, learners, hours and duration quantiles', async () => {
    const store = await seeded();
    const perDay = await run(store, byTitle('Sessions and learners per day'), 't-big');
    expect(perDay.map((r) => [r.time, num(r.session_count), num(r.learner_count)])).toEqual([
      ['2026-03-02 00:00:00', 5, 5],
      ['2026-03-03 00:00:00', 6, 6],
    ]);
    // Day 1: 150 min = 2.5 h, active half = 1.25 h; day 2: 180 min = 3 h, active 1.5 h.
    const hours = await run(store, byTitle('Learning hours per day'), 't-big');
    expect(hours.map((r) => [rounded(r.session_hours), rounded(r.active_hours)])).toEqual([
      [2.5, 1.25],
      [3, 1.5],
    ]);
    // Day 1 durations 10..50: p50 = 30, p90 = 40 + 0.6 × 10 = 46 (linear interpolation); day 2 all 30.
    const quantiles = await run(store, byTitle('Session duration per day'), 't-big');
    expect(quantiles.map((r) => [rounded(r.p50), rounded(r.p90)])).toEqual([
      [30, 46],
      [30, 30],
    ]);
    const small = await run(store, byTitle('Sessions and learners per day'), 't-small');
    expect(small.map((r) => [r.time, r.session_count, r.learner_count])).toEqual([['2026-03-02 00:00:00', null, null]]);
  });

  it('weekly active sums the partitions of every replica; a week under k is suppressed', async () => {
    const store = await seeded();
    const big = await run(store, byTitle('Weekly active learners'), 't-big');
    expect(
      big.map((r) => [
        r.time,
        num(r.active_learners),
        num(r.new_learners),
        num(r.returning_learners),
        num(r.reactivated_learners),
        num(r.churned_learners),
      ]),
    ).toEqual([['2026-03-02 00:00:00', 6, 3, 2, 1, 1]]);
    const small = await run(store, byTitle('Weekly active learners'), 't-small');
    expect(small.map((r) => [r.active_learners, r.new_learners])).toEqual([[null, null]]);
  });

  it('mastery by topic: means and score bands over the range; geometry (2 learners) suppressed', async () => {
    const store = await seeded();
    // algebra: 10 snapshots, mean (2.5 + 3.0) / 10 = 0.55, P(known) mean 0.6;
    // bands: [0,.2) 0.1 | [.2,.4) 0.3 0.2 | [.4,.6) 0.5 0.4 | [.6,.8) 0.7 0.6 | [.8,1] 0.9 0.8 1.0
    const rows = await run(store, byTitle('Mastery by topic'), 't-big');
    expect(
      rows.map((r) => [
        r.topic,
        num(r.learner_count),
        rounded(r.mean_mastery),
        rounded(r.mean_p_known),
        num(r.below_20),
        num(r.from_20_to_40),
        num(r.from_40_to_60),
        num(r.from_60_to_80),
        num(r.from_80),
      ]),
    ).toEqual([
      ['algebra', 5, 0.55, 0.6, 1, 2, 2, 2, 3],
      ['geometry', null, null, null, null, null, null, null, null],
    ]);
    const daily = await run(store, byTitle('Mean mastery per topic'), 't-big');
    expect(daily.map((r) => [r.time, r.topic, rounded(r.mastery)])).toEqual([
      ['2026-03-02 00:00:00', 'algebra', 0.5],
      ['2026-03-02 00:00:00', 'geometry', null],
      ['2026-03-03 00:00:00', 'algebra', 0.6],
    ]);
  });

  it('topic popularity: algebra 10 sessions by 6 learners; geometry (2 learners) suppressed', async () => {
    const store = await seeded();
    // algebra: L1 L2 L3 L5 on day 1 + six sessions on day 2; geometry: L2 and L4 on day 1.
    const rows = await run(store, byTitle('Topic popularity'), 't-big');
    expect(rows.map((r) => [r.topic, num(r.session_count), num(r.learner_count)])).toEqual([
      ['algebra', 10, 6],
      ['geometry', null, null],
    ]);
  });
});

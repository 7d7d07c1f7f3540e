// Hand-made results for the API tests: a small school ("acme", six learners in
// the week of Monday 2026-11-02, six in the week before) and a tiny one
// ("globex", four learners — below k). Expected figures are worked out by hand
// next to the data in rest.test.ts. Rows go in through the views layer's own
// result → row mapping, into tables created by its migrations.
import type { FastifyInstance } from 'fastify';
import { signToken } from '../../../src/api/auth/tokens.js';
import { registerApiRoutes } from '../../../src/api/index.js';
import type { LiveFeed } from '../../../src/api/live-feed.js';
import type { PipelineStatus } from '../../../src/api/pipeline-status.js';
import { createHttpServer } from '../../../src/api/server.js';
import { type Config, configSchema } from '../../../src/core/config.js';
import { rootLogger } from '../../../src/core/logger.js';
import type { IepGoalProgressBody, LearningEvent } from '../../../src/ingest/event.js';
import type {
  MasterySnapshotResult,
  OutputName,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from '../../../src/processors/results.js';
import { type ClickHouseStore, resultRow, rollupInputs, runMigrations } from '../../../src/views/index.js';
import { rawEventRow } from '../../../src/views/rows.js';

export const jwtSecret = 'api-test-secret-that-is-long-enough-123';
const MIN = 60_000;
const at = (day: string, hh: number, mm = 0) =>
  Date.parse(`${day}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00Z`);

let seqs = new Map<string, number>();
export function stamp<O extends OutputName>(
  output: O,
  partition: number,
  result: StampedResult<O>['result'],
): StampedResult<O> {
  const key = `${output}:${partition}`;
  const seq = (seqs.get(key) ?? 0) + 1;
  seqs.set(key, seq);
  return { output, partition, seq, result };
}

export function session(
  tenantId: string,
  learnerId: string,
  startMs: number,
  minutes: number,
  activeSeconds: number,
  topics: string[],
  iepUpdates = 0,
): SessionWindowResult {
  return {
    tenantId,
    learnerId,
    sessionId: `${learnerId}:${startMs}`,
    startMs,
    endMs: startMs + minutes * MIN,
    durationMs: minutes * MIN,
    activeSeconds,
    eventCount: 3,
    activityCount: 1,
    questionAttempts: 1,
    questionsCorrect: 1,
    contentInteractions: 1,
    iepUpdates,
    topics,
  };
}

export function snapshot(
  learnerId: string,
  topicId: string,
  day: string,
  masteryScore: number,
  pKnown: number,
  trend: MasterySnapshotResult['trend'],
): MasterySnapshotResult {
  return {
    tenantId: 'acme',
    learnerId,
    topicId,
    day,
    pKnown,
    attempts: 4,
    correct: 3,
    firstAttempts: 2,
    firstAttemptCorrect: 1,
    firstAttemptAccuracy: 0.5,
    accuracy: 0.75,
    retrievalStrength: 0.9,
    nextReviewMs: at(day, 12) + 3 * 86_400_000,
    materialCompletion: 0.5,
    recentAttempts: 4,
    recentFailures: 1,
    masteryScore,
    change: 0.1,
    trend,
  };
}

export function week(fig: Partial<WeeklyActivePartialResult>): WeeklyActivePartialResult {
  return {
    tenantId: 'acme',
    weekStart: '2026-11-02',
    isoWeek: '2026-W45',
    active: 0,
    new: 0,
    returning: 0,
    reactivated: 0,
    churned: 0,
    sessions: 0,
    learningMinutes: 0,
    ...fig,
  };
}

/** Every result of the fixture, stamped with partition and seq as the pipeline would. */
export function fixtureResults(): StampedResult[] {
  seqs = new Map();
  const out: StampedResult[] = [];
  const s = (p: number, r: SessionWindowResult) => out.push(stamp('sessions', p, r));
  // Week of 2026-11-02 (the period under test).
  s(0, session('acme', 'p-L1', at('2026-11-02', 9), 30, 1200, ['algebra']));
  s(0, session('acme', 'p-L1', at('2026-11-02', 14), 10, 600, ['algebra', 'geometry']));
  s(1, session('acme', 'p-L2', at('2026-11-02', 10), 20, 900, ['algebra']));
  s(0, session('acme', 'p-L3', at('2026-11-03', 9), 40, 1800, ['geometry']));
  s(1, session('acme', 'p-L4', at('2026-11-03', 11), 60, 3000, ['algebra']));
  s(0, session('acme', 'p-L5', at('2026-11-04', 8), 15, 600, ['algebra'], 2));
  s(1, session('acme', 'p-L6', at('2026-11-04', 16), 25, 1200, ['algebra']));
  // The previous week: L1..L5 and L7, one session each.
  for (const [i, l] of ['p-L1', 'p-L2', 'p-L3', 'p-L4', 'p-L5', 'p-L7'].entries()) {
    s(i % 2, session('acme', l, at('2026-10-27', 8 + i), 20, 600, ['algebra']));
  }
  // globex: four learners only.
  for (const l of ['g-1', 'g-2', 'g-3', 'g-4']) s(2, session('globex', l, at('2026-11-03', 9), 30, 900, ['reading']));
  const m = (p: number, r: MasterySnapshotResult) => out.push(stamp('mastery', p, r));
  m(0, snapshot('p-L1', 'algebra', '2026-11-02', 0.3, 0.2, 'new'));
  m(0, snapshot('p-L1', 'algebra', '2026-11-03', 0.5, 0.4, 'improving'));
  m(1, snapshot('p-L2', 'algebra', '2026-11-03', 0.6, 0.5, 'improving'));
  m(0, snapshot('p-L3', 'algebra', '2026-11-03', 0.7, 0.6, 'stable'));
  m(1, snapshot('p-L4', 'algebra', '2026-11-03', 0.8, 0.7, 'declining'));
  m(0, snapshot('p-L5', 'algebra', '2026-11-03', 0.9, 0.8, 'new'));
  m(0, snapshot('p-L1', 'geometry', '2026-11-03', 0.4, 0.3, 'new'));
  const w = (p: number, r: WeeklyActivePartialResult) => out.push(stamp('weekly_active', p, r));
  w(0, week({ active: 4, new: 1, returning: 2, reactivated: 1, churned: 1, sessions: 5, learningMinutes: 100 }));
  w(1, week({ active: 2, new: 0, returning: 2, reactivated: 0, churned: 0, sessions: 2, learningMinutes: 55 }));
  return out;
}

export async function loadFixture(store: ClickHouseStore, results = fixtureResults()): Promise<void> {
  await runMigrations(store);
  const tables: Record<OutputName, string> = {
    sessions: 'sessions',
    mastery: 'mastery_snapshots',
    weekly_active: 'weekly_active_partials',
    late_events: 'late_events',
  };
  for (const output of Object.keys(tables) as OutputName[]) {
    const rows = results.filter((r) => r.output === output).map(resultRow);
    // The write path of the engine: the table's fenced input, then each of its rollups' inputs.
    if (rows.length === 0) continue;
    await store.insert(`${tables[output]}_in`, rows);
    for (const rollup of rollupInputs[output]) await store.insert(rollup.input, rows);
  }
}

export function testConfig(
  overrides: { privacy?: Record<string, unknown>; api?: Record<string, unknown> } = {},
): Config {
  return configSchema.parse({
    auth: { jwtSecret },
    privacy: { kAnonymity: 5, budgetEpsilon: 10, ...overrides.privacy },
    api: { ...overrides.api },
  });
}

export interface TestApi {
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startApi(
  store: ClickHouseStore,
  config: Config,
  extra: { liveFeed?: LiveFeed; pipelineStatus?: () => PipelineStatus } = {},
): Promise<TestApi> {
  const http = createHttpServer({ logger: rootLogger() });
  await registerApiRoutes(http.app, { store, config, logger: rootLogger(), ...extra });
  await http.app.ready();
  return { app: http.app, close: () => http.close() };
}

export const tokens = {
  admin: () => signToken(jwtSecret, { sub: 'admin-1', role: 'admin' }),
  staff: (tenant = 'acme') => signToken(jwtSecret, { sub: `staff-${tenant}`, role: 'tenant_staff', tenant_id: tenant }),
  learner: (learner = 'p-L1', tenant = 'acme') =>
    signToken(jwtSecret, { sub: `learner-${learner}`, role: 'learner', tenant_id: tenant, learner_id: learner }),
  parent: (linked = ['p-L1', 'p-L2'], tenant = 'acme') =>
    signToken(jwtSecret, { sub: 'parent-1', role: 'parent', tenant_id: tenant, linked_learners: linked }),
  /** A service posting events for one tenant: it reads nothing. */
  producer: (tenant = 'acme') =>
    signToken(jwtSecret, { sub: `producer-${tenant}`, role: 'producer', tenant_id: tenant }),
};

/** L5's IEP measurements in the week of 11-02: reading 12 then 16 (baseline 10, target 30), math 4 (baseline 5, target 15). */
export async function loadIepEvents(store: ClickHouseStore): Promise<void> {
  const iep = (
    i: number,
    day: string,
    hh: number,
    goalId: string,
    baseline: number,
    current: number,
    target: number,
  ) => {
    const e: LearningEvent<IepGoalProgressBody> = {
      eventId: `00000000-0000-4000-8000-00000000000${i}`,
      tenantId: 'acme',
      learnerId: 'p-L5',
      occurredAt: at(day, hh),
      receivedAt: at(day, hh),
      source: 'iep-app',
      schemaVersion: 2,
      body: {
        kind: 'iep_goal_progress',
        goalId,
        category: goalId === 'g-read' ? 'literacy' : 'numeracy',
        baseline,
        current,
        target,
        measuredAt: at(day, hh),
      },
    };
    return rawEventRow(e, 0, i);
  };
  await store.insert('raw_events', [
    iep(1, '2026-11-04', 8, 'g-read', 10, 12, 30),
    iep(2, '2026-11-04', 9, 'g-math', 5, 4, 15),
    iep(3, '2026-11-05', 8, 'g-read', 10, 16, 30),
  ]);
}

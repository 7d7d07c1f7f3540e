// Synthetic learning activity, deterministic by seed: tenants with topics,
// learners with a latent skill per topic that grows with practice and fades
// with time, sessions (minutes apart inside, hours or days between), weekly
// rhythms with churn and return, late and out-of-order delivery, and a share
// of malformed records. Pure: the same options give the same events.
import type { EventBody, LearningEvent } from '../event.js';
import { Prng } from './prng.js';

export interface SimulationOptions {
  seed: number;
  tenants?: number;
  /** Learners across all tenants. */
  learners?: number;
  days?: number;
  /** Start of simulated time, epoch ms (default 2026-01-05T00:00Z, a Monday). */
  startMs?: number;
  topicsPerTenant?: number;
  /** Share of events delivered minutes after later ones (out of order within the partition). */
  outOfOrderShare?: number;
  /** Share of events delivered hours later (offline devices syncing). */
  lateShare?: number;
  /** Share of records that are malformed (only in `simulate()`; `generateEvents` returns valid events). */
  malformedShare?: number;
  /** Share of learners who disappear for a while at some point. */
  churnShare?: number;
  /**
   * Emit event contract v3 (default false: the v2 stream, byte for byte as
   * before): every event gets a context (course, class, platform, device),
   * page views and route changes become navigation/page_view with details,
   * some activities become errors with details, and some sessions end with an
   * exam_result. Drawn from its own stream: the v2 events stay as they are.
   */
  contractV3?: boolean;
}

export type Defect =
  | 'score_out_of_range'
  | 'missing_tenant'
  | 'future_occurred_at'
  | 'bad_event_id'
  | 'truncated_bytes'
  | 'garbage_bytes';

export const defects: readonly Defect[] = [
  'score_out_of_range',
  'missing_tenant',
  'future_occurred_at',
  'bad_event_id',
  'truncated_bytes',
  'garbage_bytes',
];

export type SimulatedRecord =
  | { type: 'event'; event: LearningEvent }
  /** `event` is what the record was meant to be; `defect` says how it is broken on the wire. */
  | { type: 'malformed'; defect: Defect; event: LearningEvent; salt: number };

export const defaultStartMs = Date.UTC(2026, 0, 5);
const hour = 3_600_000;
const day = 24 * hour;

interface Tenant {
  id: string;
  topics: string[];
  /** UTC offset of the tenant's schools, hours. */
  utcOffset: number;
  source: string;
}

interface Learner {
  id: string;
  tenant: Tenant;
  rng: Prng;
  /** Sessions per active week. */
  sessionsPerWeek: number;
  /** Preferred local hour of study. */
  hour: number;
  joinDay: number;
  /** Days on which the learner is away (churned), as [from, to). */
  away: [number, number][];
  skill: Map<string, number>;
  lastPractice: Map<string, number>;
  attempts: Map<string, number>;
  progress: Map<string, number>;
  goals: { id: string; category: string; baseline: number; target: number; current: number }[];
}

const activityKinds: [string, string][] = [
  ['page_view', 'viewed'],
  ['route_change', 'navigated'],
  ['video', 'played'],
  ['note', 'taken'],
  ['quest', 'started'],
  ['badge', 'earned'],
  ['tutor', 'message_sent'],
];

function makeTenants(rng: Prng, count: number, topicsPerTenant: number): Tenant[] {
  const subjects = ['algebra', 'geometry', 'fractions', 'reading', 'grammar', 'biology', 'chemistry', 'history'];
  return Array.from({ length: count }, (_, t) => {
    const id = `tenant-${String(t + 1).padStart(2, '0')}`;
    const topics = Array.from(
      { length: topicsPerTenant },
      (_, i) => `${subjects[i % subjects.length]}-${Math.floor(i / subjects.length) + 1}`,
    );
    return { id, topics, utcOffset: rng.pick([-5, 0, 1, 2, 8]), source: rng.pick(['lms', 'quiz-app', 'mobile-app']) };
  });
}

function makeLearner(rng: Prng, tenant: Tenant, index: number, days: number, churnShare: number): Learner {
  const skill = new Map<string, number>();
  for (const topic of tenant.topics) skill.set(topic, Math.min(0.9, Math.max(0.02, 0.25 + 0.15 * rng.normal())));
  const away: [number, number][] = [];
  if (rng.chance(churnShare)) {
    const from = rng.int(Math.max(1, days));
    away.push([from, from + 7 + rng.int(21)]);
  }
  const goals = rng.chance(0.15)
    ? [
        {
          id: `goal-${index}-1`,
          category: rng.pick(['reading', 'math', 'behaviour']),
          baseline: 10,
          target: 40,
          current: 10,
        },
      ]
    : [];
  return {
    id: `${tenant.id.replace('tenant', 'lms')}-u${String(index).padStart(5, '0')}`,
    tenant,
    rng,
    sessionsPerWeek: Math.max(0.5, Math.exp(1 + 0.6 * rng.normal())),
    hour: Math.min(22, Math.max(7, 17 + 3 * rng.normal())),
    joinDay: rng.chance(0.8) ? 0 : rng.int(Math.max(1, days)),
    away,
    skill,
    lastPractice: new Map(),
    attempts: new Map(),
    progress: new Map(),
    goals,
  };
}

/** Emission-ordered records: what a platform would send, in the order it sends it. */
export function simulate(opts: SimulationOptions): SimulatedRecord[] {
  const {
    seed,
    tenants: tenantCount = 3,
    learners: learnerCount = 60,
    days = 28,
    startMs = defaultStartMs,
    topicsPerTenant = 8,
    outOfOrderShare = 0.03,
    lateShare = 0.01,
    malformedShare = 0,
    churnShare = 0.2,
  } = opts;
  const root = new Prng(seed);
  const tenants = makeTenants(root.fork(1), tenantCount, topicsPerTenant);
  const delivery = root.fork(2);
  const emitted: { event: LearningEvent; seq: number }[] = [];
  let seq = 0;

  // Its own stream, never forked from root: the default output must not move.
  const v3 = opts.contractV3 ? new Prng((seed ^ 0x3c3c3c3c) >>> 0) : null;
  for (let i = 0; i < learnerCount; i++) {
    const tenant = tenants[i % tenants.length] as Tenant;
    const learner = makeLearner(root.fork(100 + i), tenant, i, days, churnShare);
    const timeline = learnerTimeline(learner, startMs, days);
    for (const event of v3 ? contractV3Timeline(timeline, learner, v3) : timeline) emitted.push({ event, seq: seq++ });
  }

  // Delivery: most events arrive within seconds; some minutes late (out of order), some hours late (offline sync).
  for (const e of emitted) {
    const r = delivery.next();
    let delay = 200 + delivery.int(3000);
    if (r < lateShare) delay = (2 + delivery.int(36)) * hour;
    else if (r < lateShare + outOfOrderShare) delay = (3 + delivery.int(25)) * 60_000;
    e.event.receivedAt = e.event.occurredAt + delay;
  }
  emitted.sort((a, b) => a.event.receivedAt - b.event.receivedAt || a.seq - b.seq);

  const flaws = root.fork(3);
  return emitted.map(({ event }): SimulatedRecord => {
    if (malformedShare > 0 && flaws.chance(malformedShare)) {
      return { type: 'malformed', defect: flaws.pick(defects), event, salt: flaws.nextUint32() };
    }
    return { type: 'event', event };
  });
}

/** The valid events of a simulation, in emission order (the pure generator other tests build on). */
export function generateEvents(opts: SimulationOptions): LearningEvent[] {
  const out: LearningEvent[] = [];
  for (const r of simulate({ ...opts, malformedShare: 0 })) if (r.type === 'event') out.push(r.event);
  return out;
}

const platforms = ['web', 'ios', 'android', 'chromeos'] as const;
const devices = ['desktop', 'tablet', 'phone'] as const;
const components = ['quest-player', 'video-player', 'tutor-chat', 'dashboard'] as const;

/** The learner's events in contract v3 (see `contractV3`); exam results follow some logouts. */
function* contractV3Timeline(events: Iterable<LearningEvent>, l: Learner, rng: Prng): Generator<LearningEvent> {
  const course = `course-${l.tenant.id}-${rng.int(3)}`;
  const context = {
    courseId: course,
    classId: `${course}-class-${rng.int(4)}`,
    platform: rng.pick(platforms),
    deviceKind: rng.pick(devices),
  };
  let lastPath: string | null = null;
  for (const e of events) {
    const event: LearningEvent = { ...e, schemaVersion: 3, context };
    const b = e.body;
    if (b.kind === 'activity' && (b.category === 'page_view' || b.category === 'route_change')) {
      const path = `/${b.objectId ?? 'home'}`;
      event.body = {
        ...b,
        category: 'navigation',
        action: 'page_view',
        details: {
          kind: 'page_view',
          path,
          referrerPath: lastPath,
          loadTimeMs: 50 + rng.int(3000),
          timeOnPageMs: b.durationMs,
        },
      };
      lastPath = path;
    } else if (b.kind === 'activity' && b.category !== 'auth' && rng.chance(0.1)) {
      const http = rng.chance(0.5);
      event.body = {
        ...b,
        category: 'error',
        action: http ? 'server_error' : 'client_error',
        details: {
          kind: 'error',
          errorType: http ? 'http' : 'TypeError',
          component: rng.pick(components),
          httpStatus: http ? rng.pick([500, 502, 503, 404]) : null,
          messageDigest: Array.from({ length: 8 }, () => rng.nextUint32().toString(16).padStart(8, '0')).join(''),
        },
      };
    }
    yield event;
    if (b.kind === 'activity' && b.action === 'logout' && rng.chance(0.1)) {
      const score = Math.round(rng.next() * 100) / 100;
      yield {
        ...event,
        eventId: rng.uuid(),
        occurredAt: e.occurredAt + 1000,
        receivedAt: e.occurredAt + 1000,
        body: {
          kind: 'exam_result',
          examId: `exam-${l.tenant.id}-${rng.int(5)}`,
          score,
          passed: score >= 0.5,
          takenAt: e.occurredAt - rng.int(3_600_000),
        },
      };
    }
  }
}

function* learnerTimeline(l: Learner, startMs: number, days: number): Generator<LearningEvent> {
  const { rng } = l;
  let lastSessionEnd = Number.NEGATIVE_INFINITY;
  for (let d = l.joinDay; d < days; d++) {
    if (l.away.some(([from, to]) => d >= from && d < to)) continue;
    const weekday = (new Date(startMs + d * day).getUTCDay() + 6) % 7; // 0 = Monday
    const weekdayFactor = weekday < 5 ? 1 : 0.35;
    const sessionsToday = poisson(rng, (l.sessionsPerWeek / 5.7) * weekdayFactor);
    // The learner's local day; sessions are hours apart, also across midnight.
    const localDayStart = startMs + d * day - l.tenant.utcOffset * hour;
    let cursor = Math.max(
      localDayStart + l.hour * hour + rng.normal() * hour,
      lastSessionEnd + (1.5 + rng.exponential(3)) * hour,
    );
    for (let s = 0; s < sessionsToday; s++) {
      if (cursor >= localDayStart + 23.5 * hour) break;
      const session = [...sessionEvents(l, Math.round(cursor))];
      yield* session;
      lastSessionEnd = session[session.length - 1]?.occurredAt ?? cursor;
      cursor = lastSessionEnd + (1.5 + rng.exponential(3)) * hour;
    }
    for (const goal of l.goals) {
      if (weekday === 4 && rng.chance(0.8)) yield iepMeasurement(l, goal, startMs + d * day + 14 * hour);
    }
  }
}

function poisson(rng: Prng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

function envelope(l: Learner, at: number, body: EventBody, clientSessionId: string | null): LearningEvent {
  return {
    eventId: l.rng.uuid(),
    tenantId: l.tenant.id,
    learnerId: l.id,
    occurredAt: at,
    receivedAt: at,
    source: l.tenant.source,
    schemaVersion: 2,
    clientSessionId,
    body,
  };
}

function* sessionEvents(l: Learner, start: number): Generator<LearningEvent> {
  const { rng } = l;
  const sessionId = `cs-${rng.nextUint32().toString(36)}`;
  let t = start;
  yield envelope(
    l,
    t,
    { kind: 'activity', category: 'auth', action: 'login', objectId: null, durationMs: null },
    sessionId,
  );
  const focus = [rng.pick(l.tenant.topics), rng.pick(l.tenant.topics)];
  const steps = 4 + rng.int(30);
  for (let i = 0; i < steps; i++) {
    // Minutes within a session, occasionally a longer pause that stays under the 30-minute gap.
    t += Math.round(Math.min(20 * 60_000, 5_000 + rng.exponential(70_000)));
    const topic = rng.chance(0.8) ? (focus[0] as string) : (focus[1] as string);
    const r = rng.next();
    if (r < 0.6) t = yield* questionAttempts(l, topic, t, sessionId);
    else if (r < 0.85) yield contentInteraction(l, topic, t, sessionId);
    else {
      const [category, action] = rng.pick(activityKinds);
      yield envelope(
        l,
        t,
        {
          kind: 'activity',
          category,
          action,
          objectId: `${category}-${rng.int(50)}`,
          durationMs: rng.chance(0.5) ? rng.int(120_000) : null,
        },
        sessionId,
      );
    }
  }
  if (rng.chance(0.7)) {
    t += 2_000 + rng.int(20_000);
    yield envelope(
      l,
      t,
      { kind: 'activity', category: 'auth', action: 'logout', objectId: null, durationMs: t - start },
      sessionId,
    );
  }
}

function knowledge(l: Learner, topic: string, at: number): number {
  const base = l.skill.get(topic) ?? 0.2;
  const last = l.lastPractice.get(topic);
  if (last === undefined) return base;
  // Forgetting: a mild exponential decay toward a floor with days since practice.
  const daysSince = (at - last) / day;
  return 0.1 + (base - 0.1) * Math.exp(-daysSince / 30);
}

/** Yields the attempts at one item (retries after a wrong answer); returns the time of the last. */
function* questionAttempts(l: Learner, topic: string, at: number, sessionId: string): Generator<LearningEvent, number> {
  const { rng } = l;
  const item = `${topic}-q${String(rng.int(40)).padStart(3, '0')}`;
  let t = at;
  for (let attempt = (l.attempts.get(item) ?? 0) + 1; attempt <= 3; attempt++) {
    const theta = knowledge(l, topic, t);
    const guess = 0.2;
    const slip = 0.1;
    const hints = rng.chance(0.4 * (1 - theta)) ? 1 + rng.int(2) : 0;
    const correct = rng.chance(guess + (1 - slip - guess) * theta + 0.05 * hints);
    l.attempts.set(item, attempt);
    // Practice moves the latent skill toward mastery, faster after a correct answer.
    l.skill.set(topic, theta + (correct ? 0.08 : 0.04) * (1 - theta));
    l.lastPractice.set(topic, t);
    const topics = rng.chance(0.2)
      ? [topic, rng.pick(l.tenant.topics)].filter((x, i, a) => a.indexOf(x) === i)
      : [topic];
    yield envelope(
      l,
      t,
      {
        kind: 'question_attempt',
        itemId: item,
        topicIds: topics,
        correct,
        score: correct ? 1 : Math.round(rng.next() * 5) / 10,
        attemptNumber: attempt,
        responseTimeMs: Math.round(4_000 + rng.exponential(25_000 * (1.2 - theta))),
        hintsUsed: hints,
        confidence: rng.chance(0.3) ? Math.round((0.3 + 0.7 * theta) * 100) / 100 : null,
      },
      sessionId,
    );
    if (correct || !rng.chance(0.5)) return t;
    t += Math.round(10_000 + rng.exponential(30_000));
  }
  return t;
}

function contentInteraction(l: Learner, topic: string, at: number, sessionId: string): LearningEvent {
  const { rng } = l;
  const content = `${topic}-m${rng.int(6)}`;
  const progress = Math.min(1, (l.progress.get(content) ?? 0) + 0.1 + rng.next() * 0.4);
  l.progress.set(content, progress);
  return envelope(
    l,
    at,
    {
      kind: 'content_interaction',
      contentId: content,
      topicIds: [topic],
      progress: Math.round(progress * 1000) / 1000,
      activeSeconds: Math.round(rng.between(20, 600)),
    },
    sessionId,
  );
}

function iepMeasurement(l: Learner, goal: Learner['goals'][number], at: number): LearningEvent {
  goal.current = Math.min(goal.target + 5, goal.current + l.rng.between(-1, 3));
  return envelope(
    l,
    at,
    {
      kind: 'iep_goal_progress',
      goalId: goal.id,
      category: goal.category,
      baseline: goal.baseline,
      current: Math.round(goal.current * 10) / 10,
      target: goal.target,
      measuredAt: at,
    },
    null,
  );
}

// Gap-based session windows for one learner, as pure functions: which open
// clusters an event joins, how a cluster splits into sessions no longer than
// the cap, and the session summary. A cluster is a run of events, sorted by
// (time, event id), where each gap is shorter than the inactivity gap.
import type { EventKind, LearningEvent } from '../../ingest/event.js';
import type { SessionWindowResult } from '../results.js';

/** What a session keeps of one event (compact: sessions can hold many). */
export interface SessionPoint {
  t: number;
  id: string;
  kind: EventKind;
  /** Question attempts only. */
  correct?: boolean;
  /** Question attempts and content interactions only. */
  topics?: string[];
}

export function toSessionPoint(event: LearningEvent): SessionPoint {
  const point: SessionPoint = { t: event.occurredAt, id: event.eventId, kind: event.body.kind };
  if (event.body.kind === 'question_attempt') {
    point.correct = event.body.correct;
    point.topics = event.body.topicIds;
  } else if (event.body.kind === 'content_interaction') {
    point.topics = event.body.topicIds;
  }
  return point;
}

export function comparePoints(a: SessionPoint, b: SessionPoint): number {
  return a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** An event at `t` belongs with a cluster when it is less than `gapMs` from the cluster's span. */
export function joinsCluster(cluster: readonly SessionPoint[], t: number, gapMs: number): boolean {
  const first = cluster[0]!.t;
  const last = cluster[cluster.length - 1]!.t;
  return t > first - gapMs && t < last + gapMs;
}

/** Merges sorted clusters (and the new point) into one sorted cluster; a repeated event id is kept once. */
export function mergeClusters(clusters: readonly SessionPoint[][], point: SessionPoint): SessionPoint[] {
  const all: SessionPoint[] = [];
  for (const cluster of clusters) for (const p of cluster) all.push(p);
  all.push(point);
  all.sort(comparePoints);
  return all.filter((p, i) => i === 0 || p.id !== all[i - 1]!.id || p.t !== all[i - 1]!.t);
}

/**
 * Length of the first session of a cluster under the cap: the events within
 * `maxSessionMs` of the first one (a session lasts at most the cap).
 */
export function firstChunkLength(cluster: readonly SessionPoint[], maxSessionMs: number): number {
  const limit = cluster[0]!.t + maxSessionMs;
  let n = 0;
  while (n < cluster.length && cluster[n]!.t <= limit) n++;
  return n;
}

export interface SessionSummaryContext {
  tenantId: string;
  learnerId: string;
  idleThresholdMs: number;
}

/** The session result of a sorted, non-empty run of events. */
export function summariseSession(points: readonly SessionPoint[], ctx: SessionSummaryContext): SessionWindowResult {
  const startMs = points[0]!.t;
  const endMs = points[points.length - 1]!.t;
  let activeMs = 0;
  let activityCount = 0;
  let questionAttempts = 0;
  let questionsCorrect = 0;
  let contentInteractions = 0;
  let iepUpdates = 0;
  const topics = new Set<string>();
  points.forEach((p, i) => {
    if (i > 0) {
      const gap = p.t - points[i - 1]!.t;
      if (gap < ctx.idleThresholdMs) activeMs += gap;
    }
    if (p.kind === 'activity') activityCount++;
    else if (p.kind === 'question_attempt') {
      questionAttempts++;
      if (p.correct) questionsCorrect++;
    } else if (p.kind === 'content_interaction') contentInteractions++;
    else iepUpdates++;
    for (const topic of p.topics ?? []) topics.add(topic);
  });
  return {
    tenantId: ctx.tenantId,
    learnerId: ctx.learnerId,
    sessionId: `${ctx.learnerId}:${startMs}`,
    startMs,
    endMs,
    durationMs: endMs - startMs,
    activeSeconds: activeMs / 1000,
    eventCount: points.length,
    activityCount,
    questionAttempts,
    questionsCorrect,
    contentInteractions,
    iepUpdates,
    topics: Array.from(topics).sort(),
  };
}

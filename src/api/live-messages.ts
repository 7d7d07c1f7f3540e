// The live feed's wire format: what a client may send (auth, subscribe,
// ping), the JSON of one closed window, resume tokens, and the conversion of
// results — live or read back from ClickHouse for a resume — into messages.
import { z } from 'zod';
import type {
  LateEventResult,
  MasterySnapshotResult,
  OutputName,
  SessionWindowResult,
  StampedResult,
  WeeklyActivePartialResult,
} from '../processors/results.js';
import { tenantIdSchema } from './schemas.js';

export const liveKinds = [
  'sessions',
  'mastery',
  'weekly_active',
  'late_events',
] as const satisfies readonly OutputName[];
export type LiveKind = (typeof liveKinds)[number];

/** Close codes (4000-4999 are the application's): the reason text says more. */
export const closeCodes = {
  badMessage: 4000,
  unauthenticated: 4001,
  slowConsumer: 4008,
  heartbeatTimeout: 4009,
  shuttingDown: 1001,
} as const;

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(8192) }),
  z.object({
    type: z.literal('subscribe'),
    /** Omitted: the caller's own tenant. `*` (admins): every tenant. */
    tenants: z
      .array(z.union([tenantIdSchema, z.literal('*')]))
      .max(100)
      .optional(),
    kinds: z
      .array(z.enum(liveKinds))
      .min(1)
      .max(4)
      .default([...liveKinds]),
    privacyLevel: z.string().default('anonymized'),
    resume: z.string().max(65536).optional(),
  }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) around `payload` (UTF-8 JSON): what a server
 * writes for one message without extensions. Built once per window and written to many clients.
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  return frame;
}

/** Position of a stream of results: the last seq seen per `output:partition`. */
export type Positions = Record<string, number>;

export function encodeResume(p: Positions): string {
  return Buffer.from(JSON.stringify({ v: 1, p })).toString('base64url');
}

export function decodeResume(token: string): Positions | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: number; p?: unknown };
    if (parsed.v !== 1 || typeof parsed.p !== 'object' || parsed.p === null) return undefined;
    const out: Positions = {};
    for (const [k, v] of Object.entries(parsed.p)) {
      if (
        !/^(sessions|mastery|weekly_active|late_events):\d{1,6}$/.test(k) ||
        !Number.isSafeInteger(v) ||
        (v as number) < 0
      ) {
        return undefined;
      }
      out[k] = v as number;
    }
    return out;
  } catch {
    return undefined;
  }
}

export function tenantOf(s: StampedResult): string {
  return s.output === 'late_events'
    ? (s.result as LateEventResult).event.tenantId
    : (s.result as { tenantId: string }).tenantId;
}

/** The learner a result is about, or undefined for tenant-level results. */
export function learnerOf(s: StampedResult): string | undefined {
  switch (s.output) {
    case 'sessions':
    case 'mastery':
      return (s.result as SessionWindowResult | MasterySnapshotResult).learnerId;
    case 'late_events':
      return (s.result as LateEventResult).event.learnerId;
    default:
      return undefined;
  }
}

const DAY_MS = 86_400_000;

/** Event-time end of the closed window (used for display; latency is measured from hand-over). */
export function windowEndOf(s: StampedResult): number | null {
  switch (s.output) {
    case 'sessions':
      return (s.result as SessionWindowResult).endMs;
    case 'mastery':
      return Date.parse(`${(s.result as MasterySnapshotResult).day}T00:00:00Z`) + DAY_MS;
    case 'weekly_active':
      return Date.parse(`${(s.result as WeeklyActivePartialResult).weekStart}T00:00:00Z`) + 7 * DAY_MS;
    case 'late_events':
      return (s.result as LateEventResult).event.occurredAt;
  }
}

/** The message body of one result; late events are summarised (no raw event body on the feed). */
export function dataOf(s: StampedResult, k: number): Record<string, unknown> {
  if (s.output === 'late_events') {
    const r = s.result as LateEventResult;
    return {
      tenantId: r.event.tenantId,
      learnerId: r.event.learnerId,
      eventId: r.event.eventId,
      kind: r.event.body.kind,
      operator: r.operator,
      occurredAtMs: r.event.occurredAt,
      watermarkMs: r.watermarkMs,
    };
  }
  if (s.output === 'weekly_active') {
    // A partial covers one partition's learners: a cohort like any other, suppressed below k.
    const r = s.result as WeeklyActivePartialResult;
    if (r.active < k) {
      return {
        tenantId: r.tenantId,
        weekStart: r.weekStart,
        isoWeek: r.isoWeek,
        suppressed: true,
        active: null,
        new: null,
        returning: null,
        reactivated: null,
        churned: null,
        sessions: null,
        learningMinutes: null,
      };
    }
    return { ...r, suppressed: false };
  }
  return { ...(s.result as unknown as Record<string, unknown>) };
}

const num = (v: unknown) => Number(v ?? 0);
const str = (v: unknown) => String(v ?? '');

/** Inverse of the sink's row mapping (src/views/rows.ts), for results read back on resume. */
export function resultFromRow(output: LiveKind, row: Record<string, unknown>): StampedResult {
  const partition = num(row.source_partition);
  const seq = num(row.seq);
  switch (output) {
    case 'sessions': {
      const result: SessionWindowResult = {
        tenantId: str(row.tenant_id),
        learnerId: str(row.learner_id),
        sessionId: str(row.session_id),
        startMs: num(row.start_ms),
        endMs: num(row.end_ms),
        durationMs: num(row.duration_ms),
        activeSeconds: num(row.active_seconds),
        eventCount: num(row.event_count),
        activityCount: num(row.activity_count),
        questionAttempts: num(row.question_attempts),
        questionsCorrect: num(row.questions_correct),
        contentInteractions: num(row.content_interactions),
        iepUpdates: num(row.iep_updates),
        topics: Array.isArray(row.topics) ? row.topics.map(String) : [],
      };
      return { output, partition, seq, result };
    }
    case 'mastery': {
      const result: MasterySnapshotResult = {
        tenantId: str(row.tenant_id),
        learnerId: str(row.learner_id),
        topicId: str(row.topic_id),
        day: str(row.day),
        pKnown: num(row.p_known),
        attempts: num(row.attempts),
        correct: num(row.correct),
        firstAttempts: num(row.first_attempts),
        firstAttemptCorrect: num(row.first_attempt_correct),
        firstAttemptAccuracy: num(row.first_attempt_accuracy),
        accuracy: num(row.accuracy),
        retrievalStrength: num(row.retrieval_strength),
        nextReviewMs: num(row.next_review_ms),
        materialCompletion: num(row.material_completion),
        recentAttempts: num(row.recent_attempts),
        recentFailures: num(row.recent_failures),
        masteryScore: num(row.mastery_score),
        trend: str(row.trend) as MasterySnapshotResult['trend'],
        change: num(row.score_change),
      };
      return { output, partition, seq, result };
    }
    case 'weekly_active': {
      const result: WeeklyActivePartialResult = {
        tenantId: str(row.tenant_id),
        weekStart: str(row.week_start),
        isoWeek: str(row.iso_week),
        active: num(row.active),
        new: num(row.new),
        returning: num(row.returning),
        reactivated: num(row.reactivated),
        churned: num(row.churned),
        sessions: num(row.sessions),
        learningMinutes: num(row.learning_minutes),
      };
      return { output, partition, seq, result };
    }
    case 'late_events': {
      const result: LateEventResult = {
        operator: str(row.operator) as LateEventResult['operator'],
        watermarkMs: num(row.watermark_ms),
        event: {
          eventId: str(row.event_id),
          tenantId: str(row.tenant_id),
          learnerId: str(row.learner_id),
          occurredAt: num(row.occurred_at_ms),
          receivedAt: num(row.received_at_ms),
          source: str(row.event_source),
          schemaVersion: num(row.schema_version),
          body: { kind: str(row.kind) } as LateEventResult['event']['body'],
        },
      };
      return { output, partition, seq, result };
    }
  }
}

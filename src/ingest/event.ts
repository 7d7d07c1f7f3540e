// The event contract in TypeScript: what every source hands to the processors.
// Mirrors the Avro schemas in schemas/ (field names in camelCase here). After
// ingest, `learnerId` is always the pseudonym (HMAC of the platform's id).

export type EventKind = 'activity' | 'question_attempt' | 'content_interaction' | 'iep_goal_progress' | 'exam_result';

/** v3 details of a `navigation` / `page_view` activity. */
export interface PageViewDetails {
  kind: 'page_view';
  /** Route path, no query string or fragment (they carry personal data). */
  path: string;
  referrerPath: string | null;
  loadTimeMs: number | null;
  timeOnPageMs: number | null;
}

/** v3 details of an `error` activity: codes and a digest, never the message text. */
export interface ErrorDetails {
  kind: 'error';
  errorType: string;
  component: string;
  httpStatus: number | null;
  /** SHA-256 of the message, 64 lowercase hex digits. */
  messageDigest: string | null;
}

export type ActivityDetails = PageViewDetails | ErrorDetails;

export interface ActivityBody {
  kind: 'activity';
  /** A taxonomy category (`activityTaxonomy` in taxonomy.ts), or a legacy one (page_view, video, note, ...). */
  category: string;
  /** One of the category's actions for a taxonomy category, e.g. page_view, started, earned, login. */
  action: string;
  objectId: string | null;
  durationMs: number | null;
  /** v3: typed details of page views and errors; undefined when the record carries none (v1/v2, or null). */
  details?: ActivityDetails | null;
}

export interface QuestionAttemptBody {
  kind: 'question_attempt';
  itemId: string;
  /** Skill / topic ids the item exercises (one or more). */
  topicIds: string[];
  correct: boolean;
  /** 0..1 */
  score: number;
  /** 1 for the first attempt at this item. */
  attemptNumber: number;
  responseTimeMs: number;
  hintsUsed: number;
  /** 0..1, optional self-reported confidence */
  confidence: number | null;
}

export interface ContentInteractionBody {
  kind: 'content_interaction';
  contentId: string;
  topicIds: string[];
  /** 0..1 fraction of the material completed */
  progress: number;
  activeSeconds: number;
}

export interface IepGoalProgressBody {
  kind: 'iep_goal_progress';
  goalId: string;
  category: string;
  baseline: number;
  current: number;
  target: number;
  /** epoch ms */
  measuredAt: number;
}

/** v3: the outcome of an exam. Processors of sessions, mastery and weekly activity ignore it (src/processors/README.md). */
export interface ExamResultBody {
  kind: 'exam_result';
  examId: string;
  /** 0..1 fraction of the maximum score */
  score: number;
  passed: boolean;
  /** epoch ms */
  takenAt: number;
}

export type EventBody =
  | ActivityBody
  | QuestionAttemptBody
  | ContentInteractionBody
  | IepGoalProgressBody
  | ExamResultBody;

/** v3 envelope context (default null): where the event happened. Every field optional. */
export interface EventContext {
  courseId: string | null;
  /** Class (section) id within the course. */
  classId: string | null;
  /** One of `contextPlatforms` (taxonomy.ts). */
  platform: string | null;
  /** One of `deviceKinds` (taxonomy.ts). */
  deviceKind: string | null;
}

export interface LearningEvent<B extends EventBody = EventBody> {
  /** UUID, unique per event */
  eventId: string;
  tenantId: string;
  /** Pseudonym after ingest; the platform's raw id only before the source. */
  learnerId: string;
  /** Event time, epoch ms */
  occurredAt: number;
  /** When the platform received it, epoch ms */
  receivedAt: number;
  /** Producing service */
  source: string;
  schemaVersion: number;
  /** v2 envelope field (default null): the client's session hint, if any. */
  clientSessionId?: string | null;
  body: B;
  /** v3 envelope field: course, class, platform, device kind; undefined when the record carries none (v1/v2, or null). */
  context?: EventContext | null;
}

/**
 * What a source yields to the processors, in partition order. A tick carries
 * no event: it is a record the engine appended to a quiet partition so event
 * time advances there (DESIGN.md "Time and results").
 */
export type SourceRecord =
  | {
      type: 'event';
      partition: number;
      offset: string;
      event: LearningEvent;
      /**
       * When the log took the record, epoch ms: the broker timestamp of a Kafka
       * record (LogAppendTime), the push time of the in-process source. Absent
       * when the broker gave none. It bounds the event's watermark contribution.
       */
      appendedAtMs?: number;
    }
  | { type: 'tick'; partition: number; offset: string; eventTime: number };

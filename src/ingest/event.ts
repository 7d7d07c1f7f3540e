// The event contract in TypeScript: what every source hands to the processors.
// Mirrors the Avro schemas in schemas/ (field names in camelCase here). After
// ingest, `learnerId` is always the pseudonym (HMAC of the platform's id).

export type EventKind = 'activity' | 'question_attempt' | 'content_interaction' | 'iep_goal_progress';

export interface ActivityBody {
  kind: 'activity';
  /** e.g. page_view, route_change, material, video, note, quest, badge, tutor, auth */
  category: string;
  /** e.g. opened, closed, played, taken, login, logout */
  action: string;
  objectId: string | null;
  durationMs: number | null;
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

export type EventBody = ActivityBody | QuestionAttemptBody | ContentInteractionBody | IepGoalProgressBody;

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

// Public surface of ingest: the event contract (more exports as the layer grows).
export type {
  ActivityBody,
  ContentInteractionBody,
  EventBody,
  EventKind,
  IepGoalProgressBody,
  LearningEvent,
  QuestionAttemptBody,
  SourceRecord,
} from './event.js';

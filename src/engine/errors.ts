// Error codes of the engine layer.
import { defineErrorCode } from '../core/errors.js';

/**
 * A checkpoint names an offset past the partition's log end: the topic was
 * recreated (or truncated) under the same name and deployment. Continuing
 * would skip or overwrite results, so the engine stops; start a new
 * deployment id (LEARNSTREAM_KAFKA_DEPLOYMENT_ID) for the new topic.
 */
export const CheckpointBeyondLog = defineErrorCode(
  'LS_ENGINE_CHECKPOINT_BEYOND_LOG',
  "A checkpoint's offset lies past the partition's log end (recreated topic?)",
  500,
  false,
);

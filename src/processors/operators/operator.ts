// What every operator looks like to the partition processor: it takes events
// (with the partition watermark as it stood before the event), emits results
// when the watermark passes its windows, and snapshots its state as plain JSON.
import type { LearningEvent } from '../../ingest/event.js';
import type { OutputName, ResultsByOutput } from '../results.js';

/** A result before the processor stamps it with partition and sequence number. */
export type Emission = { [O in OutputName]: { output: O; result: ResultsByOutput[O] } }[OutputName];

export interface Operator {
  /** `watermarkMs` is the partition watermark before this event: it decides lateness. */
  process(event: LearningEvent, watermarkMs: number): Emission[];
  /** The partition watermark moved forward to `watermarkMs`. */
  onWatermark(watermarkMs: number): Emission[];
  /** JSON-serialisable state, deterministic for a given history. */
  snapshot(): unknown;
  /** Erasure: drops everything held about one learner (open windows are discarded, not emitted). True if anything was held. */
  forgetLearner(tenantId: string, learnerId: string): boolean;
  restore(state: unknown): void;
}

/** Learners are keyed per tenant: pseudonyms are only unique within one. */
export function learnerKey(tenantId: string, learnerId: string): string {
  return `${tenantId}\u0000${learnerId}`;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function lateEvent(
  event: LearningEvent,
  operator: 'sessions' | 'mastery' | 'weekly_active',
  watermarkMs: number,
): Emission {
  return { output: 'late_events', result: { event, operator, watermarkMs } };
}

// What every operator looks like to the partition processor: it takes events
// (with the partition watermark as it stood before the event), emits results
// when the watermark passes its windows (lazily, one result per step), and
// snapshots its state as a stream of JSON-serialisable entries.
import type { LearningEvent } from '../../ingest/event.js';
import type { OutputName, ResultsByOutput } from '../results.js';

/** A result before the processor stamps it with partition and sequence number. */
export type Emission = { [O in OutputName]: { output: O; result: ResultsByOutput[O] } }[OutputName];

/** One piece of an operator's checkpointed state: a section name and a JSON-serialisable value. */
export type StateEntry = readonly [section: string, value: unknown];

export interface Operator {
  /** `watermarkMs` is the partition watermark before this event: it decides lateness. At most one emission. */
  process(event: LearningEvent, watermarkMs: number): Emission[];
  /**
   * The partition watermark moved forward to `watermarkMs`: what became final,
   * lazily, one emission per step. Must be drained before the operator is used again.
   */
  onWatermark(watermarkMs: number): Iterable<Emission>;
  /** The state as entries, lazily, in an order deterministic for a given history. */
  snapshotEntries(): Iterable<StateEntry>;
  /** Drops all state (before a restore). */
  clear(): void;
  /** Takes back one entry of `snapshotEntries()`, in their order. False: not this operator's section. */
  restoreEntry(section: string, value: unknown): boolean;
  /** Takes back the whole state of a version-1 checkpoint (one JSON object). */
  restoreLegacy(state: unknown): void;
  /** Erasure: drops everything held about one learner (open windows are discarded, not emitted). True if anything was held. */
  forgetLearner(tenantId: string, learnerId: string): boolean;
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

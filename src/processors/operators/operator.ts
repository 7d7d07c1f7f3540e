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
  /**
   * Incremental checkpoints: every entry held about one learner (`learnerKey`),
   * in an order deterministic for a given history. Together with
   * `globalEntries()` over every learner, this is the whole state.
   */
  learnerEntries(learnerKey: string): Iterable<StateEntry>;
  /** The keys of the learners it holds anything about. */
  learnerKeys(): Iterable<string>;
  /**
   * Every entry held about these learners, in the compact sections of
   * `snapshotEntries()` (grouped by section, not by learner): a delta's
   * changed learners after its drop list, restored with `restoreEntry()`.
   */
  learnersEntries(learnerKeys: readonly string[]): Iterable<StateEntry>;
  /** The entries not keyed by a learner (per-tenant counts, open weeks); small, written whole in every checkpoint. */
  globalEntries(): Iterable<StateEntry>;
  /**
   * Drops what is held about one learner as it is, with no derived change
   * (no count adjusted): a newer checkpoint's entries of that learner follow.
   */
  dropLearner(learnerKey: string): void;
  /** Drops the global state: a newer checkpoint's global entries follow. */
  clearGlobals(): void;
}

/**
 * Where operators report learners whose state changed on a watermark (a timer
 * fired, a day closed): the partition processor collects them, with the
 * learners of every record, for the next incremental checkpoint.
 */
export interface LearnerChanges {
  touch(learnerKey: string): void;
}

/** Reports nothing (an operator used on its own). */
export const noLearnerChanges: LearnerChanges = { touch() {} };

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

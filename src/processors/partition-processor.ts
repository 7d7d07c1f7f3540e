// One source partition's processing: feeds its records, in log order, through
// the session, mastery and weekly-active operators, keeps the partition
// watermark, stamps results with per-output sequence numbers (lazily, one
// result per step), and turns its state into the bounded JSON `parts` of a
// PartitionCheckpoint and back, part by part.
//
// Windows close on the partition watermark, not the engine watermark: all of a
// learner's events live in one partition, and results then depend only on the
// partition's own record order — the determinism replay relies on. Per record:
// lateness is judged against the watermark before the record, the record is
// applied, then the watermark advances (events and ticks alike) and the
// operators emit what became final: sessions first, which feed weekly active.

import { LearnstreamError } from '../core/errors.js';
import type { SourceRecord } from '../ingest/event.js';
import {
  CheckpointStateInvalid,
  ProcessorBusy,
  RecordFromOtherPartition,
  ResultsNotDrained,
  StateChangedDuringSnapshot,
} from './errors.js';
import { lateEventsTotal, partitionWatermarkSeconds, recordsSkippedTotal, windowsClosedTotal } from './metrics.js';
import { MasteryOperator } from './operators/mastery-operator.js';
import {
  type Emission,
  type LearnerChanges,
  learnerKey,
  type Operator,
  type StateEntry,
} from './operators/operator.js';
import { SessionWindowOperator } from './operators/session-window-operator.js';
import { WeeklyActiveOperator } from './operators/weekly-active-operator.js';
import type { OutputName, StampedResult } from './results.js';
import { defaultEngineSettings, type EngineSettings } from './settings.js';
import { emptySeqs, type PartitionCheckpoint } from './state/checkpoint-store.js';
import { LearnerActivity } from './tiering/learner-activity.js';
import { PartitionWatermark } from './time/watermark.js';

/**
 * Version 7: mastery blocks of format 3 carry each record's last attempts' outcomes (the knowledge
 * gaps' recent failure rate); older blocks restore with an empty window.
 * Version 6: an open day's buffered mastery items are rows of numbers (`mastery.pendingRows`,
 * operators/mastery-pending-rows.ts) instead of a JSON object per item per topic (`mastery.pending`).
 * Version 5: a delta lists the learners it replaces (`learners.drop`), then their entries in the
 * operators' compact sections (mastery records in blocks of 1,024, not a block per learner).
 * Version 4: a mastery block's strings are a plain JSON array beside its base64 records (an erasure
 * finds the pseudonym there), and deltas may take part in rewrites (`rewrite` in their header).
 * Version 3: mastery records travel as binary blocks (`mastery.blocks`). Version 2: the state is a
 * sequence of bounded parts (a header, then sections of entries); still restored, and a chain begun
 * by version 2 may go on with version-3 or 4 deltas. Version 1 was one object. An engine older than
 * a state's version refuses it by its version, not half way through it.
 */
const STATE_VERSION = 7;
const PARTS_STATE_VERSIONS: readonly unknown[] = [2, 3, 4, 5, 6, 7];
const LEGACY_STATE_VERSION = 1;
/** A part holds at most this many entries… */
export const PART_MAX_ENTRIES = 1_000;
/** …and takes no entry that would make its JSON text longer than this (unless the part holds nothing else). */
export const PART_MAX_CHARS = 256_000;

/** What a checkpoint needs from the processor (group, topic, version and time are the pipeline's). */
export type ProcessorCheckpoint = Pick<PartitionCheckpoint, 'seqs' | 'parts'> & {
  /** Next offset to process; null when no record has been processed nor restored. */
  offset: string | null;
};

/** A restore driven part by part (the caller may yield to the event loop between parts). */
export interface PartitionRestore {
  /** Takes the next part, in the order `snapshotParts()` gave them. */
  add(part: string): void;
  /** Ends the restore: the processor is usable again. */
  finish(): void;
}

interface StateHeader {
  version: number;
  /** Absent or 'full': the whole state. 'delta': what changed since the previous checkpoint of the chain. */
  kind?: CheckpointKind;
  /** A delta's place in a rewrite of every learner (see `RewriteStep`); absent when it rewrites none. */
  rewrite?: RewriteStep;
  watermark: { maxEventTime: number | null };
}

/** A full checkpoint holds the whole state; a delta the learners changed since the previous one, and the globals. */
export type CheckpointKind = 'full' | 'delta';

/**
 * A rewrite spreads what a full checkpoint did over several deltas: each one
 * also carries the next slice of the learners held when the rewrite started.
 * 'start' and 'end' mark its first and last delta ('whole' both); a delta in
 * between carries 'step'. Once the end is durable, the deltas from the start
 * on restore the whole state from nothing: the start becomes the chain's
 * restore point, and no checkpoint ever writes every learner at once.
 */
export type RewriteStep = 'start' | 'step' | 'end' | 'whole';

/** A checkpoint's parts, lazily, and whether they are the whole state or a delta on the chain. */
export interface CheckpointCapture {
  kind: CheckpointKind;
  /** Must be drained with no record or erasure in between (like `snapshotParts()`). */
  parts: Iterable<string>;
  /** Set when the delta takes part in a rewrite. */
  rewrite?: RewriteStep;
}

/** How `checkpointParts()` shapes the chain. */
export interface CheckpointOptions {
  /** Deltas after the restore point before a rewrite starts (the chain's length in steady state). */
  maxDeltas: number;
  /** The whole state now (a new chain): nothing stored to continue from, or the chain is too long. */
  full?: boolean;
  /** Start a rewrite now (the deltas outgrew the state, say), unless one is under way. */
  compact?: boolean;
  /** Learners a rewrite takes per delta; 0 (the default) writes a full checkpoint where a rewrite would start. */
  rewriteSlice?: number;
}

/** In a delta of state version 2–4: one learner's entries of every operator (none: the learner is gone). */
const LEARNERS_SECTION = 'learners';
/**
 * In a delta since version 5: the learners whose state it replaces, dropped before its entries; those
 * still held follow in the operators' compact sections (a learner with none is gone).
 */
const DROP_SECTION = 'learners.drop';
/** When each held learner was last active: `[learnerKey, eventTimeMs]` (a learner's own entry in a delta). */
const ACTIVITY_SECTION = 'activity';
/** Cold-tier versions whose rows are void: `[from, to]`, written by checkpoints that never landed (global). */
const COLD_VOID_SECTION = 'cold.void';

/**
 * A delta whose learners reach this share of the learners held is written as a full checkpoint: it
 * would hold nearly the whole state anyway, plus a drop list the full one does without (measured with
 * the per-learner deltas of versions 2–4 at 1k learners, where every checkpoint changes most of them:
 * 6,170 events/s with such deltas, 13,647 with full checkpoints).
 */
const DELTA_MAX_SHARE = 0.5;

/** A learner taken out of memory (tiered state): every operator's entries, and when they were last active. */
export interface ColdLearner {
  key: string;
  lastActiveMs: number;
  entries: StateEntry[];
}

interface StatePart {
  section: string;
  entries: unknown[];
}

interface LegacyState extends StateHeader {
  sessions: unknown;
  mastery: unknown;
  weekly: unknown;
}

const NOTHING: readonly StampedResult[] = Object.freeze([]);

/**
 * Contract: the iterable `process()` returns must be drained completely before
 * the processor is used again (next record, snapshot, erasure); otherwise that
 * call throws LS_PROCESSOR_RESULTS_NOT_DRAINED. Likewise `snapshotParts()` must
 * be drained with no record or erasure in between (LS_PROCESSOR_STATE_CHANGED
 * otherwise), and a restore must be finished before anything else.
 */
export class PartitionProcessor {
  private readonly watermark: PartitionWatermark;
  private readonly sessions: SessionWindowOperator;
  private readonly mastery: MasteryOperator;
  private readonly weekly: WeeklyActiveOperator;
  private readonly operators: readonly Operator[];
  private seqs = emptySeqs();
  private next: bigint | null = null;
  /** The results of the last record while they are not fully drained. */
  private undrained: Iterable<StampedResult> | undefined;
  private restoring = false;
  /** Counts state changes, so a snapshot in progress can tell the state moved under it. */
  private changes = 0;
  /** Learners whose state changed since the last checkpoint capture (the next delta's learners). */
  private touched = new Set<string>();
  /** The state is a stored chain plus `touched`: a delta can follow. False until a full capture or a restore. */
  private chained = false;
  /** Deltas on the chain since its restore point (its full checkpoint, or the start of its last complete rewrite). */
  private deltas = 0;
  /** The rewrite under way: learners still to write (held when it started), the next one's index, per delta. */
  private rewrite: { keys: string[]; next: number; slice: number; deltas: number } | undefined;
  /** Last activity of every learner held, for tiering. */
  private readonly activity = new LearnerActivity();
  /** Cold-tier version ranges whose rows belong to checkpoints that never landed. */
  private coldVoidRanges: [number, number][] = [];

  constructor(
    readonly partition: number,
    readonly settings: EngineSettings = defaultEngineSettings(),
  ) {
    this.watermark = new PartitionWatermark(settings.outOfOrdernessMs);
    const changes: LearnerChanges = { touch: (key) => this.touched.add(key) };
    this.sessions = new SessionWindowOperator(settings, changes);
    this.mastery = new MasteryOperator(settings, changes);
    this.weekly = new WeeklyActiveOperator(settings);
    this.operators = [this.sessions, this.mastery, this.weekly];
  }

  /** The partition watermark (NO_WATERMARK before any record). */
  get watermarkMs(): number {
    return this.watermark.current();
  }

  /** Next source offset to process, or null when unknown. */
  get nextOffset(): string | null {
    return this.next === null ? null : this.next.toString();
  }

  /** Last sequence number stamped per output. */
  get lastSeqs(): Record<OutputName, number> {
    return { ...this.seqs };
  }

  /**
   * Applies one record and returns what became final, lazily: day and week
   * closes and timers yield their results one at a time, so the caller can
   * slice the work by time. The record itself (lateness, state, watermark,
   * offset) is applied before this returns; the returned iterable must be
   * drained completely before the next call (see the class contract).
   */
  process(record: SourceRecord): Iterable<StampedResult> {
    this.assertIdle();
    if (record.partition !== this.partition) {
      throw new LearnstreamError(
        RecordFromOtherPartition,
        `record of partition ${record.partition} at ${this.partition}`,
      );
    }
    const offset = BigInt(record.offset);
    if (this.next !== null && offset < this.next) {
      recordsSkippedTotal.inc();
      return NOTHING;
    }
    this.changes++;
    const before = this.watermark.current();
    const late: Emission[] = [];
    if (record.type === 'event') {
      const event = record.event;
      // An exam result is an outcome, not activity: no session, no weekly activity, no mastery evidence
      // (src/processors/README.md "Exam results"). It still moves event time like any record.
      if (event.body.kind !== 'exam_result') {
        const key = learnerKey(event.tenantId, event.learnerId);
        this.touched.add(key);
        this.activity.touch(key, event.occurredAt);
        for (const operator of this.operators) for (const e of operator.process(event, before)) late.push(e);
      }
      this.watermark.observe(watermarkContribution(record));
    } else {
      this.watermark.observe(record.eventTime);
    }
    this.next = offset + 1n;
    const after = this.watermark.current();
    const advanced = after > before;
    if (advanced) partitionWatermarkSeconds.set({ partition: String(this.partition) }, after / 1000);
    if (late.length === 0 && !advanced) return NOTHING;
    const results = this.results(late, advanced ? after : undefined);
    this.undrained = results;
    return results;
  }

  /** Erasure of one learner from every operator's state; true if the partition held anything of theirs. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    this.assertIdle();
    this.changes++;
    this.touched.add(learnerKey(tenantId, learnerId));
    this.activity.forget(learnerKey(tenantId, learnerId));
    let found = false;
    for (const operator of this.operators) if (operator.forgetLearner(tenantId, learnerId)) found = true;
    return found;
  }

  /**
   * Whether the learner's state is in memory. A learner who is not held may
   * be in the cold tier: bring them back with `thaw()` before their record.
   */
  holds(key: string): boolean {
    return this.activity.has(key);
  }

  /** Learners held in memory (those with activity recorded). */
  get learnersHeld(): number {
    return this.activity.size;
  }

  /**
   * Tiered state: takes up to `max` learners out of memory whose last event is
   * on a day before `watermark − horizonMs`, oldest first, and returns what
   * each held, for the cold tier. A learner with an open session, a session
   * timer or a mastery day still open stays until those close. Those taken
   * count as changed: the next checkpoint records them gone (the cold tier
   * must be durable before that checkpoint).
   */
  evictIdle(horizonMs: number, max: number): ColdLearner[] {
    this.assertIdle();
    const watermarkMs = this.watermark.current();
    if (!Number.isFinite(watermarkMs) || max <= 0) return [];
    const out: ColdLearner[] = [];
    for (const key of this.activity.idle(watermarkMs - horizonMs)) {
      if (out.length >= max) break;
      const entries: StateEntry[] = [];
      let open = false;
      for (const operator of this.operators) {
        for (const entry of operator.learnerEntries(key)) {
          if (entry[0].startsWith('sessions.') || entry[0].startsWith('mastery.pending')) open = true;
          entries.push(entry);
        }
      }
      if (open) continue;
      // Entries are values of the operators' own state: detach them before the operators let go.
      const detached = JSON.parse(JSON.stringify(entries)) as StateEntry[];
      for (const operator of this.operators) operator.dropLearner(key);
      out.push({ key, lastActiveMs: this.activity.get(key)!, entries: detached });
      this.activity.forget(key);
      this.touched.add(key);
    }
    if (out.length > 0) this.changes++;
    return out;
  }

  /**
   * Brings learners back from the cold tier, before their next record: their
   * entries are restored exactly as evicted. A learner held in memory is newer
   * than any cold copy and is left alone. The entries become the operators'
   * state (changed in place by later events): pass a copy of anything else
   * still holds, such as an eviction whose cold row is not written yet.
   */
  thaw(learners: Iterable<ColdLearner>): void {
    this.assertIdle();
    this.changes++;
    for (const learner of learners) {
      if (this.activity.has(learner.key)) continue;
      for (const operator of this.operators) operator.dropLearner(learner.key);
      for (const [section, value] of learner.entries) {
        if (!this.operatorOf(section)?.restoreEntry(section, value)) {
          throw new LearnstreamError(
            CheckpointStateInvalid,
            `partition ${this.partition}: a cold learner with an unknown section ${JSON.stringify(section)}`,
          );
        }
      }
      this.activity.touch(learner.key, learner.lastActiveMs);
      this.touched.add(learner.key);
    }
  }

  /**
   * Cold-tier rows of versions `from`..`to` are void: their checkpoints never
   * landed (the save failed or was fenced after the cold write), so this state
   * does not continue from them. A learner cold in this state must come back
   * from the row its own chain wrote, never from such a newer row.
   */
  voidColdVersions(from: number, to: number): void {
    this.assertIdle();
    if (from > to) return;
    this.coldVoidRanges.push([from, to]);
    this.changes++;
    this.chained = false; // versions jump past the void ones: the next checkpoint starts a new chain
  }

  /** The void cold-tier version ranges (see `voidColdVersions`). */
  get coldVoid(): readonly (readonly [number, number])[] {
    return this.coldVoidRanges;
  }

  /** Every record's results, drained into one array (tests and tools; the pipeline drains per record). */
  processAll(records: Iterable<SourceRecord>): StampedResult[] {
    const out: StampedResult[] = [];
    for (const record of records) for (const r of this.process(record)) out.push(r);
    return out;
  }

  /** The whole checkpoint at once (tests and tools): `snapshotParts()` drained into an array. */
  snapshot(): ProcessorCheckpoint {
    const parts = Array.from(this.snapshotParts());
    return { offset: this.nextOffset, seqs: { ...this.seqs }, parts };
  }

  /**
   * The operator state as a sequence of JSON parts, lazily: a header, then
   * sections of at most PART_MAX_ENTRIES entries or about PART_MAX_CHARS
   * characters each, so no string grows with the whole state and the caller
   * can yield to the event loop between parts. Deterministic for a given
   * history. Must be drained with no record or erasure in between.
   */
  snapshotParts(): Iterable<string> {
    this.assertIdle();
    return this.parts(this.changes);
  }

  /**
   * The next checkpoint of the chain: a delta (the learners changed since the
   * last capture, each with all their entries, then the global entries) when
   * the state is a stored chain plus those changes; the whole state when there
   * is no chain, `full` is asked, or over half of the learners held changed
   * (the delta would be the larger). Once `maxDeltas` deltas follow the restore
   * point (or `compact` is asked), a rewrite starts: the following deltas also
   * carry `rewriteSlice` learners each, until every learner held at its start
   * is written (see `RewriteStep`); without `rewriteSlice` the whole state is
   * written at once instead. Capturing starts the next delta's change set;
   * when the checkpoint does not become durable, call `checkpointLost()` so
   * the next one is full.
   */
  checkpointParts(options: CheckpointOptions): CheckpointCapture {
    this.assertIdle();
    const slice = options.rewriteSlice ?? 0;
    const rewriteDue = options.compact === true || this.deltas >= options.maxDeltas;
    const held = Math.max(this.activity.size, 1);
    const full =
      options.full === true ||
      !this.chained ||
      (rewriteDue && slice <= 0 && !this.rewrite) ||
      this.touched.size > held * DELTA_MAX_SHARE;
    const touched = this.touched;
    this.touched = new Set();
    if (full) {
      this.chained = true;
      this.deltas = 0;
      this.rewrite = undefined;
      return { kind: 'full', parts: this.parts(this.changes) };
    }
    this.deltas++;
    let step: RewriteStep | undefined;
    let rewritten: string[] = [];
    if (!this.rewrite && rewriteDue) {
      this.rewrite = { keys: Array.from(this.activity.keys()), next: 0, slice, deltas: 0 };
      step = 'start';
    } else if (this.rewrite) step = 'step';
    const r = this.rewrite;
    if (r) {
      rewritten = r.keys.slice(r.next, r.next + r.slice);
      r.next += rewritten.length;
      r.deltas++;
      if (r.next >= r.keys.length) {
        step = step === 'start' ? 'whole' : 'end';
        // The rewrite's start becomes the restore point: the deltas since then are the chain.
        this.deltas = r.deltas;
        this.rewrite = undefined;
      }
    }
    return {
      kind: 'delta',
      parts: this.deltaParts(this.changes, touched, rewritten, step),
      ...(step ? { rewrite: step } : {}),
    };
  }

  /** The last capture did not become durable: the chain is broken and the next checkpoint is full. */
  checkpointLost(): void {
    this.chained = false;
    this.rewrite = undefined;
  }

  /** Restores from a whole checkpoint at once (`beginRestore` driven over every part). */
  restore(checkpoint: ProcessorCheckpoint): void {
    const restore = this.beginRestore(checkpoint);
    for (const part of checkpoint.parts) restore.add(part);
    restore.finish();
  }

  /**
   * Starts a restore to be fed part by part; until `finish()` the processor
   * refuses records. A version-1 checkpoint (one JSON object) is one part.
   */
  beginRestore(checkpoint: Pick<ProcessorCheckpoint, 'offset' | 'seqs'>): PartitionRestore {
    this.restoring = false; // a restore that failed half way may be started over
    this.assertIdle();
    this.restoring = true;
    this.changes++;
    this.watermark.restore({ maxEventTime: null });
    for (const operator of this.operators) operator.clear();
    this.activity.clear();
    this.coldVoidRanges = [];
    this.rewrite = undefined;
    let header: 'none' | 'current' | 'legacy' = 'none';
    let deltas = 0;
    /** A chain from a rewrite's start: complete once its end is read. */
    let rewriteOpen = false;
    const invalid = (why: string, cause?: unknown) =>
      new LearnstreamError(CheckpointStateInvalid, `partition ${this.partition}: ${why}`, { cause });
    return {
      add: (part: string) => {
        let parsed: Partial<StateHeader & StatePart>;
        try {
          parsed = JSON.parse(part);
        } catch (err) {
          throw invalid('not JSON', err);
        }
        if (header === 'none') {
          if (parsed?.version === LEGACY_STATE_VERSION) {
            const legacy = parsed as LegacyState;
            try {
              this.watermark.restore(legacy.watermark);
              this.sessions.restoreLegacy(legacy.sessions);
              this.mastery.restoreLegacy(legacy.mastery);
              this.weekly.restoreLegacy(legacy.weekly);
            } catch (err) {
              throw invalid('a malformed version-1 state', err);
            }
            header = 'legacy';
            return;
          }
          if (!PARTS_STATE_VERSIONS.includes(parsed?.version)) {
            throw invalid(`state version ${String(parsed?.version)}, expected ${STATE_VERSION}`);
          }
          const { kind, rewrite } = parsed as StateHeader;
          if (kind === 'delta') {
            // From a rewrite's start, deltas restore the whole state (once the rewrite's end follows).
            if (rewrite !== 'start' && rewrite !== 'whole') throw invalid('a chain that starts with a delta');
            rewriteOpen = rewrite === 'start';
            deltas = 1;
          } else if (kind !== undefined && kind !== 'full') throw invalid(`a chain that starts with ${String(kind)}`);
          this.watermark.restore((parsed as StateHeader).watermark);
          header = 'current';
          return;
        }
        if (header === 'legacy') throw invalid('a version-1 state has one part');
        if (parsed?.version !== undefined) {
          // The header of the next delta on the chain: it carries the whole watermark and globals.
          if (!PARTS_STATE_VERSIONS.includes(parsed.version) || parsed.kind !== 'delta') {
            throw invalid(`a chain continued by ${JSON.stringify({ version: parsed.version, kind: parsed.kind })}`);
          }
          this.watermark.restore((parsed as StateHeader).watermark);
          for (const operator of this.operators) operator.clearGlobals();
          this.coldVoidRanges = [];
          const rewrite = (parsed as StateHeader).rewrite;
          if (rewriteOpen && (rewrite === 'end' || rewrite === 'whole')) rewriteOpen = false;
          deltas++;
          return;
        }
        const { section, entries } = parsed as StatePart;
        if (typeof section !== 'string' || !Array.isArray(entries)) throw invalid('a part without section and entries');
        try {
          if (section === LEARNERS_SECTION) {
            if (deltas === 0) throw invalid('learner entries outside a delta');
            for (const entry of entries) this.restoreLearner(entry, invalid);
            return;
          }
          if (section === DROP_SECTION) {
            if (deltas === 0) throw invalid('a drop list outside a delta');
            for (const key of entries) {
              if (typeof key !== 'string') throw invalid('a malformed learners.drop entry');
              for (const operator of this.operators) operator.dropLearner(key);
              this.activity.forget(key);
            }
            return;
          }
          if (section === COLD_VOID_SECTION) {
            for (const entry of entries) {
              const [from, to] = entry as [number, number];
              if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to) {
                throw invalid('a malformed cold.void entry');
              }
              this.coldVoidRanges.push([from, to]);
            }
            return;
          }
          if (section === ACTIVITY_SECTION) {
            for (const entry of entries) {
              const [key, t] = entry as [string, number];
              if (typeof key !== 'string' || typeof t !== 'number') throw invalid('a malformed activity entry');
              this.activity.touch(key, t);
            }
            return;
          }
          const operator = this.operatorOf(section);
          for (const entry of entries) {
            if (!operator?.restoreEntry(section, entry)) throw invalid(`unknown section ${JSON.stringify(section)}`);
          }
        } catch (err) {
          throw err instanceof LearnstreamError ? err : invalid(`a malformed ${section} entry`, err);
        }
      },
      finish: () => {
        if (header === 'none') throw invalid('no state header');
        if (rewriteOpen) throw invalid('a chain from the start of a rewrite that does not reach its end');
        this.coverActivity();
        this.seqs = { ...emptySeqs(), ...checkpoint.seqs };
        this.next = checkpoint.offset === null ? null : BigInt(checkpoint.offset);
        this.touched = new Set();
        this.chained = header === 'current';
        this.deltas = deltas;
        this.restoring = false;
      },
    };
  }

  /** One learner of a delta: what was held is dropped, then their entries (if any) come back. */
  private restoreLearner(entry: unknown, invalid: (why: string) => LearnstreamError): void {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
      throw invalid('a malformed learner entry');
    }
    const [key, own] = entry as [string, unknown[]];
    for (const operator of this.operators) operator.dropLearner(key);
    this.activity.forget(key);
    for (const item of own) {
      if (!Array.isArray(item) || typeof item[0] !== 'string') throw invalid('a malformed learner entry');
      const [section, value] = item as [string, unknown];
      if (section === ACTIVITY_SECTION) {
        if (typeof value !== 'number') throw invalid('a malformed activity entry');
        this.activity.touch(key, value);
        continue;
      }
      if (!this.operatorOf(section)?.restoreEntry(section, value)) {
        throw invalid(`unknown section ${JSON.stringify(section)}`);
      }
    }
  }

  /** Sections are named `<operator>.<part>`. */
  private operatorOf(section: string): Operator | undefined {
    const prefix = section.slice(0, section.indexOf('.'));
    return prefix === 'sessions'
      ? this.sessions
      : prefix === 'mastery'
        ? this.mastery
        : prefix === 'weekly'
          ? this.weekly
          : undefined;
  }

  private *results(late: Emission[], watermarkMs: number | undefined): Generator<StampedResult> {
    for (const e of late) yield this.stamp(e);
    if (watermarkMs !== undefined) for (const e of this.advance(watermarkMs)) yield this.stamp(e);
    this.undrained = undefined;
  }

  /** Sessions first (they feed weekly active), then mastery, then weekly active. */
  private *advance(watermarkMs: number): Generator<Emission> {
    for (const e of this.sessions.onWatermark(watermarkMs)) {
      if (e.output === 'sessions') this.weekly.addSession(e.result);
      yield e;
    }
    yield* this.mastery.onWatermark(watermarkMs);
    yield* this.weekly.onWatermark(watermarkMs);
  }

  private *parts(at: number): Generator<string> {
    const header: StateHeader = { version: STATE_VERSION, watermark: this.watermark.snapshot() };
    yield JSON.stringify(header);
    yield* this.bounded(at, this.allEntries());
  }

  private *allEntries(): Generator<StateEntry> {
    for (const operator of this.operators) yield* operator.snapshotEntries();
    for (const entry of this.activity.entries()) yield [ACTIVITY_SECTION, entry];
    for (const range of this.coldVoidRanges) yield [COLD_VOID_SECTION, range];
  }

  /**
   * A delta: header, the touched learners (each with every operator's entries, in operator order), the
   * learners of a rewrite's slice not touched (those still held), the globals.
   */
  private *deltaParts(
    at: number,
    touched: Set<string>,
    rewritten: readonly string[] = [],
    rewrite?: RewriteStep,
  ): Generator<string> {
    const header: StateHeader = {
      version: STATE_VERSION,
      kind: 'delta',
      ...(rewrite ? { rewrite } : {}),
      watermark: this.watermark.snapshot(),
    };
    yield JSON.stringify(header);
    yield* this.bounded(at, this.deltaEntries(touched, rewritten));
  }

  private *deltaEntries(touched: Set<string>, rewritten: readonly string[]): Generator<StateEntry> {
    const keys = Array.from(touched);
    for (const key of rewritten) {
      // Gone since the rewrite started (evicted, erased): that change is in the delta that saw it.
      if (!touched.has(key) && this.activity.has(key)) keys.push(key);
    }
    for (const key of keys) yield [DROP_SECTION, key];
    // Every learner an operator holds has an activity time (coverActivity): the held ones are these.
    const held = keys.filter((key) => this.activity.has(key));
    for (const operator of this.operators) yield* operator.learnersEntries(held);
    for (const key of held) yield [ACTIVITY_SECTION, [key, this.activity.get(key)!]];
    for (const operator of this.operators) yield* operator.globalEntries();
    for (const range of this.coldVoidRanges) yield [COLD_VOID_SECTION, range];
  }

  /**
   * Every learner an operator holds has an activity time: rewrites and tiering walk the learners by it.
   * A state written before tiering (version 2) has none; its learners count as active at the watermark.
   */
  private coverActivity(): void {
    const now = this.watermark.current();
    const at = Number.isFinite(now) ? now : 0;
    for (const operator of this.operators) {
      for (const key of operator.learnerKeys()) if (!this.activity.has(key)) this.activity.touch(key, at);
    }
  }

  /** Entries grouped into parts of one section, at most PART_MAX_ENTRIES entries or about PART_MAX_CHARS each. */
  private *bounded(at: number, entries: Iterable<StateEntry>): Generator<string> {
    let section: string | undefined;
    let pieces: string[] = [];
    let chars = 0;
    const part = () => `{"section":${JSON.stringify(section)},"entries":[${pieces.join(',')}]}`;
    for (const [s, value] of entries) {
      const text = JSON.stringify(value);
      if (
        pieces.length > 0 &&
        (s !== section || pieces.length >= PART_MAX_ENTRIES || chars + text.length + 1 > PART_MAX_CHARS)
      ) {
        yield part();
        if (this.changes !== at || this.undrained !== undefined || this.restoring) {
          throw new LearnstreamError(
            StateChangedDuringSnapshot,
            `partition ${this.partition}: state changed while its snapshot parts were being taken`,
          );
        }
        pieces = [];
        chars = 0;
      }
      section = s;
      pieces.push(text);
      chars += text.length + 1;
    }
    if (pieces.length > 0) yield part();
  }

  private assertIdle(): void {
    if (this.restoring) {
      throw new LearnstreamError(ProcessorBusy, `partition ${this.partition}: a restore is in progress`);
    }
    if (this.undrained !== undefined) {
      throw new LearnstreamError(
        ResultsNotDrained,
        `partition ${this.partition}: the results of the previous record were not fully drained`,
      );
    }
  }

  private stamp(e: Emission): StampedResult {
    this.seqs[e.output] += 1;
    if (e.output === 'late_events') lateEventsTotal.inc({ operator: e.result.operator });
    else windowsClosedTotal.inc({ output: e.output });
    return { output: e.output, partition: this.partition, seq: this.seqs[e.output], result: e.result } as StampedResult;
  }
}

/**
 * How far one event may move its partition's watermark: its event time, but
 * never past the time it reached the platform — `receivedAt`, and the broker's
 * append time when the source has one. One device's clock running ahead cannot
 * then make every other learner of the partition late, also in a backfill,
 * where the broker's append time is far later than the stream (there
 * `receivedAt` is the bound); the event itself is still windowed by its own
 * `occurredAt`.
 */
export function watermarkContribution(record: Extract<SourceRecord, { type: 'event' }>): number {
  const { occurredAt, receivedAt } = record.event;
  let bound = occurredAt;
  if (Number.isFinite(receivedAt) && receivedAt < bound) bound = receivedAt;
  const appended = record.appendedAtMs;
  if (appended !== undefined && Number.isFinite(appended) && appended < bound) bound = appended;
  return bound;
}

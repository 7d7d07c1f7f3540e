// One source partition's processing: feeds its records, in log order, through
// the session, mastery and weekly-active operators, keeps the partition
// watermark, stamps results with per-output sequence numbers, and turns its
// whole state into the JSON `state` of a PartitionCheckpoint and back.
//
// Windows close on the partition watermark, not the engine watermark: all of a
// learner's events live in one partition, and results then depend only on the
// partition's own record order — the determinism replay relies on. Per record:
// lateness is judged against the watermark before the record, the record is
// applied, then the watermark advances (events and ticks alike) and the
// operators emit what became final: sessions first, which feed weekly active.

import { LearnstreamError } from '../core/errors.js';
import type { SourceRecord } from '../ingest/event.js';
import { CheckpointStateInvalid, RecordFromOtherPartition } from './errors.js';
import { lateEventsTotal, partitionWatermarkSeconds, recordsSkippedTotal, windowsClosedTotal } from './metrics.js';
import { MasteryOperator } from './operators/mastery-operator.js';
import type { Emission } from './operators/operator.js';
import { SessionWindowOperator } from './operators/session-window-operator.js';
import { WeeklyActiveOperator } from './operators/weekly-active-operator.js';
import type { OutputName, StampedResult } from './results.js';
import { defaultEngineSettings, type EngineSettings } from './settings.js';
import { emptySeqs, type PartitionCheckpoint } from './state/checkpoint-store.js';
import { PartitionWatermark } from './time/watermark.js';

const STATE_VERSION = 1;

/** What a checkpoint needs from the processor (group, topic, version and time are the pipeline's). */
export type ProcessorCheckpoint = Pick<PartitionCheckpoint, 'seqs' | 'state'> & {
  /** Next offset to process; null when no record has been processed nor restored. */
  offset: string | null;
};

export class PartitionProcessor {
  private readonly watermark: PartitionWatermark;
  private readonly sessions: SessionWindowOperator;
  private readonly mastery: MasteryOperator;
  private readonly weekly: WeeklyActiveOperator;
  private seqs = emptySeqs();
  private next: bigint | null = null;

  constructor(
    readonly partition: number,
    readonly settings: EngineSettings = defaultEngineSettings(),
  ) {
    this.watermark = new PartitionWatermark(settings.outOfOrdernessMs);
    this.sessions = new SessionWindowOperator(settings);
    this.mastery = new MasteryOperator(settings);
    this.weekly = new WeeklyActiveOperator(settings);
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

  process(record: SourceRecord): StampedResult[] {
    if (record.partition !== this.partition) {
      throw new LearnstreamError(
        RecordFromOtherPartition,
        `record of partition ${record.partition} at ${this.partition}`,
      );
    }
    const offset = BigInt(record.offset);
    if (this.next !== null && offset < this.next) {
      recordsSkippedTotal.inc();
      return [];
    }
    const before = this.watermark.current();
    const emitted: Emission[] = [];
    if (record.type === 'event') {
      const event = record.event;
      emitted.push(...this.sessions.process(event, before));
      emitted.push(...this.mastery.process(event, before));
      emitted.push(...this.weekly.process(event, before));
      this.watermark.observe(watermarkContribution(record));
    } else {
      this.watermark.observe(record.eventTime);
    }
    this.next = offset + 1n;
    const after = this.watermark.current();
    if (after > before) {
      emitted.push(...this.advance(after));
      partitionWatermarkSeconds.set({ partition: String(this.partition) }, after / 1000);
    }
    return emitted.map((e) => this.stamp(e));
  }

  /** Erasure of one learner from every operator's state; true if the partition held anything of theirs. */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    const a = this.sessions.forgetLearner(tenantId, learnerId);
    const b = this.mastery.forgetLearner(tenantId, learnerId);
    const c = this.weekly.forgetLearner(tenantId, learnerId);
    return a || b || c;
  }

  processAll(records: Iterable<SourceRecord>): StampedResult[] {
    const out: StampedResult[] = [];
    for (const record of records) out.push(...this.process(record));
    return out;
  }

  snapshot(): ProcessorCheckpoint {
    const state = {
      version: STATE_VERSION,
      watermark: this.watermark.snapshot(),
      sessions: this.sessions.snapshot(),
      mastery: this.mastery.snapshot(),
      weekly: this.weekly.snapshot(),
    };
    return { offset: this.nextOffset, seqs: { ...this.seqs }, state: JSON.stringify(state) };
  }

  restore(checkpoint: Pick<PartitionCheckpoint, 'seqs' | 'state'> & { offset: string | null }): void {
    let state: {
      version: number;
      watermark: { maxEventTime: number | null };
      sessions: unknown;
      mastery: unknown;
      weekly: unknown;
    };
    try {
      state = JSON.parse(checkpoint.state);
    } catch (err) {
      throw new LearnstreamError(CheckpointStateInvalid, `partition ${this.partition}: not JSON`, { cause: err });
    }
    if (state?.version !== STATE_VERSION) {
      throw new LearnstreamError(
        CheckpointStateInvalid,
        `partition ${this.partition}: state version ${String(state?.version)}, expected ${STATE_VERSION}`,
      );
    }
    this.watermark.restore(state.watermark);
    this.sessions.restore(state.sessions);
    this.mastery.restore(state.mastery);
    this.weekly.restore(state.weekly);
    this.seqs = { ...emptySeqs(), ...checkpoint.seqs };
    this.next = checkpoint.offset === null ? null : BigInt(checkpoint.offset);
  }

  private advance(watermarkMs: number): Emission[] {
    const sessions = this.sessions.onWatermark(watermarkMs);
    for (const s of sessions) if (s.output === 'sessions') this.weekly.addSession(s.result);
    return [...sessions, ...this.mastery.onWatermark(watermarkMs), ...this.weekly.onWatermark(watermarkMs)];
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
 * never past the time it reached the platform (the broker's append time, or
 * `receivedAt` when the source has none). One device's clock running ahead
 * cannot then make every other learner of the partition late; the event itself
 * is still windowed by its own `occurredAt`.
 */
export function watermarkContribution(record: Extract<SourceRecord, { type: 'event' }>): number {
  const { occurredAt, receivedAt } = record.event;
  const reference = record.appendedAtMs ?? receivedAt;
  return Number.isFinite(reference) && reference < occurredAt ? reference : occurredAt;
}

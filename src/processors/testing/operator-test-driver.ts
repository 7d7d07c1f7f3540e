// The operator test driver (Kafka Streams' TopologyTestDriver for learnstream):
// pipe events into one partition's processor, advance event time with ticks,
// read each output, and simulate a crash-restore from a checkpoint — no broker.
import type { LearningEvent, SourceRecord } from '../../ingest/event.js';
import { PartitionProcessor, type ProcessorCheckpoint } from '../partition-processor.js';
import type { OutputName, ResultsByOutput, StampedResult } from '../results.js';
import { defaultEngineSettings, type EngineSettings } from '../settings.js';

export interface OperatorTestDriverOptions {
  settings?: Partial<EngineSettings>;
  partition?: number;
}

export class OperatorTestDriver {
  readonly settings: EngineSettings;
  readonly partition: number;
  /** Every record piped so far, in log order (what a replay would read). */
  readonly records: SourceRecord[] = [];
  /** Every stamped result so far, in emission order. */
  readonly results: StampedResult[] = [];
  private processor: PartitionProcessor;
  private nextOffset = 0n;

  constructor(options: OperatorTestDriverOptions = {}) {
    this.settings = defaultEngineSettings(options.settings);
    this.partition = options.partition ?? 0;
    this.processor = new PartitionProcessor(this.partition, this.settings);
  }

  /** Appends events to the partition in the given order; returns what they made final. */
  pipe(...events: LearningEvent[]): StampedResult[] {
    return this.feed(events.map((event) => ({ type: 'event', partition: this.partition, offset: '', event })));
  }

  /** Appends a watermark tick at `eventTime`, as the engine does in a quiet period. */
  advanceTo(eventTime: number): StampedResult[] {
    return this.feed([{ type: 'tick', partition: this.partition, offset: '', eventTime }]);
  }

  /** The results of one output, unstamped, in emission order. */
  output<O extends OutputName>(name: O): ResultsByOutput[O][] {
    return this.results.filter((r) => r.output === name).map((r) => r.result as ResultsByOutput[O]);
  }

  stamped<O extends OutputName>(name: O): StampedResult<O>[] {
    return this.results.filter((r): r is StampedResult<O> => r.output === name);
  }

  get watermarkMs(): number {
    return this.processor.watermarkMs;
  }

  checkpoint(): ProcessorCheckpoint {
    return this.processor.snapshot();
  }

  /** Erasure of one learner from the processor's state (as the engine does before erasing the tables). */
  forgetLearner(tenantId: string, learnerId: string): boolean {
    return this.processor.forgetLearner(tenantId, learnerId);
  }

  /** Simulates a restart: a fresh processor restored from a checkpoint of the current one. */
  restart(): void {
    const checkpoint = this.processor.snapshot();
    this.processor = new PartitionProcessor(this.partition, this.settings);
    this.processor.restore(checkpoint);
  }

  private feed(records: SourceRecord[]): StampedResult[] {
    const out: StampedResult[] = [];
    for (const r of records) {
      const record = { ...r, offset: (this.nextOffset++).toString() } as SourceRecord;
      this.records.push(record);
      for (const result of this.processor.process(record)) out.push(result);
    }
    for (const result of out) this.results.push(result);
    return out;
  }
}

// Where the collector hands accepted events: to Kafka through the producer
// library, or (embedded mode) straight into the in-process source.
import type { LearningEvent } from './event.js';
import type { InProcessSource } from './in-process-source.js';
import type { EventProducer } from './producer.js';
import type { Rejection } from './rejection.js';

export type IntakeResult =
  | { ok: true }
  | Rejection
  /** The event was valid but could not be stored; the client should retry. */
  | { ok: false; reason: 'produce_failed'; message: string };

export interface CollectorIntake {
  /** One result per event, in order. */
  accept(events: LearningEvent[]): Promise<IntakeResult[]>;
}

export function kafkaIntake(producer: EventProducer): CollectorIntake {
  return {
    async accept(events) {
      const results = await producer.send(events);
      return results.map((r): IntakeResult => {
        if (r.ok) return { ok: true };
        const { eventId: _eventId, ...rest } = r;
        return rest as IntakeResult;
      });
    },
  };
}

export function inProcessIntake(source: InProcessSource): CollectorIntake {
  return {
    async accept(events) {
      return source.push(events).map((r): IntakeResult => {
        if (r.ok) return { ok: true };
        const { eventId: _eventId, ...rest } = r;
        return rest;
      });
    },
  };
}

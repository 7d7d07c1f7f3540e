// How the simulator breaks a record on purpose: contract violations that are
// still valid Avro (bad score, missing tenant, far-future time, bad UUID) and
// byte-level damage (truncation, garbage). Deterministic by the record's salt.
import type { EventCodec } from '../codec.js';
import type { LearningEvent } from '../event.js';
import type { Defect } from './generator.js';
import { Prng } from './prng.js';

const year = 365 * 24 * 3_600_000;

/** The event with its contract violation applied (byte-level defects leave it intact). */
export function brokenEvent(event: LearningEvent, defect: Defect): LearningEvent {
  switch (defect) {
    case 'missing_tenant':
      return { ...event, tenantId: '' };
    case 'future_occurred_at':
      return { ...event, occurredAt: event.receivedAt + year };
    case 'bad_event_id':
      return { ...event, eventId: `evt-${event.eventId.slice(0, 8)}` };
    case 'score_out_of_range': {
      const b = event.body;
      if (b.kind === 'question_attempt') return { ...event, body: { ...b, score: 1.7 } };
      if (b.kind === 'content_interaction') return { ...event, body: { ...b, progress: 1.7 } };
      if (b.kind === 'activity') return { ...event, body: { ...b, durationMs: -1 } };
      if (b.kind === 'exam_result') return { ...event, body: { ...b, score: 1.7 } };
      return { ...event, body: { ...b, measuredAt: 17 } };
    }
    default:
      return event;
  }
}

/**
 * The envelope version the simulator writes an event with: the one it names
 * (2 by default, 3 with `contractV3`), so the default output keeps its bytes
 * when the current schema moves on.
 */
export function simulatorWriterVersion(codec: EventCodec, event: LearningEvent): number | undefined {
  return codec.schemas.version(event.schemaVersion) ? event.schemaVersion : undefined;
}

/** Wire bytes of a malformed record; every one of them must be rejected by the decoder. */
export function malformedBytes(codec: EventCodec, event: LearningEvent, defect: Defect, salt: number): Buffer {
  const rng = new Prng(salt);
  if (defect === 'truncated_bytes' || defect === 'garbage_bytes') {
    const good = codec.encode(event, { skipContract: true, version: simulatorWriterVersion(codec, event) });
    const bytes = good.ok ? good.bytes : Buffer.alloc(0);
    if (defect === 'truncated_bytes') return bytes.subarray(0, 1 + rng.int(Math.max(1, bytes.length - 2)));
    const garbage = Buffer.alloc(5 + rng.int(60));
    for (let i = 0; i < garbage.length; i++) garbage[i] = rng.int(256);
    // Half keep a valid header so the damage is found inside the record, not at the door.
    return rng.chance(0.5) ? Buffer.concat([bytes.subarray(0, 10), garbage]) : garbage;
  }
  const encoded = codec.encode(brokenEvent(event, defect), {
    skipContract: true,
    version: simulatorWriterVersion(codec, event),
  });
  return encoded.ok ? encoded.bytes : Buffer.from([0xff]);
}

/** An NDJSON line of a malformed record: a contract violation, or a line that is not JSON at all. */
export function malformedJsonLine(
  jsonLine: (e: LearningEvent) => string,
  event: LearningEvent,
  defect: Defect,
  salt: number,
): string {
  const rng = new Prng(salt);
  if (defect === 'truncated_bytes') {
    const line = jsonLine(event);
    return line.slice(0, 1 + rng.int(line.length - 2));
  }
  if (defect === 'garbage_bytes') {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789{}[]":,';
    return Array.from({ length: 10 + rng.int(40) }, () => chars[rng.int(chars.length)]).join('');
  }
  return jsonLine(brokenEvent(event, defect));
}

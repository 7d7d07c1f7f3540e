// Where simulated records go: an NDJSON file, an Avro object container file,
// a Kafka topic (Avro single-object, malformed records as broken bytes), or
// the in-process source — at once or paced on an accelerated clock.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import avro from 'avsc';
import { eventToAvro } from '../avro-mapping.js';
import type { BrokerClient } from '../broker.js';
import { createEventCodec, type EventCodec } from '../codec.js';
import type { LearningEvent } from '../event.js';
import type { InProcessSource } from '../in-process-source.js';
import { eventToJson } from '../json-event.js';
import { createKafkajsClient } from '../kafkajs-broker.js';
import { learnerKey } from '../partitioner.js';
import { eventSchemas } from '../schema-registry.js';
import { brokenEvent, malformedBytes, malformedJsonLine, simulatorWriterVersion } from './defects.js';
import type { SimulatedRecord } from './generator.js';
import { Prng } from './prng.js';

export type Progress = (done: number, total: number) => void;

export function jsonLine(event: LearningEvent): string {
  return JSON.stringify(eventToJson(event));
}

export function ndjsonLine(record: SimulatedRecord): string {
  return record.type === 'event'
    ? jsonLine(record.event)
    : malformedJsonLine(jsonLine, record.event, record.defect, record.salt);
}

async function writeLines(path: string, lines: Iterable<string | Buffer>, total: number, progress?: Progress) {
  const out = createWriteStream(path);
  let done = 0;
  for (const line of lines) {
    if (!out.write(line)) await once(out, 'drain');
    if (++done % 1000 === 0) progress?.(done, total);
  }
  out.end();
  await once(out, 'finish');
  progress?.(total, total);
}

export async function writeNdjson(path: string, records: SimulatedRecord[], progress?: Progress): Promise<void> {
  await writeLines(
    path,
    (function* () {
      for (const r of records) yield `${ndjsonLine(r)}\n`;
    })(),
    records.length,
    progress,
  );
}

/**
 * Avro object container with the envelope schema the events name: v2 for the
 * default stream, v3 when any event is v3 (`contractV3`). Byte-level defects
 * cannot exist inside a container (it is schema-checked), so those records are
 * left out; contract violations stay in. The sync marker derives from the seed
 * so the file is byte-identical for a seed.
 */
export async function writeAvroContainer(
  path: string,
  records: SimulatedRecord[],
  seed: number,
  progress?: Progress,
): Promise<void> {
  const schemas = eventSchemas();
  const v3 = records.some((r) => r.event.schemaVersion >= 3);
  const schema = (v3 ? schemas.current : schemas.version(2)) ?? schemas.current;
  const rng = new Prng(seed ^ 0x5a5a5a5a);
  const syncMarker = Buffer.from(Array.from({ length: 16 }, () => rng.int(256)));
  const encoder = new avro.streams.BlockEncoder(schema.type, { syncMarker, codec: 'null' });
  const out = createWriteStream(path);
  encoder.pipe(out);
  let done = 0;
  for (const r of records) {
    if (r.type === 'malformed' && (r.defect === 'truncated_bytes' || r.defect === 'garbage_bytes')) continue;
    const event = r.type === 'event' ? r.event : brokenEvent(r.event, r.defect);
    if (!encoder.write(eventToAvro(event, schema.version))) await once(encoder, 'drain');
    if (++done % 1000 === 0) progress?.(done, records.length);
  }
  encoder.end();
  await once(out, 'finish');
  progress?.(records.length, records.length);
}

/** Encoded Kafka messages of the records (malformed ones as broken bytes), keyed by tenant + learner. */
export function kafkaMessages(records: SimulatedRecord[], codec: EventCodec = createEventCodec()) {
  return records.map((r) => {
    const key = learnerKey(r.event.tenantId, r.event.learnerId);
    if (r.type === 'malformed') return { key, value: malformedBytes(codec, r.event, r.defect, r.salt) };
    const encoded = codec.encode(r.event, { skipContract: true, version: simulatorWriterVersion(codec, r.event) });
    return { key, value: encoded.ok ? encoded.bytes : Buffer.alloc(0) };
  });
}

export async function sendToKafka(
  records: SimulatedRecord[],
  opts: { brokers: string[]; topic: string; clientId?: string; client?: BrokerClient; batchSize?: number },
  progress?: Progress,
): Promise<void> {
  const client =
    opts.client ?? createKafkajsClient({ brokers: opts.brokers, clientId: opts.clientId ?? 'learnstream-simulator' });
  const producer = client.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = kafkaMessages(records);
    const size = opts.batchSize ?? 2000;
    for (let i = 0; i < messages.length; i += size) {
      await producer.send(opts.topic, messages.slice(i, i + size));
      progress?.(Math.min(messages.length, i + size), messages.length);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Pushes the valid events into the in-process source at once (malformed ones are rejected by push). */
export function pushToSource(source: InProcessSource, records: SimulatedRecord[]): void {
  source.push(records.map((r) => (r.type === 'event' ? r.event : brokenEvent(r.event, r.defect))));
}

export interface PacedFeed {
  /** Resolves when every record was delivered or the feed was stopped. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Delivers records on an accelerated clock: a record received `t` simulated ms
 * after the first one is handed over `t / speedup` wall ms after the start.
 * The wall clock only paces; the records themselves are unchanged.
 */
export function paceRecords(
  records: SimulatedRecord[],
  opts: {
    speedup: number;
    deliver: (events: LearningEvent[]) => void;
    tickMs?: number;
    /** Simulated time at the start (default: the first record's receipt). */
    originMs?: number;
  },
): PacedFeed {
  const tickMs = opts.tickMs ?? 50;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const origin = opts.originMs ?? records[0]?.event.receivedAt ?? 0;
  const wallStart = performance.now();
  let i = 0;
  const step = () => {
    if (stopped) return resolveDone();
    const simulatedNow = origin + (performance.now() - wallStart) * opts.speedup;
    const batch: LearningEvent[] = [];
    while (i < records.length && (records[i] as SimulatedRecord).event.receivedAt <= simulatedNow) {
      const r = records[i++] as SimulatedRecord;
      batch.push(r.type === 'event' ? r.event : brokenEvent(r.event, r.defect));
    }
    if (batch.length > 0) opts.deliver(batch);
    if (i >= records.length) return resolveDone();
    timer = setTimeout(step, tickMs);
  };
  step();
  return {
    done,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      resolveDone();
    },
  };
}

/** Records per synchronous step of `playHistory` (the event loop is free between steps). */
const HISTORY_STEP = 2_000;

/**
 * Hands records over as fast as the receiver takes them, in steps with the
 * event loop free between them: a demo's history, before it continues paced.
 */
export function playHistory(records: SimulatedRecord[], deliver: (events: LearningEvent[]) => void): PacedFeed {
  let stopped = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  let i = 0;
  const step = () => {
    if (stopped) return resolveDone();
    const batch: LearningEvent[] = [];
    for (const r of records.slice(i, i + HISTORY_STEP)) {
      batch.push(r.type === 'event' ? r.event : brokenEvent(r.event, r.defect));
    }
    i += HISTORY_STEP;
    if (batch.length > 0) deliver(batch);
    if (i >= records.length) return resolveDone();
    setImmediate(step);
  };
  step();
  return {
    done,
    stop() {
      stopped = true;
      resolveDone();
    },
  };
}

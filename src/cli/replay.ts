// `learnstream replay FILE`: plays a file written by `simulate --out` (NDJSON,
// or an Avro object container) into a running engine's collector
// (POST /v1/events, the default) or straight into a Kafka topic (--kafka).
// Progress goes to stderr, a summary to stdout.
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import avro from 'avsc';
import { loadConfig } from '../core/config.js';
import { LearnstreamError } from '../core/errors.js';
import { eventFromAvro } from '../ingest/avro-mapping.js';
import {
  codecOptionsFromConfig,
  createEventProducer,
  eventSchemas,
  eventToJson,
  parseJsonEvent,
} from '../ingest/index.js';
import { parseCommandArgs } from './args.js';
import { CliDeliveryFailed, CliUsage } from './errors.js';
import { createProgress } from './progress.js';

export const replayHelp = `Usage: learnstream replay FILE [options]

Sends the events of FILE (written by \`learnstream simulate --out\`; \`-\` reads NDJSON
from standard input, e.g. \`learnstream simulate | learnstream replay -\`) to a running
engine's collector (POST /v1/events), or with --kafka straight into Kafka.
Each event is accepted or rejected on its own; rejections are counted by reason
(malformed records the simulator wrote are meant to be rejected).

Options:
  --to URL            engine base URL (default http://127.0.0.1:$LEARNSTREAM_PORT, i.e. :8080)
  --token JWT         bearer token sent with each POST (default $LEARNSTREAM_TOKEN)
  --kafka             produce to Kafka instead (Avro single-object encoding, keyed by learner);
                      events that fail validation are reported and not produced
  --topic T           Kafka topic (default LEARNSTREAM_KAFKA_TOPIC)
  --brokers B         Kafka brokers, comma separated (default KAFKA_BROKERS)
  --format F          ndjson | avro (default: from the extension, .avro = Avro container)
  --batch N           events per POST or produce request (default 500)
  --rate N            at most N events per second (default: as fast as accepted)
  --fail-on-reject    exit 1 when any event was rejected
  -h, --help          this help

Exit status: 0 when every event was delivered and answered, 1 when delivery
failed (engine or broker unreachable after retries), 2 on a usage error.`;

/** One record of the file: a JSON object to send, or a line that is not JSON at all. */
type FileRecord = { json: Record<string, unknown> } | { unreadable: string };

export interface ReplayTotals {
  read: number;
  accepted: number;
  rejected: number;
  byReason: Map<string, number>;
}

/** `-` is standard input, so `learnstream simulate | learnstream replay -` works. */
function openInput(path: string): NodeJS.ReadableStream {
  return path === '-' ? process.stdin : createReadStream(path);
}

async function* ndjsonRecords(path: string, onBytes: (n: number) => void): AsyncGenerator<FileRecord> {
  const lines = createInterface({ input: openInput(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    // Counted per line consumed, not per chunk read ahead, so the percentage follows the sending.
    onBytes(Buffer.byteLength(line) + 1);
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        yield { json: value as Record<string, unknown> };
      } else {
        yield { unreadable: 'not a JSON object' };
      }
    } catch {
      yield { unreadable: 'not JSON' };
    }
  }
}

async function* avroRecords(path: string, onBytes: (n: number) => void): AsyncGenerator<FileRecord> {
  const stream = openInput(path);
  stream.on('data', (chunk) => onBytes(chunk.length));
  const decoder = stream.pipe(new avro.streams.BlockDecoder());
  for await (const record of decoder) {
    try {
      yield { json: eventToJson(eventFromAvro(record)) };
    } catch (err) {
      yield { unreadable: err instanceof Error ? err.message : String(err) };
    }
  }
}

async function* batches(records: AsyncGenerator<FileRecord>, size: number): AsyncGenerator<FileRecord[]> {
  let batch: FileRecord[] = [];
  for await (const r of records) {
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

const count = (totals: ReplayTotals, reason: string) => {
  totals.rejected++;
  totals.byReason.set(reason, (totals.byReason.get(reason) ?? 0) + 1);
};

/** Posts one batch, retrying while the engine is unreachable or answers 503 (intake paused). */
async function postBatch(
  url: string,
  token: string | undefined,
  events: Record<string, unknown>[],
): Promise<{ status: 'accepted' | 'rejected'; errors?: { reason: string }[] }[]> {
  let delayMs = 250;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ events }),
      });
      if (res.ok) {
        const body = (await res.json()) as {
          results: { status: 'accepted' | 'rejected'; errors?: { reason: string }[] }[];
        };
        return body.results;
      }
      failure = `${res.status} ${await res.text()}`;
      if (res.status !== 503 && res.status !== 429) {
        throw new LearnstreamError(CliDeliveryFailed, `the collector refused a batch: ${failure.slice(0, 300)}`);
      }
    } catch (err) {
      if (err instanceof LearnstreamError) throw err;
      failure = err instanceof Error ? err.message : String(err);
    }
    if (attempt >= 8) throw new LearnstreamError(CliDeliveryFailed, `${url} failed ${attempt} times: ${failure}`);
    await new Promise((r) => setTimeout(r, delayMs));
    delayMs = Math.min(delayMs * 2, 5000);
  }
}

export async function runReplay(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('replay', argv, {
    to: { type: 'string' },
    token: { type: 'string' },
    kafka: { type: 'boolean' },
    topic: { type: 'string' },
    brokers: { type: 'string' },
    format: { type: 'string' },
    batch: { type: 'string' },
    rate: { type: 'string' },
    'fail-on-reject': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(replayHelp);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    throw new LearnstreamError(CliUsage, 'replay takes exactly one FILE (see learnstream replay --help)');
  }
  let size: number | undefined;
  if (file !== '-') {
    try {
      size = statSync(file).size;
    } catch {
      throw new LearnstreamError(CliUsage, `cannot read ${file}`);
    }
  }
  const format = values.format ?? (file.endsWith('.avro') ? 'avro' : 'ndjson');
  if (format !== 'ndjson' && format !== 'avro') {
    throw new LearnstreamError(CliUsage, `--format must be ndjson or avro (got ${format})`);
  }
  const positiveInt = (name: string, v: string | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new LearnstreamError(CliUsage, `--${name} must be a positive integer (got ${v})`);
    return n;
  };
  const batchSize = positiveInt('batch', values.batch, 500);
  const rate = values.rate === undefined ? undefined : positiveInt('rate', values.rate, 1);
  const config = loadConfig();

  let bytes = 0;
  const onBytes = (n: number) => {
    bytes += n;
  };
  const records = format === 'avro' ? avroRecords(file, onBytes) : ndjsonRecords(file, onBytes);
  const totals: ReplayTotals = { read: 0, accepted: 0, rejected: 0, byReason: new Map() };
  const progress = createProgress('replay', () => ({
    fraction: size === undefined ? undefined : size ? bytes / size : 1,
    line: `${totals.read} events · accepted ${totals.accepted} · rejected ${totals.rejected}`,
  }));
  const started = Date.now();
  const pace = async () => {
    if (!rate) return;
    const due = started + (totals.read / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  };

  let where: string;
  try {
    if (values.kafka) {
      const topic = values.topic ?? config.kafka.topic;
      const brokers = values.brokers ? values.brokers.split(',') : config.kafka.brokers;
      where = `Kafka topic ${topic} (${brokers.join(',')})`;
      const codec = codecOptionsFromConfig(config);
      const producer = createEventProducer({ brokers, topic, clientId: 'learnstream-replay', codec });
      await producer.connect();
      const currentSchemaVersion = eventSchemas().current.version;
      try {
        for await (const batch of batches(records, batchSize)) {
          const events = [];
          for (const r of batch) {
            totals.read++;
            if ('unreadable' in r) {
              count(totals, 'malformed_json');
              continue;
            }
            const parsed = parseJsonEvent(r.json, {
              contract: codec.contract,
              receivedAt: Date.now(),
              currentSchemaVersion,
            });
            if (parsed.ok) events.push(parsed.event);
            else count(totals, parsed.errors[0]?.reason ?? 'invalid');
          }
          for (const result of await producer.send(events)) {
            if (result.ok) totals.accepted++;
            else if (result.reason === 'produce_failed') throw new LearnstreamError(CliDeliveryFailed, result.message);
            else count(totals, result.reason);
          }
          progress.tick();
          await pace();
        }
      } finally {
        await producer.disconnect();
      }
    } else {
      const base = (values.to ?? `http://127.0.0.1:${config.server.port}`).replace(/\/+$/, '');
      const url = `${base}/v1/events`;
      where = `collector ${url}`;
      const token = values.token ?? process.env.LEARNSTREAM_TOKEN;
      for await (const batch of batches(records, batchSize)) {
        const events: Record<string, unknown>[] = [];
        for (const r of batch) {
          totals.read++;
          // A line that is not JSON cannot travel in a JSON batch: it is rejected here, as the collector would.
          if ('unreadable' in r) count(totals, 'malformed_json');
          else events.push(r.json);
        }
        if (events.length) {
          for (const result of await postBatch(url, token, events)) {
            if (result.status === 'accepted') totals.accepted++;
            else count(totals, result.errors?.[0]?.reason ?? 'rejected');
          }
        }
        progress.tick();
        await pace();
      }
    }
  } finally {
    progress.done();
  }

  const seconds = (Date.now() - started) / 1000;
  const reasons = [...totals.byReason]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  console.log(
    `replay ${file} → ${where}: ${totals.read} events in ${seconds.toFixed(1)} s (${Math.round(totals.read / Math.max(seconds, 0.001))}/s)\n` +
      `  accepted ${totals.accepted}, rejected ${totals.rejected}${reasons ? ` (${reasons})` : ''}`,
  );
  return values['fail-on-reject'] && totals.rejected > 0 ? 1 : 0;
}

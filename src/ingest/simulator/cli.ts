// `learnstream simulate`: writes a deterministic synthetic activity stream to
// stdout / a file (NDJSON or Avro container) or to a Kafka topic. Progress and
// the summary go to stderr when the data goes to stdout, so output stays pure.
import { parseArgs } from 'node:util';
import { loadConfig } from '../../core/config.js';
import { LearnstreamError } from '../../core/errors.js';
import { SimulateUsage } from '../errors.js';
import { type SimulatedRecord, type SimulationOptions, simulate } from './generator.js';
import { ndjsonLine, type Progress, sendToKafka, writeAvroContainer, writeNdjson } from './outputs.js';

const help = `Usage: learnstream simulate [options]

Generates realistic, deterministic learning events (same --seed, same bytes).

Options:
  --seed N            PRNG seed (default 7)
  --events N          number of records to emit (default 10000)
  --tenants N         tenants (default 3)
  --learners N        learners across tenants (default: enough for --events)
  --days N            simulated days (default 28)
  --start DATE        start of simulated time, ISO date (default 2026-01-05)
  --out PATH          write to a file: NDJSON, or an Avro container when PATH ends in .avro
  --format F          ndjson | avro (overrides the extension)
  --kafka             produce to Kafka instead (Avro single-object encoding)
  --topic T           Kafka topic (default: LEARNSTREAM_KAFKA_TOPIC)
  --brokers B         Kafka brokers, comma separated (default: KAFKA_BROKERS)
  --late F            share of events delivered hours late (default 0.01)
  --out-of-order F    share of events delivered minutes late (default 0.03)
  --malformed F       share of malformed records (default 0)
  --contract-v3       emit event contract v3: context, page-view and error
                      details, exam results (default: the v2 stream)
  -h, --help          this help

Without --out or --kafka, NDJSON goes to stdout.`;

/** Enough learners for `events` records, then the first `events` in emission order. */
export function simulateCount(opts: SimulationOptions & { events: number }): SimulatedRecord[] {
  const days = opts.days ?? 28;
  let learners = opts.learners ?? Math.max(3, Math.ceil(opts.events / (6 * days)));
  for (;;) {
    const records = simulate({ ...opts, learners });
    if (records.length >= opts.events || opts.learners !== undefined) return records.slice(0, opts.events);
    learners = Math.ceil(learners * 1.5);
  }
}

function progressReporter(total: number): Progress {
  let lastPct = -1;
  return (done) => {
    const pct = Math.floor((done / Math.max(1, total)) * 100);
    if (total < 20_000 || pct === lastPct || pct % 10 !== 0) return;
    lastPct = pct;
    process.stderr.write(`simulate: ${done}/${total} records (${pct}%)\n`);
  };
}

export async function runSimulate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      events: { type: 'string' },
      tenants: { type: 'string' },
      learners: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      kafka: { type: 'boolean' },
      topic: { type: 'string' },
      brokers: { type: 'string' },
      late: { type: 'string' },
      'out-of-order': { type: 'string' },
      malformed: { type: 'string' },
      'contract-v3': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  const num = (name: string, v: string | undefined, dflt: number | undefined, integer = true) => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < 0) {
      throw new LearnstreamError(
        SimulateUsage,
        `--${name} must be a non-negative ${integer ? 'integer' : 'number'} (got ${v})`,
      );
    }
    return n;
  };
  const share = (name: string, v: string | undefined, dflt: number) => {
    const n = num(name, v, dflt, false) as number;
    if (n > 1) throw new LearnstreamError(SimulateUsage, `--${name} is a share between 0 and 1 (got ${v})`);
    return n;
  };
  let startMs: number | undefined;
  if (values.start !== undefined) {
    startMs = Date.parse(values.start);
    if (Number.isNaN(startMs)) throw new Error(`--start must be an ISO date (got ${values.start})`);
  }
  const format = values.format ?? (values.out?.endsWith('.avro') ? 'avro' : 'ndjson');
  if (format !== 'ndjson' && format !== 'avro') throw new Error(`--format must be ndjson or avro (got ${format})`);
  if (format === 'avro' && !values.out) throw new Error('--format avro needs --out PATH');

  const events = num('events', values.events, 10_000) as number;
  const seed = num('seed', values.seed, 7) as number;
  const toStdout = !values.out && !values.kafka;
  const say = (line: string) => (toStdout ? process.stderr.write(`${line}\n`) : console.log(line));
  const records = simulateCount({
    seed,
    events,
    tenants: num('tenants', values.tenants, undefined),
    learners: num('learners', values.learners, undefined),
    days: num('days', values.days, undefined),
    startMs,
    lateShare: share('late', values.late, 0.01),
    outOfOrderShare: share('out-of-order', values['out-of-order'], 0.03),
    malformedShare: share('malformed', values.malformed, 0),
    contractV3: values['contract-v3'] ?? false,
  });
  const progress = progressReporter(records.length);

  let where: string;
  if (values.kafka) {
    const config = loadConfig();
    const topic = values.topic ?? config.kafka.topic;
    const brokers = values.brokers ? values.brokers.split(',') : config.kafka.brokers;
    await sendToKafka(records, { brokers, topic }, progress);
    where = `Kafka topic ${topic} (${brokers.join(',')})`;
  } else if (values.out && format === 'avro') {
    await writeAvroContainer(values.out, records, seed, progress);
    where = `${values.out} (Avro container)`;
  } else if (values.out) {
    await writeNdjson(values.out, records, progress);
    where = `${values.out} (NDJSON)`;
  } else {
    for (const r of records) {
      if (!process.stdout.write(`${ndjsonLine(r)}\n`)) await new Promise((res) => process.stdout.once('drain', res));
    }
    // The binary exits right after: wait until everything written has been handed to the OS.
    await new Promise<void>((res) => process.stdout.write('', () => res()));
    where = 'stdout (NDJSON)';
  }
  say(summary(records, seed, where));
  return 0;
}

function summary(records: SimulatedRecord[], seed: number, where: string): string {
  const byKind = new Map<string, number>();
  const tenants = new Set<string>();
  const learners = new Set<string>();
  let malformed = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.type === 'malformed') malformed++;
    else byKind.set(r.event.body.kind, (byKind.get(r.event.body.kind) ?? 0) + 1);
    tenants.add(r.event.tenantId);
    learners.add(`${r.event.tenantId}/${r.event.learnerId}`);
    first = Math.min(first, r.event.occurredAt);
    last = Math.max(last, r.event.occurredAt);
  }
  const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  const span = records.length ? `${new Date(first).toISOString()} .. ${new Date(last).toISOString()}` : 'empty';
  return `simulate --seed ${seed}: ${records.length} records to ${where}\n  ${tenants.size} tenants, ${learners.size} learners, event time ${span}\n  ${kinds}${malformed ? `, malformed ${malformed}` : ''}`;
}

// The benchmark runner (`npm run bench`, `learnstream bench`): pre-produces
// the simulator's events into a multi-partition topic, then measures on it, in
// one run: the broker limit, raw kafkajs, the Kafka Streams and Flink peers,
// learnstream end to end (ClickHouse server and embedded chdb) — the
// throughput section, bench/throughput.ts — then live-feed latency and heap
// per key; writes bench/reports/<date>.json, .md and .svg, with the profile of
// every missed target next to them.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { kafkaClient } from './data.js';
import { measureEventLoop, measureHeap, measureLatency, profilePath } from './measure/children-runs.js';
import { type BenchOptions, parseBenchOptions, usage } from './options.js';
import { flinkClasspath, kafkaStreamsClasspath, kafkaToolsClasspath } from './peers.js';
import { reportChart } from './report/chart.js';
import { machineFacts } from './report/machine.js';
import {
  eventLoopMarkdown,
  liveFeedMarkdown,
  longestStepMs,
  reportMarkdown,
  throughputMarkdown,
} from './report/markdown.js';
import {
  atLeast,
  atMost,
  type BenchReport,
  type EventLoopRun,
  type HeapRun,
  type LatencyRun,
  type TargetCheck,
} from './report/model.js';
import { topCpuFrames, topHeapFrames } from './report/profile.js';
import { benchServices } from './services.js';
import { stateMarkdown } from './state/report.js';
import { runStateSection } from './state/section.js';
import { runThroughputSection } from './throughput.js';

export interface BenchRunResult {
  report: BenchReport;
  files: {
    json: string;
    markdown: string;
    chart: string;
    profiles: string[];
    state: { json: string; markdown: string };
  };
}

const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

function buildPeers(): void {
  say('building the Java peers (Maven, first run downloads from Maven Central)');
  kafkaToolsClasspath();
  kafkaStreamsClasspath();
  flinkClasspath();
}

/** Runs the whole suite with `opts`; services from the environment or started (and stopped) here. */
export async function runBenchSuite(opts: BenchOptions, command: string): Promise<BenchRunResult> {
  const started = performance.now();
  const stamp = Date.now().toString(36);
  const profileDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-prof-'));
  buildPeers();
  const services = await benchServices();
  say(services.started ? 'started ephemeral Kafka and ClickHouse' : 'using KAFKA_BROKERS / CLICKHOUSE_URL');
  const { brokers, clickhouseUrl } = services;
  try {
    // Fresh per run: the ticks are signed with it and the engine runs with it (defaults are refused).
    const pseudonymSecret = randomBytes(32).toString('hex');
    const section = await runThroughputSection(
      opts,
      { brokers, clickhouseUrl, stamp, profileDir, pseudonymSecret },
      say,
    );
    const data = section.data;
    const { learnstreamServer: server, learnstreamChdb: chdb } = section.throughput;
    const versions = { server: server.clickhouseVersion ?? 'unknown', chdb: chdb.clickhouseVersion ?? 'unknown' };

    const latency: LatencyRun[] = [];
    for (const clients of opts.clients) {
      say(`live feed latency, ${clients} clients`);
      const run = await measureLatency(
        {
          clickhouseUrl,
          database: `bench_live_${stamp}_${clients}`,
          clients,
          seconds: opts.latencySeconds,
          seed: opts.seed,
        },
        profileDir,
      );
      say(`  p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(1)} ms`);
      latency.push(run);
    }
    const heap: HeapRun[] = [];
    for (const keys of opts.keys) {
      for (const kind of ['sessions', 'mastery'] as const) {
        say(`heap per key: ${kind}, ${keys} keys`);
        const run = await measureHeap(kind, keys, profileDir);
        say(`  ${run.bytesPerKey.toFixed(0)} bytes/key`);
        heap.push(run);
      }
    }
    say(`event loop: one partition processor, ${opts.eventLoopKeys} mastery keys`);
    const eventLoop = await measureEventLoop(opts.eventLoopKeys, profileDir);
    say(`  longest synchronous step ${longestStepMs(eventLoop).toFixed(1)} ms`);
    const state = await runStateSection(opts, { clickhouseUrl, profileDir, stamp, command, heap }, say);

    const date = new Date().toISOString().slice(0, 10);
    const outDir = resolve(opts.outDir);
    mkdirSync(outDir, { recursive: true });
    const profiles: string[] = [];
    /** Copies a profile next to the report when its target was missed (or --keep-profiles). */
    const attach = (
      check: Omit<TargetCheck, 'profile' | 'topFrames'>,
      name: string,
      ext: 'cpuprofile' | 'heapprofile',
    ) => {
      const source = profilePath(profileDir, name, ext);
      if ((check.met && !opts.keepProfiles) || !source) return { ...check, profile: null, topFrames: [] };
      const target = join(outDir, `${date}-${name}.${ext}`);
      copyFileSync(source, target);
      profiles.push(target);
      const topFrames = ext === 'cpuprofile' ? topCpuFrames(source) : topHeapFrames(source);
      return { ...check, profile: relative(process.cwd(), target), topFrames };
    };
    const ratios = section.ratios;
    const targets: TargetCheck[] = [
      attach(
        atLeast('learnstream end to end / raw kafkajs', ratios.learnstreamVsKafkajs, 0.85),
        'learnstream-server',
        'cpuprofile',
      ),
      attach(
        atLeast('learnstream / Kafka Streams', ratios.learnstreamVsKafkaStreams, 1.0),
        'learnstream-server',
        'cpuprofile',
      ),
      ...latency.map((l) => attach(liveFeedTarget(l), `latency-${l.clients}`, 'cpuprofile')),
      ...heap.map((h) =>
        attach(
          atMost(
            `heap per ${h.kind === 'sessions' ? 'open session' : 'mastery entry'}, ${h.keys} keys`,
            h.bytesPerKey,
            180,
            'bytes',
          ),
          `heap-${h.kind}-${h.keys}`,
          'heapprofile',
        ),
      ),
      attach(eventLoopTarget(eventLoop), 'event-loop', 'cpuprofile'),
      ...section.sessionChecks,
      // The state section judged its own targets and copied its profiles (heap per key is judged above).
      ...state.section.targets.filter((c) => !c.name.startsWith('heap per')),
    ];
    profiles.push(...state.files.profiles);
    const report: BenchReport = {
      version: 1,
      date,
      command,
      smoke: opts.smoke,
      durationSeconds: (performance.now() - started) / 1000,
      machine: machineFacts(versions),
      data,
      throughput: section.throughput,
      ratios,
      latency,
      heap,
      eventLoop,
      state: { report: relative(process.cwd(), state.files.markdown), throughputRatio: state.section.throughputRatio },
      targets,
    };
    const base = join(outDir, date);
    const files = {
      json: `${base}.json`,
      markdown: `${base}.md`,
      chart: `${base}.svg`,
      profiles,
      state: { json: state.files.json, markdown: state.files.markdown },
    };
    writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(files.markdown, reportMarkdown(report));
    writeFileSync(files.chart, reportChart(report));
    return { report, files };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    if (!services.started) await dropBenchData(brokers, clickhouseUrl, stamp).catch(() => undefined);
    await services.stop();
  }
}

/** On services the bench did not start: its topics (with Kafka Streams' internal ones) and databases go. */
async function dropBenchData(brokers: string[], clickhouseUrl: string, stamp: string): Promise<void> {
  const admin = kafkaClient(brokers, 'bench-cleanup').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith('bench-') && t.includes(stamp));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
  const client = createClient({ url: clickhouseUrl });
  try {
    const rows = await (await client.query({ query: 'SHOW DATABASES', format: 'JSONEachRow' })).json<{
      name: string;
    }>();
    // Only names this run made (bench_<stamp>...), checked to be plain identifiers before they reach SQL.
    for (const { name } of rows.filter((r) => /^bench_[a-z0-9_]+$/.test(r.name) && r.name.includes(stamp))) {
      await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
    }
  } finally {
    await client.close();
  }
}

/** The issue's bound: no synchronous step longer than 100 ms at 1M keys per instance. */
function eventLoopTarget(run: EventLoopRun) {
  return atMost(`longest synchronous step, ${run.keys} mastery keys`, longestStepMs(run), 100, 'ms');
}

/** `--only event-loop`: the event-loop section alone (no services); writes <date>-event-loop.json and .md. */
export async function runEventLoopSection(
  opts: BenchOptions,
): Promise<{ run: EventLoopRun; json: string; markdown: string }> {
  say(`event loop: one partition processor, ${opts.eventLoopKeys} mastery keys`);
  const run = await measureEventLoop(opts.eventLoopKeys);
  const target = eventLoopTarget(run);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${new Date().toISOString().slice(0, 10)}-event-loop`);
  const markdown = `${eventLoopMarkdown(run)}\nTarget: ${target.name} ${target.target} ms — ${target.met ? 'met' : `**missed**: ${target.missedBy}`}.\n`;
  writeFileSync(`${base}.json`, `${JSON.stringify({ version: 1, eventLoop: run, targets: [target] }, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  return { run, json: `${base}.json`, markdown };
}

/** The issue's bound: p99 from window final to message at the client ≤ 20 ms, at 100 and at 1,000 clients. */
function liveFeedTarget(run: LatencyRun) {
  return atMost(`live feed p99, ${run.clients} clients`, run.p99Ms, 20, 'ms');
}

/** `--only live-feed`: the live-feed latency runs alone (ClickHouse only); writes <date>-live-feed.json and .md. */
export async function runLiveFeedSection(
  opts: BenchOptions,
): Promise<{ runs: LatencyRun[]; json: string; markdown: string }> {
  const stamp = Date.now().toString(36);
  const profileDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-prof-'));
  const services = await benchServices();
  const runs: LatencyRun[] = [];
  try {
    for (const clients of opts.clients) {
      say(`live feed latency, ${clients} clients`);
      const run = await measureLatency(
        {
          clickhouseUrl: services.clickhouseUrl,
          database: `bench_live_${stamp}_${clients}`,
          clients,
          seconds: opts.latencySeconds,
          seed: opts.seed,
        },
        profileDir,
      );
      say(`  p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(1)} ms`);
      runs.push(run);
    }
  } finally {
    if (!services.started) await dropBenchData(services.brokers, services.clickhouseUrl, stamp).catch(() => undefined);
    await services.stop();
  }
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${new Date().toISOString().slice(0, 10)}-live-feed`);
  // The profile of a missed target (or every run's, with --keep-profiles) goes next to the report.
  const targets = runs.map((run) => {
    const check = liveFeedTarget(run);
    const source = profilePath(profileDir, `latency-${run.clients}`, 'cpuprofile');
    if ((check.met && !opts.keepProfiles) || !source) return { ...check, profile: null, topFrames: [] };
    const target = `${base}-${run.clients}.cpuprofile`;
    copyFileSync(source, target);
    return { ...check, profile: relative(process.cwd(), target), topFrames: topCpuFrames(source) };
  });
  rmSync(profileDir, { recursive: true, force: true });
  const markdown = `${liveFeedMarkdown(runs)}\n${targets
    .map((t) => `Target: ${t.name} ${t.target} ms — ${t.met ? 'met' : `**missed**: ${t.missedBy}`}.`)
    .join('\n')}\n`;
  writeFileSync(`${base}.json`, `${JSON.stringify({ version: 1, latency: runs, targets }, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown);
  return { runs, json: `${base}.json`, markdown };
}

/** `--only state`: the state-at-scale section alone (ClickHouse only); writes <date>-state.json and .md. */
export async function runStateOnly(opts: BenchOptions, command: string): Promise<{ json: string; markdown: string }> {
  const stamp = Date.now().toString(36);
  const profileDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-prof-'));
  const services = await benchServices();
  try {
    const { section, files } = await runStateSection(
      opts,
      { clickhouseUrl: services.clickhouseUrl, profileDir, stamp, command },
      say,
    );
    for (const p of files.profiles) say(`profile: ${p}`);
    return { json: files.json, markdown: stateMarkdown(section) };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    await services.stop();
  }
}

/** `--only throughput`: the throughput section alone (Kafka and ClickHouse); writes <date>-throughput.json and .md. */
export async function runThroughputOnly(
  opts: BenchOptions,
  command: string,
): Promise<{ json: string; markdown: string }> {
  const started = performance.now();
  const stamp = Date.now().toString(36);
  const profileDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-prof-'));
  buildPeers();
  const services = await benchServices();
  try {
    const pseudonymSecret = randomBytes(32).toString('hex');
    const { brokers, clickhouseUrl } = services;
    const section = await runThroughputSection(
      opts,
      { brokers, clickhouseUrl, stamp, profileDir, pseudonymSecret },
      say,
    );
    const { learnstreamServer: server, learnstreamChdb: chdb } = section.throughput;
    const versions = { server: server.clickhouseVersion ?? 'unknown', chdb: chdb.clickhouseVersion ?? 'unknown' };
    const date = new Date().toISOString().slice(0, 10);
    const machine = machineFacts(versions);
    const durationSeconds = (performance.now() - started) / 1000;
    const outDir = resolve(opts.outDir);
    mkdirSync(outDir, { recursive: true });
    const base = join(outDir, `${date}-throughput`);
    const markdown =
      `Run ${date} (\`${command}\`): ${section.data.events.toLocaleString('en-US')} events (${section.data.learners.toLocaleString('en-US')} learners), ` +
      `${section.data.partitions} partitions, ${machine.cores} cores (${machine.cpuModel}), Java ${machine.java}, Kafka ${machine.kafkaBroker} ` +
      `(Streams ${machine.kafkaStreams}), Flink ${machine.flink}, ClickHouse server ${machine.clickhouseServer}, chdb ${machine.chdb}. ` +
      `Load average at start ${machine.loadAverage1m}. Section ${Math.round(durationSeconds)} s.\n\n` +
      throughputMarkdown(section);
    const report = { version: 1, date, command, durationSeconds, machine, ...section };
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${base}.md`, markdown);
    return { json: `${base}.json`, markdown };
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
    if (!services.started) await dropBenchData(services.brokers, services.clickhouseUrl, stamp).catch(() => undefined);
    await services.stop();
  }
}

/** `learnstream bench` / `npm run bench -- …`: returns the process exit code. */
export async function runBench(argv: string[]): Promise<number> {
  const opts = parseBenchOptions(argv);
  if (opts === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (opts.only === 'event-loop') {
    const { json, markdown } = await runEventLoopSection(opts);
    process.stdout.write(`\n${markdown}\nreport: ${json}\n`);
    return 0;
  }
  if (opts.only === 'state') {
    const { json, markdown } = await runStateOnly(opts, `npm run bench -- ${argv.join(' ')}`);
    process.stdout.write(`\n${markdown}\nreport: ${json}\n`);
    return 0;
  }
  if (opts.only === 'throughput') {
    const { json, markdown } = await runThroughputOnly(opts, `npm run bench -- ${argv.join(' ')}`);
    process.stdout.write(`\n${markdown}\nreport: ${json}\n`);
    return 0;
  }
  if (opts.only === 'live-feed') {
    const { json, markdown } = await runLiveFeedSection(opts);
    process.stdout.write(`\n${markdown}\nreport: ${json}\n`);
    return 0;
  }
  const command = `npm run bench --${argv.length ? ` ${argv.join(' ')}` : ''}`;
  const { report, files } = await runBenchSuite(opts, command);
  process.stdout.write(`\n${reportMarkdown(report)}\n`);
  process.stdout.write(`report: ${files.json}\nchart: ${files.chart}\n`);
  for (const p of files.profiles) process.stdout.write(`profile: ${p}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runBench(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

// The report as a markdown table (printed at the end of a run, written next
// to the JSON, and pasted into the README's Performance section).
import type { BenchReport, EventLoopRun, LatencyRun, PeerRun, StepFigures, TargetCheck } from './model.js';

const n = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

export function reportMarkdown(r: BenchReport): string {
  const _t = r.throughput;
  const m = r.machine;
  const rows: string[] = [
    `Run ${r.date}: ${n(r.data.events)} events (${n(r.data.learners)} learners), ${r.data.partitions} partitions, ` +
      `${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, Java ${m.java}, ` +
      `Kafka ${m.kafkaBroker} (tools ${m.kafkaTools}, Streams ${m.kafkaStreams}), Flink ${m.flink ?? '—'}, ClickHouse server ${m.clickhouseServer}, chdb ${m.chdb}. ` +
      `Load average at start ${m.loadAverage1m}. Total run ${n(r.durationSeconds)} s.`,
    '',
    throughputMarkdown(r).trimEnd(),
    '',
    liveFeedMarkdown(r.latency).trimEnd(),
    '',
    '| heap per tracked key (forced GC) | keys | bytes/key |',
    '|---|---:|---:|',
    ...r.heap.map(
      (h) =>
        `| ${h.kind === 'sessions' ? 'open sessions' : 'learner × topic mastery entries'} | ${n(h.keys)} | ${n(h.bytesPerKey)} |`,
    ),
    ...(r.eventLoop ? ['', eventLoopMarkdown(r.eventLoop).trimEnd()] : []),
    ...(r.state
      ? [
          '',
          `State at scale (one instance, 6 partitions, checkpoints to ClickHouse, restore after kill -9): \`${r.state.report}\`; ` +
            `events/s at the largest learner count ${n(r.state.throughputRatio, 2)}x the smallest's.`,
        ]
      : []),
    '',
    '| target | goal | this run | |',
    '|---|---|---:|---|',
    ...r.targets.map(
      (c) =>
        `| ${c.name} | ${c.target} | ${n(c.actual, 2)} ${c.unit === 'x' ? 'x' : c.unit} | ${c.met ? 'met' : `**missed**: ${c.missedBy}${c.profile ? ` — profile \`${c.profile}\`` : ''}`} |`,
    ),
  ];
  const missed = r.targets.filter((c) => !c.met && c.topFrames.length > 0);
  if (missed.length > 0) {
    rows.push('', 'Where the time (or heap) goes, for each missed target (self share of the profile):', '');
    for (const c of missed) {
      rows.push(
        `- ${c.name}: ${c.topFrames
          .slice(0, 5)
          .map((f) => `\`${f.function}\` ${(f.share * 100).toFixed(0)}% (${f.location})`)
          .join('; ')}`,
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

/** The throughput table (offset 0 → end of topic), the windows each engine wrote and the session-count checks. */
export function throughputMarkdown(
  r: Pick<BenchReport, 'throughput' | 'ratios'> & { sessionChecks?: readonly TargetCheck[] },
): string {
  const t = r.throughput;
  const x = (v: number | undefined) => `${n(v ?? Number.NaN, 2)}x`;
  const peer = (name: string, p: PeerRun | undefined, threads: string, commit: string) =>
    p
      ? `| ${name} (${p.parallelism} ${threads}, ${commit} every ${n(p.commitMs)} ms; first record → last result durable) | ${n(p.recordsPerSecond)} | ${n(p.seconds, 2)} | ${n(p.startupSeconds, 1)} | ${n(p.recordsPerSecond / p.parallelism)} per thread |`
      : `| ${name} | — | — | — | not run |`;
  const ls = t.learnstreamServer;
  const rows = [
    '| throughput (offset 0 → end of topic) | records/s | seconds | startup s | ratio |',
    '|---|---:|---:|---:|---|',
    `| broker limit (kafka-consumer-perf-test, fetch rate) | ${n(t.brokerLimit.recordsPerSecond)} | ${n(t.brokerLimit.seconds, 2)} | | |`,
    `| raw kafkajs, eachBatch + avsc decode | ${n(t.kafkajsRaw.recordsPerSecond)} | ${n(t.kafkajsRaw.seconds, 2)} | | ${x(r.ratios.kafkajsVsBrokerLimit)} broker limit |`,
    peer('Kafka Streams', t.kafkaStreams, 'stream threads', 'commit'),
    peer('Flink', t.flink, 'parallel subtasks', 'checkpoint'),
    `| **learnstream → ClickHouse server** (start → last result durable, one engine thread) | ${n(ls.recordsPerSecond)} | ${n(ls.seconds, 2)} | | ` +
      `**${x(r.ratios.learnstreamVsKafkajs)} kafkajs, ${x(r.ratios.learnstreamVsKafkaStreams)} Kafka Streams, ${x(r.ratios.learnstreamVsFlink)} Flink**; ` +
      `per thread ${x(r.ratios.learnstreamVsKafkaStreamsPerCore)} Kafka Streams, ${x(r.ratios.learnstreamVsFlinkPerCore)} Flink |`,
    `| learnstream → embedded chdb | ${n(t.learnstreamChdb.recordsPerSecond)} | ${n(t.learnstreamChdb.seconds, 2)} | | ${x(r.ratios.learnstreamChdbVsKafkajs)} kafkajs |`,
    '',
    `Windows written: learnstream ${n(ls.results.sessions ?? Number.NaN)} sessions, ` +
      `${n(ls.results.mastery_snapshots ?? Number.NaN)} mastery snapshots, ` +
      `${n(ls.results.weekly_active_partials ?? Number.NaN)} weekly-active partials; ` +
      `Kafka Streams ${n(t.kafkaStreams.sessions)} sessions, ${n(t.kafkaStreams.weeklyUpdates)} weekly count updates` +
      (t.flink ? `; Flink ${n(t.flink.sessions)} sessions, ${n(t.flink.weeklyUpdates)} final weekly counts` : '') +
      ' (no mastery in either peer).',
    'Per thread: records/s over the threads an engine processes on (learnstream: its one event-loop thread; Kafka Streams: ' +
      'its stream threads; Flink: its parallelism). Startup (JVM start → first record decoded) is not in the seconds.',
    'Kafka Streams runs its session store without the record cache: a profile (JFR) of the cached store had over half ' +
      "of the stream threads' samples in CachingSessionStore.findSessions scanning the thread cache (the in-memory " +
      'session store declares 1 ms cache segments); suppress(untilWindowCloses) already emits each session once. ' +
      'Neither peer splits sessions at the 4 h cap the same way: Flink splits them as learnstream does, Kafka Streams cannot.',
    ...(r.sessionChecks ?? []).map(
      (c) => `Check: ${c.name} — ${c.met ? 'equal' : `**differs**: ${c.missedBy} (${n(c.actual)} off)`}.`,
    ),
  ];
  return `${rows.join('\n')}\n`;
}

/** The live-feed latency table: window final → message at the client, per client count. */
export function liveFeedMarkdown(runs: readonly LatencyRun[]): string {
  return `${[
    '| live feed: window final → message at client | windows | messages | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...runs.map(
      (l) =>
        `| ${n(l.clients)} clients | ${n(l.windows)} | ${n(l.messages)} | ${n(l.p50Ms, 1)} | ${n(l.p99Ms, 1)} | ${n(l.maxMs, 1)} |`,
    ),
  ].join('\n')}\n`;
}

/** The longest synchronous step of any bulk work of the event-loop run, ms. */
export function longestStepMs(e: EventLoopRun): number {
  return Math.max(
    e.capture.maxStepMs,
    e.restore.maxStepMs,
    e.erasure.maxStepMs,
    e.dayClose.maxStepMs,
    e.dayClose.firstCallMs,
    e.weekClose.maxStepMs,
    e.weekClose.firstCallMs,
  );
}

export function eventLoopMarkdown(e: EventLoopRun): string {
  const row = (name: string, f: StepFigures, unit: string) =>
    `| ${name} | ${n(f.steps)} ${unit} | ${n(f.maxStepMs, 2)} | ${n(f.maxStepCpuMs, 2)} | ${n(f.maxSliceMs, 1)} | ${n(f.totalMs)} |`;
  return `${[
    `One partition processor with ${n(e.keys)} mastery keys (${n(e.learners)} learners × 10 topics, fed in ${n(e.feedSeconds, 1)} s); ` +
      `bulk work drained in ${e.sliceMs} ms slices, the event loop free between slices. ` +
      `Load average at start ${n(e.loadAverage1m, 1)} on ${e.cores} cores.`,
    '',
    '| bulk work | steps | longest step ms (wall) | longest step ms (CPU) | longest slice ms | total ms |',
    '|---|---:|---:|---:|---:|---:|',
    row('checkpoint capture (snapshotParts)', e.capture, `parts (largest ${n(e.capture.maxPartChars / 1e6, 2)} MB)`),
    row('restore (part by part)', e.restore, 'parts'),
    row('erasure (forgetLearner)', e.erasure, 'learners'),
    row(`day close (${n(e.dayClose.snapshots)} snapshots)`, e.dayClose, 'results'),
    row('week close', e.weekClose, 'results'),
    '',
    `The \`process()\` call of the closing tick itself: ${n(e.dayClose.firstCallMs, 2)} ms (day), ${n(e.weekClose.firstCallMs, 2)} ms (week). ` +
      `Longest synchronous step overall: **${n(longestStepMs(e), 1)} ms**; event-loop delay max (monitorEventLoopDelay): ${n(e.eventLoopDelayMaxMs, 1)} ms.`,
  ].join('\n')}\n`;
}

// The report as a markdown table (printed at the end of a run, written next
// to the JSON, and pasted into the README's Performance section).
import type { BenchReport } from './model.js';

const n = (v: number, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

export function reportMarkdown(r: BenchReport): string {
  const t = r.throughput;
  const m = r.machine;
  const rows: string[] = [
    `Run ${r.date}: ${n(r.data.events)} events (${n(r.data.learners)} learners), ${r.data.partitions} partitions, ` +
      `${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, Java ${m.java}, ` +
      `Kafka ${m.kafkaBroker} (tools ${m.kafkaTools}, Streams ${m.kafkaStreams}), ClickHouse server ${m.clickhouseServer}, chdb ${m.chdb}. ` +
      `Load average at start ${m.loadAverage1m}. Total run ${n(r.durationSeconds)} s.`,
    '',
    '| throughput (offset 0 → end of topic) | records/s | seconds | ratio |',
    '|---|---:|---:|---|',
    `| broker limit (kafka-consumer-perf-test, fetch rate) | ${n(t.brokerLimit.recordsPerSecond)} | ${n(t.brokerLimit.seconds, 2)} | |`,
    `| raw kafkajs, eachBatch + avsc decode | ${n(t.kafkajsRaw.recordsPerSecond)} | ${n(t.kafkajsRaw.seconds, 2)} | ${n(r.ratios.kafkajsVsBrokerLimit, 2)}x broker limit |`,
    `| Kafka Streams (sessions + weekly active, until output complete) | ${n(t.kafkaStreams.recordsPerSecond)} | ${n(t.kafkaStreams.seconds, 2)} | |`,
    `| **learnstream → ClickHouse server** (until last result durable) | ${n(t.learnstreamServer.recordsPerSecond)} | ${n(t.learnstreamServer.seconds, 2)} | **${n(r.ratios.learnstreamVsKafkajs, 2)}x kafkajs, ${n(r.ratios.learnstreamVsKafkaStreams, 2)}x Kafka Streams** |`,
    `| learnstream → embedded chdb | ${n(t.learnstreamChdb.recordsPerSecond)} | ${n(t.learnstreamChdb.seconds, 2)} | ${n(r.ratios.learnstreamChdbVsKafkajs, 2)}x kafkajs |`,
    '',
    `Windows written: learnstream ${n(t.learnstreamServer.results.sessions ?? Number.NaN)} sessions, ` +
      `${n(t.learnstreamServer.results.mastery_snapshots ?? Number.NaN)} mastery snapshots, ` +
      `${n(t.learnstreamServer.results.weekly_active_partials ?? Number.NaN)} weekly-active partials; ` +
      `Kafka Streams ${n(t.kafkaStreams.sessions)} sessions (no 4 h cap, no mastery), ${n(t.kafkaStreams.weeklyUpdates)} weekly count updates.`,
    '',
    '| live feed: window final → message at client | windows | messages | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...r.latency.map(
      (l) =>
        `| ${n(l.clients)} clients | ${n(l.windows)} | ${n(l.messages)} | ${n(l.p50Ms, 1)} | ${n(l.p99Ms, 1)} | ${n(l.maxMs, 1)} |`,
    ),
    '',
    '| heap per tracked key (forced GC) | keys | bytes/key |',
    '|---|---:|---:|',
    ...r.heap.map(
      (h) =>
        `| ${h.kind === 'sessions' ? 'open sessions' : 'learner × topic mastery entries'} | ${n(h.keys)} | ${n(h.bytesPerKey)} |`,
    ),
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

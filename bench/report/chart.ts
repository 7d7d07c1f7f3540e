// The report's chart as a dependency-free SVG: throughput of every contender
// (records/s, one bar each, the learnstream bars highlighted) and the live
// feed's p50/p99 latency per client count against its targets.
import type { BenchReport } from './model.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function reportChart(r: BenchReport): string {
  const width = 760;
  const left = 300;
  const barMax = width - left - 110;
  const t = r.throughput;
  const bars: [string, number, boolean][] = [
    ['broker limit (perf-test)', t.brokerLimit.recordsPerSecond, false],
    ['raw kafkajs + avsc', t.kafkajsRaw.recordsPerSecond, false],
    ['Kafka Streams', t.kafkaStreams.recordsPerSecond, false],
    ['Flink', t.flink?.recordsPerSecond ?? Number.NaN, false],
    ['learnstream → ClickHouse server', t.learnstreamServer.recordsPerSecond, true],
    ['learnstream → chdb', t.learnstreamChdb.recordsPerSecond, true],
  ];
  const maxRate = Math.max(1, ...bars.map((b) => (Number.isFinite(b[1]) ? b[1] : 0)));
  const out: string[] = [];
  let y = 40;
  out.push(
    `<text x="10" y="22" font-size="15" font-weight="bold">Throughput, records/s (${r.data.events.toLocaleString('en-US')} events, ${r.data.partitions} partitions, ${r.machine.cores} cores)</text>`,
  );
  for (const [label, rate, ours] of bars) {
    const w = Number.isFinite(rate) ? Math.max(1, (rate / maxRate) * barMax) : 0;
    out.push(
      `<text x="${left - 8}" y="${y + 15}" font-size="13" text-anchor="end">${esc(label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${ours ? '#2b7bb9' : '#9aa5b1'}"/>`,
      `<text x="${left + w + 6}" y="${y + 15}" font-size="12">${Number.isFinite(rate) ? Math.round(rate).toLocaleString('en-US') : 'n/a'}</text>`,
    );
    y += 28;
  }
  y += 24;
  out.push(
    `<text x="10" y="${y}" font-size="15" font-weight="bold">Live feed: window final → client, ms (p50 / p99; target line = p99 bound)</text>`,
  );
  y += 16;
  const maxMs = Math.max(50, ...r.latency.map((l) => (Number.isFinite(l.p99Ms) ? l.p99Ms : 0)));
  for (const l of r.latency) {
    const bound = l.clients <= 100 ? 20 : 50;
    const scale = (ms: number) => (Number.isFinite(ms) ? Math.max(1, (ms / maxMs) * barMax) : 0);
    out.push(
      `<text x="${left - 8}" y="${y + 15}" font-size="13" text-anchor="end">${l.clients.toLocaleString('en-US')} clients</text>`,
      `<rect x="${left}" y="${y}" width="${scale(l.p99Ms).toFixed(1)}" height="20" fill="#f0b35a"/>`,
      `<rect x="${left}" y="${y + 4}" width="${scale(l.p50Ms).toFixed(1)}" height="12" fill="#c77c0e"/>`,
      `<line x1="${left + scale(bound)}" y1="${y - 3}" x2="${left + scale(bound)}" y2="${y + 23}" stroke="#c0392b" stroke-width="2"/>`,
      `<text x="${left + Math.max(scale(l.p99Ms), scale(bound)) + 6}" y="${y + 15}" font-size="12">${l.p50Ms.toFixed(1)} / ${l.p99Ms.toFixed(1)}</text>`,
    );
    y += 28;
  }
  y += 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">`,
    `<rect width="${width}" height="${y}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

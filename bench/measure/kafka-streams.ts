// Baseline "Kafka Streams": the reference app in bench/peers/kafka-streams
// (same decode, same session gap and grace, per-tenant weekly active counts)
// on the same topic, with one stream thread per core and learnstream's
// checkpoint interval as its commit interval. Its clock runs from the first
// record it decodes to the moment its output is complete: the broker's append
// time (LogAppendTime) of the last record in its output topics, read once the
// app has committed the input's log end and its outputs have stopped growing.
// Startup (JVM start to the first record) is reported apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchTopic, committedOffsets, kafkaClient } from '../data.js';
import { kafkaStreamsClasspath } from '../peers.js';
import type { PeerRun, PeerSettings } from '../report/model.js';
import { startJavaPeer } from './java-peer.js';
import { createOutputTopics, lastResultDurableMs, topicEnds } from './peer-output.js';
import { peerRun, peerSchemas } from './peer-run.js';

/** Suppressed windows and the repartitioned counts trail the input commit: outputs still this long = complete. */
const settleMs = 3000;

export async function measureKafkaStreams(
  brokers: string[],
  topic: BenchTopic,
  appId: string,
  settings: PeerSettings,
  timeoutMs: number,
): Promise<PeerRun> {
  const kafka = kafkaClient(brokers, 'bench-streams-watch');
  const outputs = [`${appId}-sessions`, `${appId}-weekly`];
  const admin = kafka.admin();
  await admin.connect();
  await createOutputTopics(admin, outputs);
  const stateDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-streams-'));
  const peer = startJavaPeer(
    'Kafka Streams app',
    'dev.learnstream.bench.LearningWindowsApp',
    kafkaStreamsClasspath(),
    [
      ...['--bootstrap', brokers.join(','), '--input', topic.topic, '--app-id', appId],
      ...['--sessions-out', outputs[0] as string, '--weekly-out', outputs[1] as string, '--schemas', peerSchemas()],
      ...['--gap-ms', String(settings.gapMs), '--grace-ms', String(settings.graceMs)],
      // No cap: a Kafka Streams session window cannot be split (see the README).
      ...['--idle-ms', String(settings.idleMs), '--session-cache', process.env.BENCH_STREAMS_SESSION_CACHE ?? 'off'],
      ...['--state-dir', stateDir, '--threads', String(settings.parallelism)],
      ...['--commit-ms', String(settings.commitMs)],
    ],
    timeoutMs,
  );
  try {
    for (;;) {
      await peer.tick();
      const input = await committedOffsets(kafka, appId, topic.topic);
      if (topic.endOffsets.every((end, p) => (input.get(p) ?? -1) >= end)) break;
    }
    let last = await topicEnds(admin, outputs);
    let stillSince = Date.now();
    while (Date.now() - stillSince < settleMs) {
      await peer.tick();
      const now = await topicEnds(admin, outputs);
      if (now.some((n, i) => n !== last[i])) {
        last = now;
        stillSince = Date.now();
      }
    }
    return peerRun(topic, settings, peer.marks, await lastResultDurableMs(kafka, outputs), last);
  } finally {
    await peer.stop();
    await admin.disconnect();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

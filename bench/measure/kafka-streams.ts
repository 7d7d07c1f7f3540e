// Baseline "Kafka Streams": the reference app in bench/peers/kafka-streams
// (same decode, same session gap and grace, per-tenant weekly active counts)
// on the same topic. Its clock runs from just before KafkaStreams.start() to
// the moment its output is complete: the broker's append time (LogAppendTime)
// of the last record in its output topics, read once the app has committed
// the input's log end and its outputs have stopped growing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { LearnstreamError } from '../../src/core/errors.js';
import { defaultSchemasDir } from '../../src/ingest/schema-registry.js';
import { type BenchTopic, committedOffsets, kafkaClient } from '../data.js';
import { BenchMeasurementFailed, BenchTimeout } from '../errors.js';
import { kafkaStreamsClasspath } from '../peers.js';

export interface KafkaStreamsResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  sessions: number;
  weeklyUpdates: number;
  gapMs: number;
  graceMs: number;
}

export interface WindowSettings {
  gapMs: number;
  /** learnstream's out-of-orderness + allowed lateness: how long past its end a window still takes events. */
  graceMs: number;
  idleMs: number;
}

const settleMs = 3000;

/** The broker's append time of the last record of a one-partition topic (0 when empty). */
async function lastAppendTime(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic))[0]?.high ?? 0);
  await admin.disconnect();
  if (high === 0) return 0;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let latest = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) latest = Math.max(latest, Number(m.timestamp));
      if (Number(batch.lastOffset()) + 1 >= high) done();
    },
  });
  await finished;
  await consumer.disconnect();
  return latest;
}

export async function measureKafkaStreams(
  brokers: string[],
  topic: BenchTopic,
  appId: string,
  windows: WindowSettings,
  timeoutMs: number,
): Promise<KafkaStreamsResult> {
  const kafka = kafkaClient(brokers, 'bench-streams-watch');
  const sessionsOut = `${appId}-sessions`;
  const weeklyOut = `${appId}-weekly`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [sessionsOut, weeklyOut].map((t) => ({
      topic: t,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
    })),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-streams-'));
  const schemas = ['learning_event.v1.avsc', 'learning_event.v2.avsc'].map((f) => join(defaultSchemasDir, f));
  const proc = spawn(
    'java',
    [
      '-Xmx1g',
      '-cp',
      kafkaStreamsClasspath(),
      'dev.learnstream.bench.LearningWindowsApp',
      ...['--bootstrap', brokers.join(','), '--input', topic.topic, '--app-id', appId],
      ...['--sessions-out', sessionsOut, '--weekly-out', weeklyOut, '--schemas', schemas.join(',')],
      ...[
        '--gap-ms',
        String(windows.gapMs),
        '--grace-ms',
        String(windows.graceMs),
        '--idle-ms',
        String(windows.idleMs),
      ],
      ...['--state-dir', stateDir, '--threads', '1', '--commit-ms', process.env.BENCH_STREAMS_COMMIT_MS ?? '100'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let startedAt: number | undefined;
  let stderr = '';
  let exited = false;
  proc.stdout.on('data', (d: Buffer) => {
    const m = /START (\d+)/.exec(d.toString());
    if (m) startedAt = Number(m[1]);
  });
  proc.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  proc.on('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  const check = () => {
    if (exited) throw new LearnstreamError(BenchMeasurementFailed, `Kafka Streams app exited: ${stderr}`);
    if (Date.now() > deadline) throw new LearnstreamError(BenchTimeout, 'Kafka Streams app did not complete');
    return new Promise((r) => setTimeout(r, 100));
  };
  const outputEnds = async () =>
    Promise.all([sessionsOut, weeklyOut].map(async (t) => Number((await admin.fetchTopicOffsets(t))[0]?.high ?? 0)));
  try {
    for (;;) {
      await check();
      const input = await committedOffsets(kafka, appId, topic.topic);
      if (topic.endOffsets.every((end, p) => (input.get(p) ?? -1) >= end)) break;
    }
    // Suppressed windows and the repartitioned counts trail the input commit: wait until the outputs are still.
    let last = await outputEnds();
    let stillSince = Date.now();
    while (Date.now() - stillSince < settleMs) {
      await check();
      const now = await outputEnds();
      if (now.some((n, i) => n !== last[i])) {
        last = now;
        stillSince = Date.now();
      }
    }
    const lastAppendMs = Math.max(
      ...(await Promise.all([sessionsOut, weeklyOut].map((t) => lastAppendTime(kafka, t)))),
    );
    const seconds = (lastAppendMs - (startedAt ?? lastAppendMs)) / 1000;
    return {
      records: topic.records,
      seconds,
      recordsPerSecond: topic.records / seconds,
      sessions: last[0] ?? 0,
      weeklyUpdates: last[1] ?? 0,
      gapMs: windows.gapMs,
      graceMs: windows.graceMs,
    };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (exited ? r(undefined) : proc.once('exit', r)));
    await admin.disconnect();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

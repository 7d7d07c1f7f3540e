// Baseline "Flink": the reference job in bench/peers/flink (same decode,
// session gap, grace and cap, per-tenant weekly active counts) on the same
// topic, in local execution with parallelism = cores and a checkpoint every
// learnstream checkpoint interval. Its source is bounded at the log end it
// finds, so the job finishes by itself once every result is written. Timed
// as the Kafka Streams app: from the first record it decodes to the broker's
// append time (LogAppendTime) of the last record in its output topics, read
// after the job has finished; startup (JVM start to the first record) apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LearnstreamError } from '../../src/core/errors.js';
import { type BenchTopic, kafkaClient } from '../data.js';
import { BenchMeasurementFailed } from '../errors.js';
import { flinkClasspath } from '../peers.js';
import type { PeerRun, PeerSettings } from '../report/model.js';
import { startJavaPeer } from './java-peer.js';
import { createOutputTopics, lastResultDurableMs, topicEnds } from './peer-output.js';
import { peerRun, peerSchemas } from './peer-run.js';

export async function measureFlink(
  brokers: string[],
  topic: BenchTopic,
  jobId: string,
  settings: PeerSettings,
  timeoutMs: number,
): Promise<PeerRun> {
  const kafka = kafkaClient(brokers, 'bench-flink-watch');
  const outputs = [`${jobId}-sessions`, `${jobId}-weekly`];
  const admin = kafka.admin();
  await admin.connect();
  await createOutputTopics(admin, outputs);
  const checkpointDir = mkdtempSync(join(tmpdir(), 'learnstream-bench-flink-'));
  const peer = startJavaPeer(
    'Flink job',
    'dev.learnstream.bench.LearningWindowsJob',
    flinkClasspath(),
    [
      ...['--bootstrap', brokers.join(','), '--input', topic.topic, '--group', jobId],
      ...['--sessions-out', outputs[0] as string, '--weekly-out', outputs[1] as string, '--schemas', peerSchemas()],
      ...['--gap-ms', String(settings.gapMs), '--grace-ms', String(settings.graceMs)],
      ...['--cap-ms', String(settings.capMs), '--idle-ms', String(settings.idleMs)],
      ...['--parallelism', String(settings.parallelism), '--checkpoint-ms', String(settings.commitMs)],
      ...['--checkpoint-dir', checkpointDir],
    ],
    timeoutMs,
  );
  try {
    while (peer.exitCode === undefined) await peer.tick(true);
    if (!peer.marks.has('DONE')) {
      throw new LearnstreamError(BenchMeasurementFailed, `Flink job exited (code ${peer.exitCode}) before DONE`);
    }
    const counts = await topicEnds(admin, outputs);
    return peerRun(topic, settings, peer.marks, await lastResultDurableMs(kafka, outputs), counts);
  } finally {
    await peer.stop();
    await admin.disconnect();
    rmSync(checkpointDir, { recursive: true, force: true });
  }
}

// Baseline "broker limit": Kafka's own kafka-consumer-perf-test
// (org.apache.kafka.tools.ConsumerPerformance) consuming the whole topic with
// a fresh group. Its fetch rate (the tool's figure without the group join,
// which on a fresh broker includes the JVM client's rebalance wait) is the
// ceiling any client on this machine sees; the rate with the join is kept too.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchTopic } from '../data.js';
import { kafkaToolsClasspath } from '../peers.js';

export interface BrokerLimitResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  /** The tool's figure including the group join and rebalance. */
  withJoinRecordsPerSecond: number;
}

export async function measureBrokerLimit(
  brokers: string[],
  topic: BenchTopic,
  group: string,
): Promise<BrokerLimitResult> {
  const { stdout } = await promisify(execFile)(
    'java',
    [
      '-Xmx512m',
      '-cp',
      kafkaToolsClasspath(),
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      brokers.join(','),
      '--topic',
      topic.topic,
      '--messages',
      String(topic.records),
      '--group',
      group,
      '--timeout',
      '60000',
    ],
    { maxBuffer: 1 << 20, timeout: 300_000 },
  );
  const lines = stdout.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const names = (lines[header] ?? '').split(',').map((s) => s.trim());
  const values = (lines[header + 1] ?? '').split(',').map((s) => s.trim());
  const field = (name: string) => Number(values[names.indexOf(name)]);
  const records = field('data.consumed.in.nMsg');
  const perSecond = field('fetch.nMsg.sec');
  return {
    records,
    seconds: records / perSecond,
    recordsPerSecond: perSecond,
    mbPerSecond: field('fetch.MB.sec'),
    withJoinRecordsPerSecond: field('nMsg.sec'),
  };
}

// Machine facts of a run: cores, CPU, memory, Node, Java, and the versions of
// the Kafka broker, tools, Kafka Streams, Flink and both ClickHouse engines.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { kafkaVersion } from '../../src/services/index.js';
import { flinkVersion, kafkaStreamsVersion, kafkaToolsVersion } from '../peers.js';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  loadAverage1m: number;
  node: string;
  java: string;
  kafkaBroker: string;
  kafkaTools: string;
  kafkaStreams: string;
  /** Absent in reports before the Flink peer. */
  flink?: string;
  clickhouseServer: string;
  chdb: string;
}

function javaVersion(): string {
  try {
    // java -version writes to stderr.
    const out = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' });
    return /version "([^"]+)"/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineFacts(clickhouse: { server: string; chdb: string }): MachineFacts {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${process.arch}`,
    loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
    node: process.version,
    java: javaVersion(),
    kafkaBroker: kafkaVersion(),
    kafkaTools: kafkaToolsVersion(),
    kafkaStreams: kafkaStreamsVersion(),
    flink: flinkVersion(),
    clickhouseServer: clickhouse.server,
    chdb: clickhouse.chdb,
  };
}

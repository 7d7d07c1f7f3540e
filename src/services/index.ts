// Local real services (Kafka broker, ClickHouse server) for development, tests
// and benchmarks: `learnstream services up|down|status`, and an ephemeral set
// the test harness starts and stops around a run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ClickHouseService, startClickHouse } from './clickhouse.js';
import { type KafkaService, startKafka } from './kafka.js';
import { isAlive, stopProcess } from './process.js';

export { type ClickHouseService, clickhouseServerBinary, startClickHouse } from './clickhouse.js';
export { ensureKafkaJars, type KafkaService, kafkaVersion, startKafka } from './kafka.js';
export { freePort, pollUntil, portOpen } from './ports.js';
export { isAlive, killGroup, stopProcess } from './process.js';

export interface RunningServices {
  kafka: KafkaService;
  clickhouse: ClickHouseService;
  baseDir: string;
}

/** Starts both services in a fresh temp dir; `stop` kills them and removes the dir. */
export async function startEphemeralServices(): Promise<RunningServices & { stop: () => Promise<void> }> {
  const baseDir = mkdtempSync(join(tmpdir(), 'learnstream-services-'));
  const [kafka, clickhouse] = await Promise.all([
    startKafka(join(baseDir, 'kafka')),
    startClickHouse(join(baseDir, 'clickhouse')),
  ]);
  return {
    kafka,
    clickhouse,
    baseDir,
    stop: async () => {
      await Promise.all([stopProcess(kafka.pid, 15_000), stopProcess(clickhouse.pid, 15_000)]);
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

const stateDir = () => resolve(process.env.LEARNSTREAM_SERVICES_DIR ?? '.learnstream/services');
const stateFile = () => join(stateDir(), 'state.json');

function readState(): RunningServices | undefined {
  if (!existsSync(stateFile())) return undefined;
  return JSON.parse(readFileSync(stateFile(), 'utf8')) as RunningServices;
}

export interface ServicesStatus {
  running: boolean;
  kafka?: { brokers: string; pid: number; alive: boolean };
  clickhouse?: { url: string; pid: number; alive: boolean };
  env?: Record<string, string>;
}

export function servicesStatus(): ServicesStatus {
  const state = readState();
  if (!state) return { running: false };
  const kAlive = isAlive(state.kafka.pid);
  const cAlive = isAlive(state.clickhouse.pid);
  return {
    running: kAlive && cAlive,
    kafka: { brokers: state.kafka.brokers, pid: state.kafka.pid, alive: kAlive },
    clickhouse: { url: state.clickhouse.url, pid: state.clickhouse.pid, alive: cAlive },
    env: { KAFKA_BROKERS: state.kafka.brokers, CLICKHOUSE_URL: state.clickhouse.url },
  };
}

/** Starts detached services that outlive this process; state goes to .learnstream/services. */
export async function servicesUp(): Promise<ServicesStatus> {
  const current = servicesStatus();
  if (current.running) return current;
  await servicesDown();
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  const [kafka, clickhouse] = await Promise.all([
    startKafka(join(dir, 'kafka'), { detached: true }),
    startClickHouse(join(dir, 'clickhouse'), { detached: true }),
  ]);
  writeFileSync(stateFile(), JSON.stringify({ kafka, clickhouse, baseDir: dir }, null, 2));
  return servicesStatus();
}

export async function servicesDown(): Promise<void> {
  const state = readState();
  if (state) await Promise.all([stopProcess(state.kafka.pid, 15_000), stopProcess(state.clickhouse.pid, 15_000)]);
  rmSync(stateDir(), { recursive: true, force: true });
}

// A real Apache Kafka broker (KRaft, single node) run with the machine's JDK
// from the jars Maven resolves in deploy/local/kafka. Loopback, free ports,
// data in a directory of the caller's choosing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LearnstreamError, ServiceStartFailed } from '../core/errors.js';
import { freePort, pollUntil, portOpen } from './ports.js';
import { spawnService } from './process.js';

const here = fileURLToPath(new URL('.', import.meta.url));
export const kafkaPomDir = resolve(here, '../../deploy/local/kafka');
export const kafkaLibDir = join(kafkaPomDir, 'target/libs');

/** Resolves the broker jars with Maven when they are not there yet. */
export function ensureKafkaJars(): string {
  const has = existsSync(kafkaLibDir) && readdirSync(kafkaLibDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (!has) {
    execFileSync('mvn', ['-q', '-B', 'dependency:copy-dependencies'], { cwd: kafkaPomDir, stdio: 'inherit' });
  }
  return kafkaLibDir;
}

export function kafkaVersion(): string {
  const jar = readdirSync(ensureKafkaJars()).find((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  return jar?.replace(/^kafka_2\.13-|\.jar$/g, '') ?? 'unknown';
}

export interface KafkaService {
  brokers: string;
  port: number;
  controllerPort: number;
  pid: number;
  dataDir: string;
  logFile: string;
}

/**
 * Starts a broker with its data in `dir`. Given the ports (and the directory)
 * of a broker stopped earlier, it starts that broker again at the same address
 * with its log intact: the storage is formatted only the first time.
 */
export async function startKafka(
  dir: string,
  opts: { detached?: boolean; timeoutMs?: number; port?: number; controllerPort?: number } = {},
): Promise<KafkaService> {
  const libs = ensureKafkaJars();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const port = opts.port ?? (await freePort());
  let controllerPort = opts.controllerPort ?? (await freePort());
  while (controllerPort === port) controllerPort = await freePort();
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'auto.create.topics.enable=true',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=4',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'log.flush.interval.messages=9223372036854775807',
      '',
    ].join('\n'),
  );
  const cp = `${libs}/*`;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin/java') : 'java';
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    const clusterId = execFileSync(java, ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() as string;
    execFileSync(java, ['-cp', cp, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', props], {
      stdio: 'ignore',
    });
  }
  const logFile = join(dir, 'kafka.log');
  const { pid } = spawnService(
    java,
    ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-Djava.awt.headless=true', '-cp', cp, 'kafka.Kafka', props],
    { logFile, detached: opts.detached },
  );
  const ok = await pollUntil(() => portOpen(port), opts.timeoutMs ?? 60_000, 250);
  if (!ok) throw new LearnstreamError(ServiceStartFailed, `Kafka did not listen on ${port}; see ${logFile}`);
  return { brokers: `127.0.0.1:${port}`, port, controllerPort, pid, dataDir: dir, logFile };
}

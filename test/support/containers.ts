// testcontainers path of the harness, used only when a Docker engine answers.
import { request } from 'node:http';

export function dockerAvailable(): Promise<boolean> {
  const socketPath = process.env.DOCKER_HOST?.startsWith('unix://')
    ? process.env.DOCKER_HOST.slice('unix://'.length)
    : '/var/run/docker.sock';
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export async function startContainers(want: { kafka: boolean; clickhouse: boolean }): Promise<{
  kafkaBrokers: string;
  clickhouseUrl: string;
  stop: () => Promise<void>;
}> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const stops: (() => Promise<unknown>)[] = [];
  let kafkaBrokers = '';
  let clickhouseUrl = '';
  if (want.kafka) {
    // Fixed host port so the advertised listener matches what clients dial.
    const { freePort } = await import('../../src/services/ports.js');
    const port = await freePort();
    const kafka = await new GenericContainer('apache/kafka:4.1.0')
      .withExposedPorts({ container: 9092, host: port })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    kafkaBrokers = `127.0.0.1:${port}`;
    stops.push(() => kafka.stop());
  }
  if (want.clickhouse) {
    const ch = await new GenericContainer('clickhouse/clickhouse-server:24.8')
      .withExposedPorts(8123)
      .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
      .withWaitStrategy(Wait.forHttp('/ping', 8123))
      .start();
    clickhouseUrl = `http://${ch.getHost()}:${ch.getMappedPort(8123)}`;
    stops.push(() => ch.stop());
  }
  return {
    kafkaBrokers,
    clickhouseUrl,
    stop: async () => {
      await Promise.all(stops.map((s) => s()));
    },
  };
}

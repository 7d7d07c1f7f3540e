// Vitest global setup: finds or starts the real services once per run.
// Order (DESIGN.md): KAFKA_BROKERS / CLICKHOUSE_URL from the environment →
// testcontainers when a Docker engine answers → the local services (Kafka
// broker from Maven jars, Debian clickhouse-server), stopped at the end.
import type { TestProject } from 'vitest/node';
import { dockerAvailable, startContainers } from './containers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    servicesOrigin: string;
  }
}

interface Started {
  kafkaBrokers: string;
  clickhouseUrl: string;
  origin: string;
  stop: () => Promise<void>;
}

const state = globalThis as unknown as { __lsServices?: Promise<Started>; __lsRefs?: number };

async function start(): Promise<Started> {
  const envKafka = process.env.KAFKA_BROKERS;
  const envClickHouse = process.env.CLICKHOUSE_URL;
  if (envKafka && envClickHouse) {
    return { kafkaBrokers: envKafka, clickhouseUrl: envClickHouse, origin: 'environment', stop: async () => {} };
  }
  if (await dockerAvailable()) {
    const c = await startContainers({ kafka: !envKafka, clickhouse: !envClickHouse });
    return {
      kafkaBrokers: envKafka ?? c.kafkaBrokers,
      clickhouseUrl: envClickHouse ?? c.clickhouseUrl,
      origin: 'testcontainers',
      stop: c.stop,
    };
  }
  const { startEphemeralServices } = await import('../../src/services/index.js');
  const s = await startEphemeralServices();
  return {
    kafkaBrokers: envKafka ?? s.kafka.brokers,
    clickhouseUrl: envClickHouse ?? s.clickhouse.url,
    origin: `local services in ${s.baseDir}`,
    stop: s.stop,
  };
}

export default async function setup(project: TestProject) {
  // Pure unit runs need no services; the root pseudo-project neither.
  const needsServices = project.name === 'integration' || project.name === 'e2e';
  if (!needsServices || process.env.LEARNSTREAM_TEST_SERVICES === 'none') {
    project.provide('kafkaBrokers', '');
    project.provide('clickhouseUrl', '');
    project.provide('servicesOrigin', 'none');
    return;
  }
  state.__lsServices ??= start();
  state.__lsRefs = (state.__lsRefs ?? 0) + 1;
  const s = await state.__lsServices;
  console.log(`[learnstream tests] Kafka ${s.kafkaBrokers}, ClickHouse ${s.clickhouseUrl} (${s.origin})`);
  project.provide('kafkaBrokers', s.kafkaBrokers);
  project.provide('clickhouseUrl', s.clickhouseUrl);
  project.provide('servicesOrigin', s.origin);
  return async () => {
    state.__lsRefs = (state.__lsRefs ?? 1) - 1;
    if (state.__lsRefs === 0 && state.__lsServices) {
      const running = await state.__lsServices;
      state.__lsServices = undefined;
      await running.stop();
    }
  };
}

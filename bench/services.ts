// The Kafka broker and ClickHouse server a benchmark run uses: the ones named
// by KAFKA_BROKERS / CLICKHOUSE_URL, or an ephemeral pair started here (so
// `npm run bench` works on a fresh machine) and stopped at the end.
import { startEphemeralServices } from '../src/services/index.js';

export interface BenchServices {
  brokers: string[];
  clickhouseUrl: string;
  started: boolean;
  stop(): Promise<void>;
}

export async function benchServices(): Promise<BenchServices> {
  const brokers = process.env.KAFKA_BROKERS;
  const url = process.env.CLICKHOUSE_URL;
  if (brokers && url) {
    return { brokers: brokers.split(','), clickhouseUrl: url, started: false, stop: async () => {} };
  }
  const services = await startEphemeralServices();
  return {
    brokers: [services.kafka.brokers],
    clickhouseUrl: services.clickhouse.url,
    started: true,
    stop: () => services.stop(),
  };
}

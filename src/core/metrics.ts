// The process-wide Prometheus registry. Every subsystem registers its metrics
// here (one `learnstream_` prefix, base units, bounded labels); the API serves
// it at /metrics. Kept in core so ingest and processors never import the API.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
let defaultsOn = false;

export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'learnstream_' });
}

type Cfg<T extends string> = { name: string; help: string; labelNames?: readonly T[] };

function existing<M>(name: string): M | undefined {
  return metricsRegistry.getSingleMetric(name) as M | undefined;
}

/** Idempotent: the same name returns the same metric (tests build many pipelines per process). */
export function counter<T extends string = string>(cfg: Cfg<T>): Counter<T> {
  return existing<Counter<T>>(cfg.name) ?? new Counter<T>({ ...cfg, registers: [metricsRegistry] });
}

export function gauge<T extends string = string>(cfg: Cfg<T>): Gauge<T> {
  return existing<Gauge<T>>(cfg.name) ?? new Gauge<T>({ ...cfg, registers: [metricsRegistry] });
}

export function histogram<T extends string = string>(cfg: Cfg<T> & { buckets?: number[] }): Histogram<T> {
  return existing<Histogram<T>>(cfg.name) ?? new Histogram<T>({ ...cfg, registers: [metricsRegistry] });
}

// The process-wide Prometheus registry. Every subsystem registers its metrics
// here (one `learnstream_` prefix, base units, bounded labels); the API serves
// it at /metrics. Kept in core so ingest and processors never import the API.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
let defaultsOn = false;

export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'learnstream_' });
  enableEventLoopDelayMetric();
}

let loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;

/**
 * `learnstream_event_loop_delay_seconds{stat="p50"|"p99"|"max"}`: the event-loop
 * delay since the previous scrape, from perf_hooks.monitorEventLoopDelay (10 ms
 * resolution). A long synchronous step (a day close, a checkpoint capture, a
 * restore) shows as a large max, and the consumer's heartbeats are late by as
 * much. Started and registered once per process; idempotent.
 */
export function enableEventLoopDelayMetric(): void {
  if (loopDelay) return;
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  loopDelay = h;
  if (existing('learnstream_event_loop_delay_seconds')) return;
  new Gauge<'stat'>({
    name: 'learnstream_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape (p50, p99, max), from perf_hooks.monitorEventLoopDelay.',
    labelNames: ['stat'],
    registers: [metricsRegistry],
    collect() {
      // Nanoseconds; an interval without samples reports 0.
      const seconds = (ns: number) => (h.count > 0 && Number.isFinite(ns) ? ns / 1e9 : 0);
      this.set({ stat: 'p50' }, seconds(h.percentile(50)));
      this.set({ stat: 'p99' }, seconds(h.percentile(99)));
      this.set({ stat: 'max' }, seconds(h.max));
      h.reset();
    },
  });
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

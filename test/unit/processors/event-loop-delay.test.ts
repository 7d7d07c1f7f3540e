// The event-loop delay metric: registered once, and a synchronous stall shows
// in its max (lower bound only: the machine may add delay, never remove it).
import { describe, expect, it } from 'vitest';
import { enableEventLoopDelayMetric, metricsRegistry } from '../../../src/core/metrics.js';

async function stat(name: string): Promise<number | undefined> {
  const metric = await metricsRegistry.getSingleMetric('learnstream_event_loop_delay_seconds')?.get();
  return metric?.values.find((v) => v.labels.stat === name)?.value;
}

describe('learnstream_event_loop_delay_seconds', () => {
  it('reports p50, p99 and max, and a 150 ms stall in the max', async () => {
    enableEventLoopDelayMetric();
    enableEventLoopDelayMetric(); // idempotent
    await stat('max'); // resets the interval
    await new Promise((r) => setTimeout(r, 30));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // a synchronous step that blocks the loop
    }
    await new Promise((r) => setTimeout(r, 30));
    expect(await stat('max')).toBeGreaterThanOrEqual(0.1);
    expect(await stat('p50')).toBeGreaterThanOrEqual(0);
    expect(await stat('p99')).toBeGreaterThanOrEqual(0);
    const text = await metricsRegistry.metrics();
    expect(text.match(/^# TYPE learnstream_event_loop_delay_seconds gauge$/gm)).toHaveLength(1);
  });
});

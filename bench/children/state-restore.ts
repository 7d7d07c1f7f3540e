// Child process of the state-at-scale run, started after the run's process
// was killed with SIGKILL: restores every partition of the instance from
// ClickHouse, one after another as the pipeline does after an assignment
// (newest checkpoint loaded, applied part by part with event-loop yields),
// and reports how long that took and the memory it took.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClickHouseCheckpointStore, openServerStore } from '../../src/views/index.js';
import { childMain } from '../children.js';
import { type PartitionRestoreFigures, restorePartition } from '../state/instance-state.js';
import type { StateRestoreFigures } from '../state/model.js';

interface Input {
  partitions: number;
  clickhouseUrl: string;
  database: string;
  sliceMs: number;
  /** The offsets the run ended at, per partition. */
  offsets: (string | null)[];
}

childMain(async (input: Input): Promise<Omit<StateRestoreFigures, 'spawnToRestoredMs' | 'error'>> => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  const store = await openServerStore({
    url: input.clickhouseUrl,
    database: input.database,
    requestTimeoutMs: 600_000,
  });
  const checkpoints = new ClickHouseCheckpointStore(store);
  const partitions: PartitionRestoreFigures[] = [];
  // Kept alive until the memory is read: the restored instance is what this process holds.
  const restored: unknown[] = [];
  for (let p = 0; p < input.partitions; p++) {
    const { processor, figures } = await restorePartition(checkpoints, p, input.sliceMs);
    restored.push(processor);
    partitions.push(figures);
  }
  const restoreMs = performance.now() - started;
  loop.disable();
  await store.close();
  const memory = process.memoryUsage();
  return {
    partitions,
    restoreMs,
    loadMs: partitions.reduce((s, f) => s + f.loadMs, 0),
    applyMs: partitions.reduce((s, f) => s + f.applyMs, 0),
    rssBytes: memory.rss,
    heapBytes: memory.heapUsed,
    eventLoopDelayMaxMs: loop.max / 1e6,
    offsetsMatch: restored.length === input.partitions && partitions.every((f, i) => f.offset === input.offsets[i]),
  };
});

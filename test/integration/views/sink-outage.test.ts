// The sink survives a real ClickHouse server going away: a private
// clickhouse-server (not the shared one) is stopped for 10 s mid-stream and
// restarted on the same ports and data. Meanwhile the sink raises
// backpressure and the simulated pipeline stops consuming; afterwards every
// result is in ClickHouse exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import type { StampedResult } from '../../../src/processors/results.js';
import { type ClickHouseService, freePort, startClickHouse, stopProcess } from '../../../src/services/index.js';
import { ClickHouseSink, type ClickHouseStore, openServerStore, runMigrations } from '../../../src/views/index.js';
import { tempDir, uniqueName, waitFor } from '../../support/index.js';
import { MIN, session } from './fixtures.js';

const TOTAL = 6000;
const PARTITIONS = 3;

function result(i: number): StampedResult<'sessions'> {
  const partition = i % PARTITIONS;
  return {
    output: 'sessions',
    partition,
    seq: Math.floor(i / PARTITIONS) + 1,
    result: session({
      tenantId: 't1',
      learnerId: `learner-${i}`,
      start: new Date(Date.UTC(2026, 10, 2) + i * 1000).toISOString(),
      durationMs: MIN,
    }),
  };
}

describe('ClickHouseSink through a server outage [server]', () => {
  let server: ClickHouseService | undefined;
  let store: ClickHouseStore | undefined;
  afterAll(async () => {
    await store?.close();
    if (server) await stopProcess(server.pid);
  });

  it('loses nothing, duplicates nothing, and pauses consumption while the server is down', async () => {
    const dir = tempDir('learnstream-ch-outage-');
    const httpPort = await freePort();
    let tcpPort = await freePort();
    while (tcpPort === httpPort) tcpPort = await freePort();
    server = await startClickHouse(dir, { httpPort, tcpPort });
    store = await openServerStore({ url: server.url, database: uniqueName('outage'), requestTimeoutMs: 5000 });
    await runMigrations(store);
    const s = store;
    const count = async () =>
      (
        await s.query<{ rows: number; distinct: number }>(
          'SELECT count() AS rows, uniqExact(source_partition, seq) AS distinct FROM sessions',
        )
      )[0] as { rows: number; distinct: number };

    const sink = new ClickHouseSink(store, {
      maxBatchRows: 50,
      flushIntervalMs: 50,
      maxBufferedRows: 300,
      retryInitialMs: 100,
      retryMaxMs: 1000,
    });

    // The pipeline: consumes 20 results every 50 ms (about 400/s) and pauses whenever the sink asks.
    let consumed = 0;
    let pausedWhileDown = false;
    let serverDown = false;
    const pipeline = (async () => {
      while (consumed < TOTAL) {
        if (sink.needsBackpressure()) {
          if (serverDown) pausedWhileDown = true;
          await sink.whenWritable();
        }
        const chunk: StampedResult[] = [];
        for (let k = 0; k < 20 && consumed < TOTAL; k++) chunk.push(result(consumed++));
        sink.write(chunk);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await waitFor(async () => (await count()).rows >= 400, { message: 'first rows before the outage' });
    // SIGTERM, then SIGKILL after 2 s: 18.16 keeps serving open keep-alive connections while it shuts down.
    await stopProcess(server.pid, 2000);
    serverDown = true;
    const consumedAtStop = consumed;
    // The outage itself lasts 10 s of wall-clock time: that is the scenario under test.
    await new Promise((r) => setTimeout(r, 10_000));
    expect(sink.needsBackpressure()).toBe(true);
    expect(pausedWhileDown).toBe(true);
    // Consumption stopped once the buffer filled: at most the buffer bound plus one chunk got in.
    expect(consumed - consumedAtStop).toBeLessThanOrEqual(300 + 20);
    expect(consumed).toBeLessThan(TOTAL);

    server = await startClickHouse(dir, { httpPort, tcpPort });
    serverDown = false;
    await pipeline;
    await sink.flush();
    expect(await count()).toEqual({ rows: TOTAL, distinct: TOTAL });
    // Per partition, the highest seq is the last one stamped: TOTAL / PARTITIONS.
    for (let p = 0; p < PARTITIONS; p++) expect(await sink.highestSeq(p, 'sessions')).toBe(TOTAL / PARTITIONS);
    await sink.close();
  }, 120_000);
});

// GET /v1/pipeline/status: the engine's live figures (lag, watermarks) merged
// with what ClickHouse holds (dead letters by reason, late events by operator,
// checkpoint age per partition), for admins only.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PipelineStatus } from '../../../src/api/pipeline-status.js';
import type { LateEventResult } from '../../../src/processors/results.js';
import { type ClickHouseStore, formatDateTime, resultRow } from '../../../src/views/index.js';
import { deadLetterRow } from '../../../src/views/rows.js';
import { forEachStore, openTestStore } from '../../support/index.js';
import { loadFixture, startApi, type TestApi, testConfig, tokens } from './fixtures.js';

forEachStore('pipeline status', ({ engine }) => {
  let api: TestApi;
  let store: ClickHouseStore;
  const checkpointAt = Date.now() - 90_000;

  beforeAll(async () => {
    store = await openTestStore(engine);
    await loadFixture(store, []);
    const dl = (reason: string, offset: number) =>
      deadLetterRow({ atMs: Date.now(), reason, topic: 'events', partition: 0, offset, rawBase64: 'AA==' });
    await store.insert('dead_letters', [dl('decode_failed', 1), dl('decode_failed', 2), dl('invalid_field', 3)]);
    const late = (operator: LateEventResult['operator'], seq: number) =>
      resultRow({
        output: 'late_events',
        partition: 1,
        seq,
        result: {
          operator,
          watermarkMs: Date.UTC(2026, 10, 2, 12),
          event: {
            eventId: `e-${seq}`,
            tenantId: 'acme',
            learnerId: 'p-L1',
            occurredAt: Date.UTC(2026, 10, 1, 9),
            receivedAt: Date.UTC(2026, 10, 2, 12),
            source: 'lms',
            schemaVersion: 2,
            body: { kind: 'activity', category: 'page_view', action: 'opened', objectId: null, durationMs: null },
          },
        },
      });
    await store.insert('late_events', [late('sessions', 1), late('sessions', 2), late('mastery', 3)]);
    await store.insert('engine_checkpoint_parts', [
      {
        deployment: 'g',
        source_topic: 'events',
        source_partition: 0,
        version: 1,
        source_offset: '42',
        seqs: '{}',
        part_no: 0,
        parts: 1,
        data: '{}',
        owner_epoch: 0,
        owner: '',
        created_at: formatDateTime(new Date(checkpointAt)),
        created_at_ms: checkpointAt,
      },
    ]);
    const status: PipelineStatus = {
      engineWatermarkMs: Date.UTC(2026, 10, 2, 12),
      partitions: [
        { partition: 0, lag: 3, watermarkMs: Date.UTC(2026, 10, 2, 12), idle: false },
        { partition: 1, lag: 0, watermarkMs: null, idle: true },
      ],
      lastClosedWindows: [{ output: 'sessions', partition: 0, seq: 17, windowEndMs: Date.UTC(2026, 10, 2, 11) }],
    };
    api = await startApi(store, testConfig(), { pipelineStatus: () => status });
  });
  afterAll(async () => {
    await api.close();
    await store.close();
  });

  it('reports lag, watermarks, last windows, checkpoint age, dead letters and late events', async () => {
    const res = await api.app.inject({
      method: 'GET',
      url: '/v1/pipeline/status',
      headers: { authorization: `Bearer ${await tokens.admin()}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.deadLetters).toEqual({ total: 3, byReason: { decode_failed: 2, invalid_field: 1 } });
    expect(body.lateEvents).toEqual({ total: 3, byOperator: { mastery: 1, sessions: 2 } });
    expect(body.partitions[0]).toMatchObject({ partition: 0, lag: 3, idle: false });
    // Checkpoint written 90 s before the test started: its age is at least that, and not much more.
    expect(body.partitions[0].checkpointAgeSeconds).toBeGreaterThanOrEqual(90);
    expect(body.partitions[0].checkpointAgeSeconds).toBeLessThan(200);
    expect(body.partitions[1]).toEqual({
      partition: 1,
      lag: 0,
      watermarkMs: null,
      idle: true,
      checkpointAgeSeconds: null,
    });
    expect(body.lastClosedWindows).toEqual([
      { output: 'sessions', partition: 0, seq: 17, windowEndMs: Date.UTC(2026, 10, 2, 11) },
    ]);
  });
});

// ClickHouseCheckpointStore on both engines: the newest version per
// (group, topic, partition) wins, whatever order the saves arrived in, and the
// state text comes back byte for byte.
import { expect, it } from 'vitest';
import type { PartitionCheckpoint } from '../../../src/processors/state/checkpoint-store.js';
import { ClickHouseCheckpointStore, formatDateTime, runMigrations } from '../../../src/views/index.js';
import { forEachStore } from '../../support/index.js';

function checkpoint(
  p: Partial<PartitionCheckpoint> & Pick<PartitionCheckpoint, 'partition' | 'version'>,
): PartitionCheckpoint {
  return {
    group: 'engine',
    topic: 'learnstream.events',
    offset: String(p.version * 100),
    seqs: { sessions: p.version, mastery: 2 * p.version, weekly_active: 0, late_events: 1 },
    parts: [JSON.stringify({ v: p.version })],
    createdAtMs: 1_790_000_000_000 + p.version,
    ...p,
  };
}

forEachStore('ClickHouseCheckpointStore', ({ newStore }) => {
  it('returns the newest version per partition and nothing for an unknown one', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    expect(await cps.load('engine', 'learnstream.events', 0)).toBeUndefined();

    await cps.save(checkpoint({ partition: 0, version: 1 }));
    await cps.save(checkpoint({ partition: 0, version: 3 }));
    await cps.save(checkpoint({ partition: 0, version: 2 })); // late write of an older version
    await cps.save(checkpoint({ partition: 1, version: 7 }));
    await cps.save(checkpoint({ partition: 0, version: 9, group: 'other-group' }));

    expect(await cps.load('engine', 'learnstream.events', 0)).toEqual(checkpoint({ partition: 0, version: 3 }));
    expect(await cps.load('engine', 'learnstream.events', 1)).toEqual(checkpoint({ partition: 1, version: 7 }));
    expect((await cps.load('other-group', 'learnstream.events', 0))?.version).toBe(9);
    expect(await cps.load('engine', 'other-topic', 0)).toBeUndefined();
  });

  it('keeps state text with quotes, backslashes, newlines and unicode intact', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    const state = JSON.stringify({ s: 'it\'s a \\ "quote"\nnext line \u0000 \u00e9 \u{1F600}', n: [1, 2, 3] });
    await cps.save(checkpoint({ partition: 4, version: 1, parts: [state, '{"k":2}'], offset: '18446744073709551615' }));
    const loaded = await cps.load('engine', 'learnstream.events', 4);
    expect(loaded?.parts).toEqual([state, '{"k":2}']);
    expect(loaded?.offset).toBe('18446744073709551615');
  });

  it('reads a state written before parts (one JSON object) as a single part', async () => {
    const store = await newStore();
    await runMigrations(store);
    const state = '{"version":1,"watermark":{"maxEventTime":null}}';
    await store.insert('engine_checkpoints', [
      {
        group_id: 'engine',
        topic: 'learnstream.events',
        source_partition: 5,
        source_offset: '7',
        seqs: '{}',
        state,
        version: 1,
        created_at: formatDateTime(new Date(1_790_000_000_000)),
        created_at_ms: 1_790_000_000_000,
      },
    ]);
    const loaded = await new ClickHouseCheckpointStore(store).load('engine', 'learnstream.events', 5);
    expect(loaded?.parts).toEqual([state]);
  });
});

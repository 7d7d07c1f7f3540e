// ClickHouseCheckpointStore on both engines: the newest version per
// (group, topic, partition) wins, whatever order the saves arrived in, and the
// state text comes back byte for byte.
import { expect, it } from 'vitest';
import type { PartitionCheckpoint } from '../../../src/processors/state/checkpoint-store.js';
import { CHAIN_SPAN_MAX } from '../../../src/processors/state/checkpoint-store.js';
import { CHAIN_SLOTS } from '../../../src/views/checkpoints.js';
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

    expect(await cps.load('engine', 'learnstream.events', 0)).toEqual({
      ...checkpoint({ partition: 0, version: 3 }),
      kind: 'full',
      base: 3,
    });
    expect(await cps.load('engine', 'learnstream.events', 1)).toEqual({
      ...checkpoint({ partition: 1, version: 7 }),
      kind: 'full',
      base: 7,
    });
    expect((await cps.load('other-group', 'learnstream.events', 0))?.version).toBe(9);
    expect(await cps.load('engine', 'other-topic', 0)).toBeUndefined();
  });

  it('loads a chain: the newest full checkpoint and every delta after it, never an older chain', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    const load = () => cps.load('engine', 'learnstream.events', 2);
    await cps.save(checkpoint({ partition: 2, version: 1, parts: ['f1a', 'f1b', 'f1c'] }));
    await cps.save(
      checkpoint({ partition: 2, version: 2, kind: 'delta', base: 1, parts: ['d2a', 'd2b', 'd2c', 'd2d'] }),
    );
    await cps.save(checkpoint({ partition: 2, version: 3, kind: 'delta', base: 1, parts: ['d3a'] }));
    expect(await load()).toEqual({
      ...checkpoint({ partition: 2, version: 3 }),
      kind: 'delta',
      base: 1,
      parts: ['f1a', 'f1b', 'f1c', 'd2a', 'd2b', 'd2c', 'd2d', 'd3a'],
    });

    // A new chain, with fewer parts than the old one: the old rows linger until a merge replaces them.
    await cps.save(checkpoint({ partition: 2, version: 4, parts: ['f4a'] }));
    await cps.save(checkpoint({ partition: 2, version: 5, kind: 'delta', base: 4, parts: ['d5a', 'd5b'] }));
    await store.command('OPTIMIZE TABLE engine_checkpoint_versions FINAL');
    const loaded = await load();
    expect(loaded?.parts).toEqual(['f4a', 'd5a', 'd5b']);
    expect({ version: loaded?.version, base: loaded?.base, offset: loaded?.offset }).toEqual({
      version: 5,
      base: 4,
      offset: '500',
    });
  });

  it('loads from the start of a rewrite once its end names it, and never reuses the slot of a chain version', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    const load = () => cps.load('engine', 'learnstream.events', 4);
    const delta = (version: number, base: number, parts: string[]) =>
      cps.save(checkpoint({ partition: 4, version, kind: 'delta', base, parts }));
    await cps.save(checkpoint({ partition: 4, version: 1, parts: ['f1'] }));
    await delta(2, 1, ['d2']);
    await delta(3, 1, ['r3']); // a rewrite starts: the restore point stays v1 until it ends
    await delta(4, 1, ['r4']);
    expect((await load())?.parts).toEqual(['f1', 'd2', 'r3', 'r4']);
    await delta(5, 3, ['r5']); // the rewrite ends: restore reads from its start
    await delta(6, 3, ['d6']);
    await store.command('OPTIMIZE TABLE engine_checkpoint_versions FINAL');
    const loaded = await load();
    expect(loaded?.parts).toEqual(['r3', 'r4', 'r5', 'd6']);
    expect({ version: loaded?.version, base: loaded?.base, kind: loaded?.kind }).toEqual({
      version: 6,
      base: 3,
      kind: 'delta',
    });
    // Versions CHAIN_SLOTS apart share a slot: the newer replaces the older once merged.
    await cps.save(checkpoint({ partition: 4, version: 1 + CHAIN_SLOTS, parts: ['far'] }));
    await store.command('OPTIMIZE TABLE engine_checkpoint_versions FINAL');
    expect((await load())?.parts).toEqual(['far']);
    const left = await store.query<{ n: number | string }>(
      'SELECT count() AS n FROM engine_checkpoint_versions WHERE source_partition = 4 AND version = 1',
    );
    expect(Number(left[0]?.n)).toBe(0);
    // A chain longer than CHAIN_SPAN_MAX is refused: its versions could share slots.
    await expect(delta(1 + CHAIN_SLOTS + CHAIN_SPAN_MAX, 1 + CHAIN_SLOTS, ['x'])).rejects.toThrow(/not a chain/);
  });

  it('loads a chain of the older table (migration 005) and continues it with a full checkpoint', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    // Before rewrites (and this table) the slot was version − full version: v7 (full) in slot 0, v8 in slot 1.
    const row = (version: number, kind: string, slot: number, data: string) => ({
      deployment: 'engine',
      source_topic: 'learnstream.events',
      source_partition: 8,
      version,
      base_version: 7,
      slot,
      kind,
      source_offset: String(version * 100),
      seqs: '{}',
      part_no: 0,
      parts: 1,
      data,
      owner_epoch: 0,
      owner: '',
      created_at: formatDateTime(new Date(1_790_000_000_000)),
      created_at_ms: 1_790_000_000_000,
    });
    await store.insert('engine_checkpoint_chain', [row(7, 'full', 0, 'f7'), row(8, 'delta', 1, 'd8')]);
    const loaded = await cps.load('engine', 'learnstream.events', 8);
    expect({ parts: loaded?.parts, version: loaded?.version, base: loaded?.base }).toEqual({
      parts: ['f7', 'd8'],
      version: 8,
      base: undefined,
    });
  });

  it('loads a chain in pages of parts, in order, as one sequence', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store, 4); // 4 parts per query
    const full = Array.from({ length: 10 }, (_, i) => `{"full":${i}}`);
    const delta = Array.from({ length: 7 }, (_, i) => `{"delta":${i}}`);
    await cps.save(checkpoint({ partition: 6, version: 20, parts: full }));
    await cps.save(checkpoint({ partition: 6, version: 21, kind: 'delta', base: 20, parts: delta }));
    await cps.save(checkpoint({ partition: 6, version: 22, kind: 'delta', base: 20, parts: [] })); // nothing changed
    const loaded = await cps.load('engine', 'learnstream.events', 6);
    expect(loaded?.parts).toEqual([...full, ...delta]);
    expect({ version: loaded?.version, base: loaded?.base, kind: loaded?.kind }).toEqual({
      version: 22,
      base: 20,
      kind: 'delta',
    });
  });

  it('stops a chain at a gap, refuses a delta without its base, and reads checkpoints written before chains', async () => {
    const store = await newStore();
    await runMigrations(store);
    const cps = new ClickHouseCheckpointStore(store);
    await cps.save(checkpoint({ partition: 3, version: 10, parts: ['f10'] }));
    await cps.save(checkpoint({ partition: 3, version: 11, kind: 'delta', base: 10, parts: ['d11'] }));
    await cps.save(checkpoint({ partition: 3, version: 13, kind: 'delta', base: 10, parts: ['d13'] })); // v12 never landed
    const loaded = await cps.load('engine', 'learnstream.events', 3);
    expect({ version: loaded?.version, parts: loaded?.parts }).toEqual({ version: 11, parts: ['f10', 'd11'] });
    await expect(cps.save(checkpoint({ partition: 3, version: 14, kind: 'delta', parts: ['x'] }))).rejects.toThrow(
      /not a chain/,
    );

    // Migration 004's table: a full state, no base (so the engine's next checkpoint starts a chain).
    await store.insert('engine_checkpoint_parts', [
      {
        deployment: 'engine',
        source_topic: 'learnstream.events',
        source_partition: 5,
        version: 4,
        source_offset: '400',
        seqs: '{"sessions":4}',
        part_no: 0,
        parts: 1,
        data: '{"old":true}',
        owner_epoch: 0,
        owner: '',
        created_at: formatDateTime(new Date(1_790_000_000_000)),
        created_at_ms: 1_790_000_000_000,
      },
    ]);
    const old = await cps.load('engine', 'learnstream.events', 5);
    expect({ version: old?.version, base: old?.base, kind: old?.kind, parts: old?.parts, offset: old?.offset }).toEqual(
      {
        version: 4,
        base: undefined,
        kind: undefined,
        parts: ['{"old":true}'],
        offset: '400',
      },
    );
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

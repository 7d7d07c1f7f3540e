// The pipeline's rules for a partition's chain: full only to start one, the
// restore point each version names, a rewrite's end naming its start.
import { describe, expect, it } from 'vitest';
import { CheckpointChain } from '../../../src/engine/checkpoint-chain.js';
import { CHAIN_SPAN_MAX } from '../../../src/processors/index.js';

const rules = { maxDeltas: 3, rewriteSlice: 10 };

describe('CheckpointChain', () => {
  it('starts with a full checkpoint, then names its restore point until a rewrite ends', () => {
    const chain = new CheckpointChain(rules, 0, undefined);
    expect(chain.options()).toMatchObject({ full: true, maxDeltas: 3, rewriteSlice: 10 });
    const steps = [
      { kind: 'full', chars: 1_000 },
      { kind: 'delta', chars: 10 },
      { kind: 'delta', rewrite: 'start', chars: 400 },
      { kind: 'delta', rewrite: 'step', chars: 400 },
      { kind: 'delta', rewrite: 'end', chars: 300 },
      { kind: 'delta', chars: 10 },
    ] as const;
    const named: [number, number | undefined][] = [];
    for (const step of steps) {
      const { version, base } = chain.next(step);
      named.push([version, base]);
      chain.landed(step);
      expect(chain.options().full).toBe(false);
    }
    // v1 full; v2..v4 on it; v5 ends the rewrite begun at v3, which every later version names.
    expect(named).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 3],
      [6, 3],
    ]);
    expect(chain.restorePoint).toBe(3);
  });

  it('asks for a rewrite once the deltas since the restore point outgrow the state', () => {
    const chain = new CheckpointChain(rules, 0, undefined);
    chain.landed({ kind: 'full', chars: 100 });
    chain.landed({ kind: 'delta', chars: 60 });
    expect(chain.options().compact).toBe(false);
    chain.landed({ kind: 'delta', chars: 60 });
    expect(chain.options().compact).toBe(true);
    // A rewrite done in one delta: it is the restore point and stands for the state; the deltas after it
    // outgrow it once they are as large again (a rewrite after every checkpoint would be a full one).
    expect(chain.next({ kind: 'delta', rewrite: 'whole', chars: 90 })).toEqual({ version: 4, base: 4 });
    chain.landed({ kind: 'delta', rewrite: 'whole', chars: 90 });
    expect(chain.restorePoint).toBe(4);
    chain.landed({ kind: 'delta', chars: 50 });
    expect(chain.options().compact).toBe(false);
    chain.landed({ kind: 'delta', chars: 50 });
    expect(chain.options().compact).toBe(true);
  });

  it('continues a loaded chain, abandons a rewrite whose save failed, and starts over when a chain grows too long', () => {
    const loaded = new CheckpointChain(rules, 41, 30);
    expect(loaded.options()).toMatchObject({ full: false, compact: false });
    expect(loaded.next({ kind: 'delta', rewrite: 'start', chars: 5 })).toEqual({ version: 42, base: 30 });
    loaded.landed({ kind: 'delta', rewrite: 'start', chars: 5 });
    loaded.lost();
    // The rewrite that began at v42 is gone: an 'end' now cannot name it.
    expect(loaded.next({ kind: 'delta', rewrite: 'end', chars: 5 }).base).toBeUndefined();

    const long = new CheckpointChain(rules, 30 + CHAIN_SPAN_MAX - 2, 30);
    expect(long.options().full).toBe(false);
    long.landed({ kind: 'delta', chars: 1 });
    expect(long.options().full).toBe(true);
    expect(new CheckpointChain(rules, 7, undefined).options().full).toBe(true);
  });
});

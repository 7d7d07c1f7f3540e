// Keys collected in arrival order, handed out in sorted order without one big
// sort: every RUN_LENGTH new keys the tail is sorted into a run (a bounded
// step, paid as keys arrive), and the sorted order is a lazy k-way merge of
// the runs, one key per step. Duplicates (a key added again) come out once.
// Keys are strings (compared by code unit) or anything with a comparison
// that must not change while the key is in the runs.
import { compareStrings } from '../operators/operator.js';

/** Keys per sorted run: sorting this many strings takes a few milliseconds. */
export const RUN_LENGTH = 4096;

export class SortedRuns<K = string> {
  private runs: ArrayLike<K>[] = [];
  private tail: K[] = [];

  /** `pack` may store a sorted run more compactly (an Int32Array of record indexes, say). */
  constructor(
    private readonly compare: (a: K, b: K) => number = compareStrings as (a: K, b: K) => number,
    private readonly pack: (run: K[]) => ArrayLike<K> = (run) => run,
  ) {}

  add(key: K): void {
    this.tail.push(key);
    if (this.tail.length >= RUN_LENGTH) {
      this.runs.push(this.pack(this.tail.sort(this.compare)));
      this.tail = [];
    }
  }

  get size(): number {
    return this.runs.length * RUN_LENGTH + this.tail.length;
  }

  /** Every key added, ascending, each once. The runs must not change while iterating. */
  *sorted(): Generator<K> {
    const compare = this.compare;
    const runs = this.runs.slice();
    if (this.tail.length > 0) runs.push(this.tail.slice().sort(compare));
    // Min-heap of run indexes by their current key.
    const pos = new Array<number>(runs.length).fill(0);
    const heap: number[] = [];
    const key = (r: number) => runs[r]![pos[r]!]!;
    const less = (a: number, b: number) => {
      const c = compare(key(a), key(b));
      return c < 0 || (c === 0 && a < b);
    };
    const up = (i: number) => {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i]!, heap[parent]!)) return;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    };
    for (let r = 0; r < runs.length; r++) {
      if (runs[r]!.length === 0) continue;
      heap.push(r);
      up(heap.length - 1);
    }
    let previous: K | undefined;
    while (heap.length > 0) {
      const r = heap[0]!;
      const k = key(r);
      pos[r] = pos[r]! + 1;
      if (pos[r]! < runs[r]!.length) down(0);
      else {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      }
      if (k === previous) continue;
      previous = k;
      yield k;
    }
  }
}

// Growable typed-array columns for struct-of-arrays state: a record is an
// index, each field a typed array. `grow` returns a column of at least the
// capacity asked for (doubling), with the old values copied.

type Column = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** The first capacity of a column store. */
export const INITIAL_CAPACITY = 64;

/** The next capacity (doubling) that holds `needed` records. */
export function nextCapacity(current: number, needed: number): number {
  let capacity = Math.max(current, INITIAL_CAPACITY);
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** `column` with room for `capacity` records (the same array when it already has it). */
export function grow<C extends Column>(column: C, capacity: number): C {
  if (column.length >= capacity) return column;
  const bigger = new (column.constructor as new (n: number) => C)(capacity);
  bigger.set(column);
  return bigger;
}

/** Indexes freed for reuse, last freed first. */
export class FreeList {
  private items: number[] = [];

  push(index: number): void {
    this.items.push(index);
  }

  /** A freed index, or -1. */
  pop(): number {
    return this.items.length > 0 ? this.items.pop()! : -1;
  }

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items = [];
  }
}

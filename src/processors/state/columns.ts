// Growable typed-array columns for struct-of-arrays state: a record is an
// index, each field a typed array. `grow` returns a column of at least the
// capacity asked for (doubling), with the old values copied.

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

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

/** Records per page of a paged column (the last page before it is full grows by doubling). */
export const PAGE_BITS = 16;
export const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/**
 * A column of numbers in pages of PAGE_SIZE records; only the last page may be
 * shorter, and it grows by doubling until it is full, then the next one starts
 * small. So no step copies the column: a flat column that doubles at 1M
 * records copies every value into memory the OS must first fault in —
 * measured 730 ms for one mastery store at 1M records, one synchronous step.
 * Here the longest growth step copies half a page, and the room allocated past
 * the last record is at most the last page's half (a whole page of slack was
 * ~5 bytes per mastery entry at 1M entries).
 */
export interface PagedColumn {
  get(r: number): number;
  set(r: number, value: number): void;
  /** Room for `capacity` records. */
  ensure(capacity: number): void;
}

/** Growth of a paged column; the element accesses live in one subclass per element type. */
abstract class Pages<C extends Column> implements PagedColumn {
  protected readonly pages: C[] = [];
  private capacity = 0;

  constructor(private readonly make: (length: number) => C) {}

  abstract get(r: number): number;
  abstract set(r: number, value: number): void;

  ensure(capacity: number): void {
    const { pages, make } = this;
    while (capacity > this.capacity) {
      const last = pages.length - 1;
      const tail = pages[last];
      if (tail && tail.length < PAGE_SIZE) {
        // The last page doubles (up to a full page) until it holds what is asked of it.
        pages[last] = grow(tail, Math.min(PAGE_SIZE, nextCapacity(tail.length, capacity - last * PAGE_SIZE)));
      } else {
        // Full pages so far: the next one starts as small as it can.
        pages.push(make(Math.min(PAGE_SIZE, nextCapacity(0, capacity - pages.length * PAGE_SIZE))));
      }
      this.capacity = (pages.length - 1) * PAGE_SIZE + pages[pages.length - 1]!.length;
    }
  }
}

// One subclass per element type, so each accessor sees one kind of typed array: its element
// loads stay monomorphic (one shared accessor would see five kinds).

export class PagedFloat64 extends Pages<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
  get(r: number): number {
    return this.pages[r >>> PAGE_BITS]![r & PAGE_MASK]!;
  }
  set(r: number, value: number): void {
    this.pages[r >>> PAGE_BITS]![r & PAGE_MASK] = value;
  }
}

export class PagedInt32 extends Pages<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
  get(r: number): number {
    return this.pages[r >>> PAGE_BITS]![r & PAGE_MASK]!;
  }
  set(r: number, value: number): void {
    this.pages[r >>> PAGE_BITS]![r & PAGE_MASK] = value;
  }
}

export class PagedUint32 extends Pages<Uint32Array> {
  constructor() {
    super((n) => new Uint32Array(n));
  }
  get(r: number): number {
    return this.pages[r >>> PAGE_BITS]![r & PAGE_MASK]!;
  }
  set(r: number, value: number): void {
    this.pages[r >>> PAGE_BITS]![r & PAGE_MASK] = value;
  }
}

export class PagedUint16 extends Pages<Uint16Array> {
  constructor() {
    super((n) => new Uint16Array(n));
  }
  get(r: number): number {
    return this.pages[r >>> PAGE_BITS]![r & PAGE_MASK]!;
  }
  set(r: number, value: number): void {
    this.pages[r >>> PAGE_BITS]![r & PAGE_MASK] = value;
  }
}

export class PagedUint8 extends Pages<Uint8Array> {
  constructor() {
    super((n) => new Uint8Array(n));
  }
  get(r: number): number {
    return this.pages[r >>> PAGE_BITS]![r & PAGE_MASK]!;
  }
  set(r: number, value: number): void {
    this.pages[r >>> PAGE_BITS]![r & PAGE_MASK] = value;
  }
}

// Interned strings (tenant ids, topic ids, content ids …) as dense integers,
// one table per operator, so state keeps a 4-byte index where it held a
// string per entry. Each index counts its holders: at zero the string leaves
// the table and its index is reused, so ids of erased learners do not stay
// reachable.

/**
 * A flat copy of a string held for long. A key built by concatenation is a
 * rope (a V8 cons string) that keeps every piece alive, the event's own id
 * strings included — about 170 bytes more per learner key than the flat copy.
 * Only paid for strings that enter state, not per event.
 */
export function ownString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export class StringTable {
  private readonly index = new Map<string, number>();
  private strings: (string | undefined)[] = [];
  private holders: number[] = [];
  private free: number[] = [];

  /** The index of `s`, counting one more holder (added to the table if new). */
  acquire(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.free.length > 0 ? this.free.pop()! : this.strings.length;
      const own = ownString(s);
      this.index.set(own, i);
      this.strings[i] = own;
      this.holders[i] = 0;
    }
    this.holders[i]! += 1;
    return i;
  }

  /** One holder of index `i` is gone; the last one takes the string out of the table. */
  release(i: number): void {
    const left = this.holders[i]! - 1;
    this.holders[i] = left;
    if (left > 0) return;
    this.index.delete(this.strings[i]!);
    this.strings[i] = undefined;
    this.free.push(i);
  }

  /** The index of `s` if held, without counting a holder. */
  lookup(s: string): number | undefined {
    return this.index.get(s);
  }

  /** Whether index `i` holds a string. */
  holds(i: number): boolean {
    return this.strings[i] !== undefined;
  }

  /** The string at a held index. */
  get(i: number): string {
    return this.strings[i]!;
  }

  /** Strings held. */
  get size(): number {
    return this.index.size;
  }

  clear(): void {
    this.index.clear();
    this.strings = [];
    this.holders = [];
    this.free = [];
  }
}

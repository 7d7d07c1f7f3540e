// Event-time timers: one pending time per key, fired when the watermark passes
// it (watermark > time). Keys fire in (time, key) order so results come out in
// the same order on every run. An indexed binary heap holds exactly one entry
// per key with a timer (moving a timer sifts its entry up or down), so memory
// is bounded by keys, not by how often they were rescheduled.
import { FreeList, grow, nextCapacity } from '../state/columns.js';

/**
 * Timers of dense integer ids (slots of an operator's keyed state), ties of
 * equal times broken by `idBefore` (which must not change while both ids have a timer).
 */
export class IndexedTimers {
  private time = new Float64Array(0);
  /** Heap position by id; -1: no timer. */
  private pos = new Int32Array(0);
  private heap = new Int32Array(0);
  private count = 0;

  constructor(private readonly idBefore: (a: number, b: number) => boolean) {}

  /** Sets (or moves) the id's timer. */
  schedule(id: number, time: number): void {
    this.ensure(id + 1);
    const at = this.pos[id]!;
    if (at < 0) {
      if (this.count >= this.heap.length) this.heap = grow(this.heap, nextCapacity(this.heap.length, this.count + 1));
      this.time[id] = time;
      this.heap[this.count] = id;
      this.pos[id] = this.count;
      this.up(this.count++);
      return;
    }
    const old = this.time[id]!;
    if (old === time) return;
    this.time[id] = time;
    if (time < old) this.up(at);
    else this.down(at);
  }

  /** The id's pending time, if any. */
  dueOf(id: number): number | undefined {
    return id < this.pos.length && this.pos[id]! >= 0 ? this.time[id] : undefined;
  }

  cancel(id: number): void {
    if (id >= this.pos.length) return;
    const at = this.pos[id]!;
    if (at < 0) return;
    this.removeAt(at);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Lazily removes and yields the ids whose time the watermark has passed, in
   * (time, id order) order, one per step. An id scheduled while iterating fires
   * in the same pass only if its new time is before the watermark too.
   */
  *firing(watermarkMs: number): Generator<number> {
    while (this.count > 0) {
      const id = this.heap[0]!;
      if (!(this.time[id]! < watermarkMs)) return;
      this.removeAt(0);
      yield id;
    }
  }

  clear(): void {
    this.pos.fill(-1);
    this.count = 0;
  }

  private ensure(ids: number): void {
    if (ids <= this.pos.length) return;
    const capacity = nextCapacity(this.pos.length, ids);
    const old = this.pos.length;
    this.time = grow(this.time, capacity);
    this.pos = grow(this.pos, capacity);
    this.pos.fill(-1, old);
  }

  private before(a: number, b: number): boolean {
    const ta = this.time[a]!;
    const tb = this.time[b]!;
    return ta < tb || (ta === tb && this.idBefore(a, b));
  }

  private removeAt(at: number): void {
    const id = this.heap[at]!;
    this.pos[id] = -1;
    const last = this.heap[--this.count]!;
    if (at === this.count) return;
    this.heap[at] = last;
    this.pos[last] = at;
    this.up(at);
    this.down(this.pos[last]!);
  }

  private up(i: number): void {
    const h = this.heap;
    const id = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!this.before(id, p)) break;
      h[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    h[i] = id;
    this.pos[id] = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.count;
    const id = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h[r]!, h[l]!) ? r : l;
      if (!this.before(h[c]!, id)) break;
      h[i] = h[c]!;
      this.pos[h[i]!] = i;
      i = c;
    }
    h[i] = id;
    this.pos[id] = i;
  }
}

/** Timers of string keys, ties in key order; entries in the order keys were first scheduled. */
export class EventTimeTimers {
  private readonly ids = new Map<string, number>();
  private keys: (string | undefined)[] = [];
  private readonly free = new FreeList();
  private readonly timers = new IndexedTimers((a, b) => this.keys[a]! < this.keys[b]!);

  /** Sets (or moves) the key's timer. */
  schedule(key: string, time: number): void {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.free.pop();
      if (id < 0) id = this.keys.length;
      this.keys[id] = key;
      this.ids.set(key, id);
    }
    this.timers.schedule(id, time);
  }

  /** The key's pending time, if any. */
  dueOf(key: string): number | undefined {
    const id = this.ids.get(key);
    return id === undefined ? undefined : this.timers.dueOf(id);
  }

  cancel(key: string): void {
    const id = this.ids.get(key);
    if (id === undefined) return;
    this.timers.cancel(id);
    this.release(key, id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Removes and returns the keys whose time the watermark has passed, in (time, key) order. */
  fire(watermarkMs: number): string[] {
    return Array.from(this.firing(watermarkMs));
  }

  /**
   * Lazily removes and yields the keys whose time the watermark has passed, in
   * (time, key) order, one per step. A key scheduled while iterating fires in
   * the same pass only if its new time is before the watermark too.
   */
  *firing(watermarkMs: number): Generator<string> {
    for (const id of this.timers.firing(watermarkMs)) {
      const key = this.keys[id]!;
      this.release(key, id);
      yield key;
    }
  }

  /** [key, time] pairs in scheduling order (deterministic for a given history). */
  *entries(): Generator<[string, number]> {
    for (const [key, id] of this.ids) yield [key, this.timers.dueOf(id)!];
  }

  /** [key, time] pairs in scheduling order. */
  snapshot(): [string, number][] {
    return Array.from(this.entries());
  }

  clear(): void {
    this.ids.clear();
    this.keys = [];
    this.free.clear();
    this.timers.clear();
  }

  restore(entries: Iterable<[string, number]>): void {
    this.clear();
    for (const [key, time] of entries) this.schedule(key, time);
  }

  private release(key: string, id: number): void {
    this.ids.delete(key);
    this.keys[id] = undefined;
    this.free.push(id);
  }
}

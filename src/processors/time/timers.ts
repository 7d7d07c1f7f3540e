// Event-time timers: one pending time per key, fired when the watermark passes
// it (watermark > time). Keys fire in (time, key) order so results come out in
// the same order on every run. An indexed binary heap holds exactly one entry
// per key with a timer (moving a timer sifts its entry up or down), so memory
// is bounded by keys, not by how often they were rescheduled.
import { FreeList, PagedFloat64, PagedInt32 } from '../state/columns.js';

/**
 * Timers of dense integer ids (slots of an operator's keyed state), ties of
 * equal times broken by `idBefore` (which must not change while both ids have a timer).
 * Columns are paged (state/columns.ts): growing never copies the whole heap.
 */
export class IndexedTimers {
  private readonly time = new PagedFloat64();
  /** Heap position + 1 by id; 0: no timer (so a fresh page needs no fill). */
  private readonly pos = new PagedInt32();
  private readonly heap = new PagedInt32();
  /** Ids the time and pos columns have room for. */
  private room = 0;
  private count = 0;

  constructor(private readonly idBefore: (a: number, b: number) => boolean) {}

  /** Sets (or moves) the id's timer. */
  schedule(id: number, time: number): void {
    if (id >= this.room) {
      this.time.ensure(id + 1);
      this.pos.ensure(id + 1);
      this.room = id + 1;
    }
    const at = this.pos.get(id) - 1;
    if (at < 0) {
      this.heap.ensure(this.count + 1);
      this.time.set(id, time);
      this.heap.set(this.count, id);
      this.pos.set(id, this.count + 1);
      this.up(this.count++);
      return;
    }
    const old = this.time.get(id);
    if (old === time) return;
    this.time.set(id, time);
    if (time < old) this.up(at);
    else this.down(at);
  }

  /** The id's pending time, if any. */
  dueOf(id: number): number | undefined {
    return id < this.room && this.pos.get(id) > 0 ? this.time.get(id) : undefined;
  }

  cancel(id: number): void {
    if (id >= this.room) return;
    const at = this.pos.get(id) - 1;
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
      const id = this.heap.get(0);
      if (!(this.time.get(id) < watermarkMs)) return;
      this.removeAt(0);
      yield id;
    }
  }

  clear(): void {
    for (let k = 0; k < this.count; k++) this.pos.set(this.heap.get(k), 0);
    this.count = 0;
  }

  private before(a: number, b: number): boolean {
    const ta = this.time.get(a);
    const tb = this.time.get(b);
    return ta < tb || (ta === tb && this.idBefore(a, b));
  }

  private removeAt(at: number): void {
    const id = this.heap.get(at);
    this.pos.set(id, 0);
    const last = this.heap.get(--this.count);
    if (at === this.count) return;
    this.heap.set(at, last);
    this.pos.set(last, at + 1);
    this.up(at);
    this.down(this.pos.get(last) - 1);
  }

  private up(i: number): void {
    const h = this.heap;
    const id = h.get(i);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h.get(parent);
      if (!this.before(id, p)) break;
      h.set(i, p);
      this.pos.set(p, i + 1);
      i = parent;
    }
    h.set(i, id);
    this.pos.set(id, i + 1);
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.count;
    const id = h.get(i);
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h.get(r), h.get(l)) ? r : l;
      if (!this.before(h.get(c), id)) break;
      const moved = h.get(c);
      h.set(i, moved);
      this.pos.set(moved, i + 1);
      i = c;
    }
    h.set(i, id);
    this.pos.set(id, i + 1);
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

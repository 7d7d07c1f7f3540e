// A bounds-checked walk of Avro binary data against a writer type, run before
// avsc decodes. avsc trusts block counts and lengths (a mutated array count of
// 2^40 would loop or allocate for minutes); this walk rejects such records in
// linear time and tells truncated input apart from corrupt input. It also
// checks every string is valid UTF-8: avsc would decode invalid bytes
// leniently (as U+FFFD), silently changing the data.
import type avro from 'avsc';
import { isValidUtf8 } from './unicode.js';

type ScanReason = 'truncated' | 'corrupt' | 'invalid_unicode';

export type ScanResult = { ok: true; end: number } | { ok: false; reason: ScanReason; message: string; field?: string };

class ScanError extends Error {
  constructor(
    readonly reason: ScanReason,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

// Items that may take zero bytes (null, empty records) still need a cap on a block count.
const maxZeroSizeItems = 1_000_000;

/** Walks one value of `type` starting at `pos`; `end` is where it stops. Never throws. */
export function scanAvro(type: avro.Type, buf: Uint8Array, pos: number): ScanResult {
  const cursor = { pos };
  try {
    walk(type, buf, cursor, 0, []);
    return { ok: true, end: cursor.pos };
  } catch (err) {
    if (err instanceof ScanError) {
      return err.field === undefined
        ? { ok: false, reason: err.reason, message: err.message }
        : { ok: false, reason: err.reason, message: err.message, field: err.field };
    }
    return { ok: false, reason: 'corrupt', message: (err as Error).message };
  }
}

function readVarLong(buf: Uint8Array, c: { pos: number }): number {
  let value = 0;
  let factor = 1;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= buf.length) throw new ScanError('truncated', `varint runs past the end at byte ${c.pos}`);
    const b = buf[c.pos++] as number;
    value += (b & 0x7f) * factor;
    factor *= 128;
    if (!(b & 0x80)) {
      if (value > Number.MAX_SAFE_INTEGER * 2) throw new ScanError('corrupt', 'long beyond 53-bit precision');
      // Zig-zag decoding on a float that may exceed 2^32.
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
  }
  throw new ScanError('corrupt', 'varint longer than 10 bytes');
}

function need(buf: Uint8Array, c: { pos: number }, n: number, what: string): void {
  if (n < 0) throw new ScanError('corrupt', `negative ${what} length ${n}`);
  if (c.pos + n > buf.length) throw new ScanError('truncated', `${what} of ${n} bytes runs past the end`);
  c.pos += n;
}

function minSize(type: avro.Type): number {
  const t = type as avro.Type & { fields?: { type: avro.Type }[] };
  if (type.typeName === 'null') return 0;
  if (t.fields) return t.fields.reduce((s, f) => s + minSize(f.type), 0);
  return 1;
}

function blocks(buf: Uint8Array, c: { pos: number }, itemSize: number, readItem: (index: number) => void): void {
  let index = 0;
  for (;;) {
    let n = readVarLong(buf, c);
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      readVarLong(buf, c); // block size in bytes, not needed for a walk
    }
    const remaining = buf.length - c.pos;
    if (itemSize > 0 && n * itemSize > remaining) {
      throw new ScanError('truncated', `block of ${n} items cannot fit in the ${remaining} bytes left`);
    }
    if (itemSize === 0 && n > maxZeroSizeItems) throw new ScanError('corrupt', `block of ${n} empty items`);
    for (let i = 0; i < n; i++) readItem(index++);
  }
}

/** `body.topic_ids[1]` from the stack of field names and array indexes; formatted only on error. */
function fieldPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || 'record';
}

/** `path` is the stack of record field names and array indexes so far; union branches add nothing. */
function walk(type: avro.Type, buf: Uint8Array, c: { pos: number }, depth: number, path: (string | number)[]): void {
  if (depth > 64) throw new ScanError('corrupt', 'nesting deeper than 64');
  const t = type as avro.Type & {
    fields?: { name: string; type: avro.Type }[];
    types?: avro.Type[];
    itemsType?: avro.Type;
    valuesType?: avro.Type;
    symbols?: string[];
    size?: number;
    underlyingType?: avro.Type;
  };
  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean': {
      const at = c.pos;
      need(buf, c, 1, 'boolean');
      if ((buf[at] as number) > 1) throw new ScanError('corrupt', `boolean byte ${buf[at]}`);
      return;
    }
    case 'int':
    case 'long':
      readVarLong(buf, c);
      return;
    case 'float':
      need(buf, c, 4, 'float');
      return;
    case 'double':
      need(buf, c, 8, 'double');
      return;
    case 'string': {
      const length = readVarLong(buf, c);
      const at = c.pos;
      need(buf, c, length, 'string');
      // ASCII needs no check (ids mostly are); the first byte above 0x7F hands the string to the UTF-8 validator.
      for (let i = at; i < c.pos; i++) {
        if ((buf[i] as number) > 0x7f) {
          if (!isValidUtf8(buf.subarray(at, c.pos))) {
            const field = fieldPath(path);
            throw new ScanError('invalid_unicode', `${field} is not valid UTF-8`, field);
          }
          break;
        }
      }
      return;
    }
    case 'bytes':
      need(buf, c, readVarLong(buf, c), type.typeName);
      return;
    case 'fixed':
      need(buf, c, t.size ?? 0, 'fixed');
      return;
    case 'enum': {
      const i = readVarLong(buf, c);
      if (i < 0 || i >= (t.symbols?.length ?? 0)) throw new ScanError('corrupt', `enum index ${i} out of range`);
      return;
    }
    case 'array': {
      const items = t.itemsType as avro.Type;
      blocks(buf, c, minSize(items), (i) => {
        path.push(i);
        walk(items, buf, c, depth + 1, path);
        path.pop();
      });
      return;
    }
    case 'map': {
      const values = t.valuesType as avro.Type;
      blocks(buf, c, 1 + minSize(values), () => {
        need(buf, c, readVarLong(buf, c), 'map key');
        walk(values, buf, c, depth + 1, path);
      });
      return;
    }
    case 'union:wrapped':
    case 'union:unwrapped': {
      const branches = t.types as avro.Type[];
      const i = readVarLong(buf, c);
      if (i < 0 || i >= branches.length) throw new ScanError('corrupt', `union index ${i} out of range`);
      walk(branches[i] as avro.Type, buf, c, depth + 1, path);
      return;
    }
    case 'record':
    case 'error':
      for (const f of t.fields ?? []) {
        path.push(f.name);
        walk(f.type, buf, c, depth + 1, path);
        path.pop();
      }
      return;
    default:
      if (t.underlyingType) {
        walk(t.underlyingType, buf, c, depth + 1, path);
        return;
      }
      throw new ScanError('corrupt', `unsupported Avro type ${type.typeName}`);
  }
}

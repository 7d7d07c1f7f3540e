// Event ids packed for state that holds one per event: a canonical lowercase
// UUID (what producers send) is four uint32 words, 16 bytes instead of a
// 36-character string; any other id is kept as its string. Packing is exact:
// the words give back the same string, and their numeric order is the
// string order of canonical UUIDs (fixed dashes, hex digits in code-unit order).

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The four words of a canonical lowercase UUID, or undefined for any other id. */
export function packUuid(id: string): [number, number, number, number] | undefined {
  if (id.length !== 36 || !CANONICAL_UUID.test(id)) return undefined;
  return [
    Number.parseInt(id.slice(0, 8), 16),
    Number.parseInt(id.slice(9, 13) + id.slice(14, 18), 16),
    Number.parseInt(id.slice(19, 23) + id.slice(24, 28), 16),
    Number.parseInt(id.slice(28, 36), 16),
  ];
}

const hex8 = (w: number) => w.toString(16).padStart(8, '0');

/** The UUID string of four words. */
export function unpackUuid(w0: number, w1: number, w2: number, w3: number): string {
  const b = hex8(w1);
  const c = hex8(w2);
  return `${hex8(w0)}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex8(w3)}`;
}

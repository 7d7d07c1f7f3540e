// CRC-64-AVRO (Rabin) fingerprints of a schema's Parsing Canonical Form: the
// 8 bytes that follow `C3 01` in Avro single-object encoding. avsc only offers
// md5/sha256 fingerprints, so the spec's table-driven algorithm lives here.

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const table: bigint[] = (() => {
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    t.push(fp);
  }
  return t;
})();

/** The 64-bit Rabin fingerprint of `canonical` (UTF-8), as an unsigned bigint. */
export function crc64Avro(canonical: string): bigint {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonical, 'utf8')) {
    fp = (fp >> 8n) ^ (table[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  }
  return fp;
}

/** Little-endian bytes, as written after the single-object marker. */
export function fingerprintBytes(fp: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(fp);
  return buf;
}

/** Hex of the little-endian bytes: the fingerprint as it appears on the wire. */
export function fingerprintHex(fp: bigint): string {
  return fingerprintBytes(fp).toString('hex');
}

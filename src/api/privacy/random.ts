// Sources of uniform random integers for the noise mechanism. The keyed source
// makes noise reproducible: its bytes are HMAC-SHA256(key, counter) blocks for
// counter = 0, 1, 2, … (HMAC in counter mode, as HKDF-Expand and HMAC-DRBG do),
// a pseudorandom stream nobody can predict without the key. The system source
// (crypto.randomBytes) serves statistical tests and one-off noise.
import { createHmac, randomBytes } from 'node:crypto';

export interface RandomSource {
  /** Uniform integer in [0, n), n a positive safe integer below 2^48. */
  below(n: number): number;
}

const TWO_48 = 2 ** 48;

function fromByteStream(next: (count: number) => Buffer): RandomSource {
  return {
    below(n) {
      if (!Number.isSafeInteger(n) || n <= 0 || n > TWO_48) throw new RangeError(`below(${n}): out of range`);
      // Rejection sampling keeps the draw exactly uniform (no modulo bias).
      const limit = Math.floor(TWO_48 / n) * n;
      for (;;) {
        const r = next(6).readUIntBE(0, 6);
        if (r < limit) return r % n;
      }
    },
  };
}

/** Deterministic stream keyed by `key`: the same key yields the same draws. */
export function keyedRandomSource(key: Buffer): RandomSource {
  let counter = 0n;
  let pool = Buffer.alloc(0);
  return fromByteStream((count) => {
    while (pool.length < count) {
      const block = Buffer.alloc(8);
      block.writeBigUInt64BE(counter++);
      pool = Buffer.concat([pool, createHmac('sha256', key).update(block).digest()]);
    }
    const out = pool.subarray(0, count);
    pool = pool.subarray(count);
    return out;
  });
}

/** Fresh operating-system randomness on every draw. */
export function systemRandomSource(): RandomSource {
  let pool = Buffer.alloc(0);
  return fromByteStream((count) => {
    if (pool.length < count) pool = Buffer.concat([pool, randomBytes(4096)]);
    const out = pool.subarray(0, count);
    pool = pool.subarray(count);
    return out;
  });
}

/** The noise key of one released figure: HMAC(secret, tenant|period|query|figure). */
export function noiseKey(
  secret: string,
  parts: { tenantId: string; period: string; queryHash: string; figure: string },
) {
  return createHmac('sha256', secret)
    .update(`${parts.tenantId}|${parts.period}|${parts.queryHash}|${parts.figure}`)
    .digest();
}

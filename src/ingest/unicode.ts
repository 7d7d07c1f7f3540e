// Unicode validity of untrusted text. A lone UTF-16 surrogate (JSON `"\ud800"`)
// or invalid UTF-8 in an Avro string cannot be stored by ClickHouse's client
// without loss, so ingest rejects it at the door instead of at the next flush.
import { isUtf8 } from 'node:buffer';

/** True when `s` has no lone UTF-16 surrogate. */
export function isWellFormedText(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** True when `bytes` are valid UTF-8 (no overlong forms, no encoded surrogates). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

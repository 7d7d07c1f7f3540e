// Caps strings that come from untrusted input before they go into messages,
// logs and dead-letter headers.
export function bounded(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

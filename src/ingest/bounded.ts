// Caps strings that come from untrusted input before they go into messages,
// logs and dead-letter headers. Never cuts a surrogate pair in half.
export function bounded(s: string, max = 300): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return `${s.slice(0, end)}…`;
}

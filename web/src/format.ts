// Number and time formatting for the dashboard's tiles, tables and charts.

const intFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2, minimumFractionDigits: 0 });

export function int(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : intFormat.format(n);
}

export function dec(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : decFormat.format(n);
}

/** Compact count for tiles: 1234 → 1.2k. */
export function compact(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (Math.abs(n) < 10_000) return intFormat.format(n);
  return new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}

export function utcDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

/** "3 h", "2 d" — how far event time trails the wall clock. */
export function age(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

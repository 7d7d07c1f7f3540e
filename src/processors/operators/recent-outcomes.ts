// The outcomes of a learner × topic's last RECENT_WINDOW question attempts,
// packed in one uint16 of the mastery record: bits 0–9 the outcomes (1 = a
// failed attempt; bit 0 the newest), bits 12–15 how many attempts the window
// holds (0–10). The knowledge-gap priority reads the recent failure rate from
// it (README, "Learner insights").

export const RECENT_WINDOW = 10;
const OUTCOMES = (1 << RECENT_WINDOW) - 1;
const COUNT_SHIFT = 12;

/** The window after one more attempt. */
export function pushOutcome(packed: number, failed: boolean): number {
  const outcomes = ((packed & OUTCOMES) << 1) & OUTCOMES;
  const count = Math.min(RECENT_WINDOW, (packed >>> COUNT_SHIFT) + 1);
  return ((count << COUNT_SHIFT) | outcomes | (failed ? 1 : 0)) >>> 0;
}

/** Attempts in the window (at most RECENT_WINDOW). */
export function recentAttempts(packed: number): number {
  return packed >>> COUNT_SHIFT;
}

/** Failed attempts in the window. */
export function recentFailures(packed: number): number {
  let bits = packed & OUTCOMES;
  let n = 0;
  while (bits !== 0) {
    bits &= bits - 1;
    n++;
  }
  return n;
}

/** A value this packing can produce (checkpoints are untrusted). */
export function isRecentOutcomes(packed: number): boolean {
  if (!Number.isInteger(packed) || packed < 0 || packed > 0xffff) return false;
  const count = packed >>> COUNT_SHIFT;
  const outcomes = packed & ((1 << COUNT_SHIFT) - 1);
  return count <= RECENT_WINDOW && outcomes < 1 << count;
}

// SuperMemo-2 (Wozniak 1990), the classic spaced-repetition schedule, as a
// pure function. The mastery operator schedules with FSRS; SM-2 is kept as the
// simple, well-known reference model (and for users who want it).

export interface Sm2State {
  /** Successful repetitions in a row. */
  repetitions: number;
  /** Days until the next review. */
  intervalDays: number;
  /** Easiness factor, never below 1.3. */
  easiness: number;
}

export const SM2_INITIAL: Sm2State = { repetitions: 0, intervalDays: 0, easiness: 2.5 };

/**
 * One review with grade q in 0..5. q ≥ 3: interval 1, then 6, then
 * round(previous interval × EF); q < 3: start over with interval 1. EF moves by
 * 0.1 − (5 − q)(0.08 + (5 − q)·0.02) after every review, floored at 1.3; the
 * interval uses the EF from before the review.
 */
export function sm2Review(state: Sm2State, grade: number): Sm2State {
  if (!Number.isInteger(grade) || grade < 0 || grade > 5) throw new RangeError(`SM-2 grade must be 0..5, got ${grade}`);
  let { repetitions, intervalDays } = state;
  if (grade >= 3) {
    intervalDays = repetitions === 0 ? 1 : repetitions === 1 ? 6 : Math.round(intervalDays * state.easiness);
    repetitions += 1;
  } else {
    repetitions = 0;
    intervalDays = 1;
  }
  const d = 5 - grade;
  const easiness = Math.max(1.3, state.easiness + (0.1 - d * (0.08 + d * 0.02)));
  return { repetitions, intervalDays, easiness };
}

// Operators: sessions, mastery (BKT, FSRS, SM-2) and weekly active, plus the
// operator contract the partition processor drives.
export { type BktParameters, bktUpdate, DEFAULT_BKT } from './bkt.js';
export { MASTERY_WEIGHTS, MasteryOperator, masteryTrend, TREND_THRESHOLD } from './mastery-operator.js';
export { EASY_RESPONSE_MS, HARD_RESPONSE_MS, MemoryModel, ratingFor, type StoredCard } from './memory-model.js';
export type { Emission, Operator } from './operator.js';
export { SessionWindowOperator } from './session-window-operator.js';
export { SM2_INITIAL, type Sm2State, sm2Review } from './sm2.js';
export { WeeklyActiveOperator } from './weekly-active-operator.js';

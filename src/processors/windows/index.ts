// Windows: UTC calendar windows, and the checkpointed shape of a session point.
export {
  DAY_MS,
  HOUR_MS,
  isoWeekLabel,
  isoWeekStart,
  MINUTE_MS,
  utcDayLabel,
  utcDayStart,
  WEEK_MS,
} from './calendar.js';
export type { SessionPoint } from './session-window.js';

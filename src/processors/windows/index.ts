// Windows: session clusters (gap, merge, cap) and UTC calendar windows.
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
export {
  comparePoints,
  firstChunkLength,
  joinsCluster,
  mergeClusters,
  type SessionPoint,
  summariseSession,
  toSessionPoint,
} from './session-window.js';

// One pino root logger for the process; components take child loggers with a
// `component` field so logs stay structured and filterable.
import { type Logger, pino } from 'pino';

export type { Logger };

let root: Logger | undefined;

export function createRootLogger(level: string): Logger {
  root = pino({ name: 'learnstream', level, base: { pid: process.pid } });
  return root;
}

export function rootLogger(): Logger {
  root ??= pino({ name: 'learnstream', level: process.env.LEARNSTREAM_LOG_LEVEL ?? 'info' });
  return root;
}

export function componentLogger(component: string): Logger {
  return rootLogger().child({ component });
}

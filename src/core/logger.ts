// One pino root logger for the process; components take child loggers with a
// `component` field so logs stay structured and filterable.
import { type Logger, pino } from 'pino';
import { prettyDestination } from './log-format.js';

export type { Logger };

let root: Logger | undefined;

export type LogFormat = 'auto' | 'json' | 'pretty';

/** The process's logger: JSON lines, or (`pretty`, or `auto` on a terminal) human-readable ones. */
export function createRootLogger(level: string, format: LogFormat = 'json'): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const opts = { name: 'learnstream', level, base: { pid: process.pid } };
  root = pretty ? pino(opts, prettyDestination()) : pino(opts);
  return root;
}

export function rootLogger(): Logger {
  root ??= pino({ name: 'learnstream', level: process.env.LEARNSTREAM_LOG_LEVEL ?? 'info' });
  return root;
}

export function componentLogger(component: string): Logger {
  return rootLogger().child({ component });
}

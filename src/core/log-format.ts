// Human-readable log lines for a terminal: `12:04:31.207 INFO  engine: message key=value …`.
// pino writes JSON; on a TTY (log.format `auto`) or with `pretty` each line is
// reformatted here before it reaches stdout — same fields, one line each. JSON
// stays the format for files, pipes and log shippers.
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' };
/** pino's own fields, shown in the line's head (or not at all). */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'component', 'v']);

/** One pino JSON line as a terminal line; a line that is not pino JSON passes through. */
export function formatLogLine(line: string, colour = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (rec === null || typeof rec !== 'object' || typeof rec.level !== 'number') return line;
  const t = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const level = LEVELS[rec.level] ?? String(rec.level);
  const paint = (s: string) => (colour ? `\u001b[${COLOURS[rec.level as number] ?? '0'}m${s}\u001b[0m` : s);
  const who = typeof rec.component === 'string' ? `${rec.component}: ` : '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (HEAD.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: unknown; stack?: unknown };
      fields.push(`err=${JSON.stringify(e.message ?? v)}`);
      if (typeof e.stack === 'string' && rec.level >= 50) fields.push(`\n${e.stack}`);
      continue;
    }
    fields.push(`${k}=${typeof v === 'string' && !/[\s"=]/.test(v) ? v : JSON.stringify(v)}`);
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  return `${t} ${paint(level)} ${who}${msg}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

/** A destination for pino that writes each JSON line to `out` as a terminal line. */
export function prettyDestination(out: NodeJS.WriteStream = process.stdout): Writable {
  const colour = out.isTTY === true && !process.env.NO_COLOR;
  let rest = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = rest + chunk.toString();
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) out.write(`${formatLogLine(line, colour)}\n`);
      done();
    },
    final(done) {
      if (rest) out.write(`${formatLogLine(rest, colour)}\n`);
      done();
    },
  });
}

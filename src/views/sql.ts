// The one way a value enters SQL text. ClickHouse 18.16 has no server-side
// query parameters, so `sql` renders typed literals itself and takes identifiers
// only from the allow-list of learnstream's tables and columns (tables.ts).
import { LearnstreamError } from '../core/errors.js';
import { SqlUnsafeValue } from './errors.js';
import { knownIdentifiers } from './tables.js';

const fragment = Symbol('learnstream.sql');

/** A piece of SQL whose text is safe by construction; compose them freely. */
export interface Sql {
  readonly [fragment]: true;
  readonly text: string;
}

/** A calendar day, rendered as `toDate('YYYY-MM-DD')`. */
export interface DayLiteral {
  readonly day: string;
}

export type SqlValue = string | number | bigint | boolean | null | Date | DayLiteral | Sql | readonly SqlValue[];

function makeSql(text: string): Sql {
  return Object.freeze({ [fragment]: true as const, text });
}

export function isSql(value: unknown): value is Sql {
  return typeof value === 'object' && value !== null && (value as Partial<Sql>)[fragment] === true;
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Marks a YYYY-MM-DD string as a Date value rather than a String. */
export function day(value: string): DayLiteral {
  if (!dayPattern.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new LearnstreamError(SqlUnsafeValue, `not a YYYY-MM-DD day: ${JSON.stringify(value)}`);
  }
  return Object.freeze({ day: value });
}

function isDay(value: unknown): value is DayLiteral {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'day' in value;
}

/**
 * ClickHouse string literal. Backslash and quote are escaped, and every control
 * character gets an escape so newlines, NUL and friends survive any transport
 * (HTTP body, chdb argument, log line) byte for byte.
 */
export function quoteString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD hh:mm:ss` in UTC: the text form of a `DateTime('UTC')` column. */
export function formatDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new LearnstreamError(SqlUnsafeValue, 'invalid Date');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DD` of the UTC day containing epoch ms `ms`. */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function renderValue(value: SqlValue): string {
  if (isSql(value)) return value.text;
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return `[${value.map(renderValue).join(', ')}]`;
  if (value instanceof Date) return `toDateTime(${quoteString(formatDateTime(value))}, 'UTC')`;
  if (isDay(value)) return `toDate(${quoteString(value.day)})`;
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new LearnstreamError(SqlUnsafeValue, `non-finite number ${value}`);
      // Negative literals in parentheses so `x - ${n}` never becomes `x --5` (a comment).
      return value < 0 ? `(${String(value)})` : String(value);
    case 'bigint':
      return value < 0n ? `(${value.toString()})` : value.toString();
    case 'boolean':
      return value ? '1' : '0';
    default:
      throw new LearnstreamError(SqlUnsafeValue, `cannot render a ${typeof value} as SQL`);
  }
}

/** Tagged template: `sql\`SELECT * FROM ${ident('sessions')} WHERE tenant_id = ${t}\``. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    text += renderValue(values[i] as SqlValue) + (strings[i + 1] ?? '');
  }
  return makeSql(text);
}

/** A table, view or column name from the allow-list, quoted with backticks. */
export function ident(name: string): Sql {
  if (!knownIdentifiers.has(name)) {
    throw new LearnstreamError(SqlUnsafeValue, `identifier ${JSON.stringify(name)} is not in the allow-list`);
  }
  return makeSql(`\`${name}\``);
}

/** Joins fragments (or values, rendered as literals) with a separator fragment. */
export function join(parts: readonly SqlValue[], separator: Sql = makeSql(', ')): Sql {
  return makeSql(parts.map(renderValue).join(separator.text));
}

/** Renders one value as a literal fragment (e.g. for building a VALUES list). */
export function literal(value: SqlValue): Sql {
  return makeSql(renderValue(value));
}

export const empty: Sql = makeSql('');

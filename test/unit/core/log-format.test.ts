// Terminal log lines: pino's JSON turned into one readable line with the same fields.
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../../src/core/log-format.js';

describe('formatLogLine', () => {
  it('writes time, level, component, message and the other fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 11, 3, 9, 4, 31, 207),
      pid: 7,
      hostname: 'h',
      name: 'learnstream',
      component: 'pipeline',
      partition: 2,
      offset: '41',
      note: 'two words',
      msg: 'partition restored from checkpoint',
    });
    expect(formatLogLine(line)).toBe(
      '09:04:31.207 INFO  pipeline: partition restored from checkpoint  partition=2 offset=41 note="two words"',
    );
  });

  it('shows an error by its message, with the stack from level error on, and colours the level on request', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:1)' };
    const warn = formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'retrying', err }));
    expect(warn).toBe('00:00:00.000 WARN  retrying  err="boom"');
    const error = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'failed', err }), true);
    expect(error).toBe('00:00:00.000 \u001b[31mERROR\u001b[0m failed  err="boom" \nError: boom\n    at x (y.ts:1:1)');
  });

  it('passes through what is not a pino line', () => {
    expect(formatLogLine('plain text')).toBe('plain text');
    expect(formatLogLine('{"a":1}')).toBe('{"a":1}');
    expect(formatLogLine('null')).toBe('null');
  });
});

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defineErrorCode, LearnstreamError } from '../../../src/core/errors.js';
import { type SupervisedTask, Supervisor } from '../../../src/engine/supervisor.js';

const Flaky = defineErrorCode('LS_TEST_FLAKY', 'flaky dependency', 503, true);
const Broken = defineErrorCode('LS_TEST_BROKEN', 'broken dependency', 500, false);
const logger = pino({ level: 'silent' });

function task(run: () => Promise<void>): SupervisedTask {
  return { run, stop: async () => {} };
}

describe('Supervisor', () => {
  it('restarts on retriable errors (found through the cause chain) with doubling backoff', async () => {
    const sleeps: number[] = [];
    let attempts = 0;
    const sup = new Supervisor(
      async () =>
        task(async () => {
          attempts++;
          if (attempts <= 3) throw new Error('wrapped', { cause: new LearnstreamError(Flaky, 'conn reset') });
        }),
      { logger, initialBackoffMs: 100, onFatal: () => {}, sleep: async (ms) => void sleeps.push(ms) },
    );
    await sup.start();
    expect(attempts).toBe(4);
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('stops loudly on a fatal error without restarting', async () => {
    let attempts = 0;
    let fatal: unknown;
    const sup = new Supervisor(
      async () =>
        task(async () => {
          attempts++;
          throw new LearnstreamError(Broken, 'schema mismatch');
        }),
      {
        logger,
        onFatal: (e) => {
          fatal = e;
        },
        sleep: async () => {},
      },
    );
    await sup.start();
    expect(attempts).toBe(1);
    expect((fatal as LearnstreamError).code).toBe('LS_TEST_BROKEN');
  });

  it('gives up after maxRestarts consecutive retriable failures', async () => {
    let attempts = 0;
    let fatal: unknown;
    const sup = new Supervisor(
      async () =>
        task(async () => {
          attempts++;
          throw new LearnstreamError(Flaky);
        }),
      {
        logger,
        maxRestarts: 2,
        onFatal: (e) => {
          fatal = e;
        },
        sleep: async () => {},
      },
    );
    await sup.start();
    expect(attempts).toBe(3);
    expect(fatal).toBeInstanceOf(LearnstreamError);
  });
});

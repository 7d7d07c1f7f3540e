// Keeps the pipeline running: restarts it with exponential backoff when it
// fails on a retriable error (following the cause chain, like kafkajs'
// supervisor), and stops loudly on a fatal one.
import { isRetriable } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { counter } from '../core/metrics.js';

const restarts = counter({
  name: 'learnstream_pipeline_restarts_total',
  help: 'Pipeline restarts after a retriable failure.',
});

export interface SupervisedTask {
  /** Runs until it fails (rejects) or `stop()` is called (resolves). */
  run(): Promise<void>;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  logger: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Consecutive retriable failures tolerated before giving up. */
  maxRestarts?: number;
  onFatal: (err: unknown) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export class Supervisor {
  private stopping = false;
  private current: SupervisedTask | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly create: () => Promise<SupervisedTask>,
    private readonly opts: SupervisorOptions,
  ) {}

  start(): Promise<void> {
    this.done ??= this.loop();
    return this.done;
  }

  private async loop(): Promise<void> {
    const { initialBackoffMs = 500, maxBackoffMs = 30_000, maxRestarts = 50 } = this.opts;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let failures = 0;
    while (!this.stopping) {
      const startedAt = Date.now();
      try {
        this.current = await this.create();
        if (this.stopping) {
          await this.current.stop();
          return;
        }
        await this.current.run();
        return; // stopped on request
      } catch (err) {
        await this.current?.stop().catch(() => undefined);
        this.current = undefined;
        if (this.stopping) return;
        // A run that lasted longer than the longest backoff was healthy: count failures afresh,
        // so an engine that survives one outage a day is not given up on after 50 days.
        if (Date.now() - startedAt > maxBackoffMs) failures = 0;
        failures++;
        if (!isRetriable(err) || failures > maxRestarts) {
          this.opts.logger.fatal({ err, failures }, 'pipeline failed with a fatal error; stopping');
          this.opts.onFatal(err);
          return;
        }
        const backoff = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (failures - 1));
        this.opts.logger.warn({ err, failures, backoffMs: backoff }, 'pipeline failed; restarting');
        restarts.inc();
        await sleep(backoff);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.current?.stop();
    await this.done;
  }
}

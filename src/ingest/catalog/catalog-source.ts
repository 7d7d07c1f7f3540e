// The catalog topic's consumer: a consumer-group member reading the compacted
// topic of topic catalogs (key: tenant id, value: the whole catalog, null:
// delete), decoding each record and handing it to `apply` in log order. A bad
// record — undecodable, invalid, or refused by `apply` (a version conflict, a
// stale version) — goes to the dead-letter topic and the consumer moves on;
// offsets are committed only after every record of the batch was applied or
// dead-lettered, so a crash re-reads them and `apply` (idempotent) skips them.
import { componentLogger } from '../../core/logger.js';
import type { BatchControl, BrokerClient, FetchedBatch } from '../broker.js';
import type { DecodeRejection } from '../codec.js';
import { type DeadLetterPayload, deadLetterMessage, deadLetterPayload } from '../dead-letter.js';
import { catalogRecords, deadLetters, recordsRejected } from '../metrics.js';
import { type CatalogUpdate, decodeCatalogRecord } from './codec.js';
import type { CatalogLimits } from './validate.js';

export interface CatalogRecordOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/** What `apply` answers: stored (or already there), or a rejection for the dead letters. */
export type CatalogApplyResult = { ok: true; outcome: 'created' | 'unchanged' | 'duplicate' } | DecodeRejection;

export interface CatalogSourceOptions {
  client: BrokerClient;
  topic: string;
  groupId: string;
  deadLetterTopic: string;
  /** Keys the dead letters' preview pseudonymisation (a catalog holds no learner ids; kept for one code path). */
  pseudonymSecret: string;
  limits?: CatalogLimits;
  /** Stores one decoded record; must be idempotent. A throw (store unavailable) is retried with backoff. */
  apply(update: CatalogUpdate, origin: CatalogRecordOrigin): Promise<CatalogApplyResult>;
  /** Also hands each batch's dead letters to the engine (e.g. for the dead_letters table). */
  onDeadLetters?(payloads: DeadLetterPayload[]): Promise<void>;
  /** Longest wait between retries of a failing `apply` (default 5 s). */
  retryMaxMs?: number;
}

export interface CatalogSource {
  /** Joins the group and starts consuming; resolves once the consumer runs (rejects, and keeps trying, when it cannot). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createCatalogSource(opts: CatalogSourceOptions): CatalogSource {
  const { topic, groupId, deadLetterTopic, pseudonymSecret, retryMaxMs = 5000 } = opts;
  const log = componentLogger('catalog-source').child({ topic, groupId });
  let consumer = opts.client.consumer({ groupId });
  const producer = opts.client.producer({ idempotent: true });
  let running = false;

  async function applyWithRetry(
    update: CatalogUpdate,
    origin: CatalogRecordOrigin,
    control: BatchControl,
  ): Promise<CatalogApplyResult | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await opts.apply(update, origin);
      } catch (err) {
        if (!running || !control.isRunning() || control.isStale()) return undefined;
        const waitMs = Math.min(retryMaxMs, 100 * 2 ** attempt);
        log.warn({ err, ...origin, attempt, waitMs }, 'storing a catalog failed; retrying');
        await control.heartbeat().catch(() => undefined);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  async function processBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    let done: string | undefined;
    for (const record of batch.records) {
      if (!control.isRunning() || control.isStale()) break;
      const origin = { topic, partition: batch.partition, offset: record.offset };
      const decoded = decodeCatalogRecord(record.key, record.value, opts.limits);
      const result = decoded.ok ? await applyWithRetry(decoded, origin, control) : decoded;
      if (result === undefined) break; // stopping: the record is read again by the next owner
      if (result.ok) {
        catalogRecords.inc({ outcome: result.outcome });
        if (result.outcome === 'created') log.info({ ...origin, tenantId: record.key?.toString() }, 'catalog stored');
      } else {
        const payload = deadLetterPayload(
          result,
          { ...origin, timestamp: record.timestamp },
          record.value,
          pseudonymSecret,
        );
        // Sent before the offset moves past the record: a dead letter is never lost.
        await producer.send(deadLetterTopic, [deadLetterMessage(payload)]);
        await opts.onDeadLetters?.([payload]);
        catalogRecords.inc({ outcome: 'rejected' });
        recordsRejected.inc({ reason: result.reason });
        deadLetters.inc({ reason: result.reason });
        log.warn({ ...origin, reason: result.reason, message: result.message }, 'catalog record dead-lettered');
      }
      done = record.offset;
      control.resolveOffset(record.offset);
      await control.heartbeat();
    }
    if (done !== undefined) {
      await consumer.commit(topic, [{ partition: batch.partition, offset: (BigInt(done) + 1n).toString() }]);
    }
  }

  /** Joins the group with the current consumer and starts its fetch loop. */
  async function runConsumer(): Promise<void> {
    const own = consumer;
    await own.connect();
    await own.subscribe(topic, true);
    await own.run({
      concurrency: 1,
      eachBatch: processBatch,
      onAssignment: (partitions) => log.info({ partitions }, 'catalog partitions assigned'),
      onCrash: (err, willRestart) => {
        log.error({ err, willRestart }, 'catalog consumer crashed');
        // kafkajs restarts itself after retriable errors; after others a new consumer takes over.
        if (!willRestart && running && own === consumer) restartLater(0);
      },
    });
  }

  function restartLater(attempt: number): void {
    const waitMs = Math.min(retryMaxMs * 6, 1000 * 2 ** attempt);
    setTimeout(async () => {
      if (!running) return;
      await consumer.disconnect().catch(() => undefined);
      consumer = opts.client.consumer({ groupId });
      try {
        await producer.connect();
        await runConsumer();
        log.info({ attempt }, 'catalog consumer restarted');
      } catch (err) {
        log.error({ err, attempt }, 'catalog consumer restart failed');
        restartLater(attempt + 1);
      }
    }, waitMs).unref();
  }

  return {
    async start() {
      running = true;
      try {
        await producer.connect();
        await runConsumer();
      } catch (err) {
        // Retried in the background until stop(): reference data must not need a restart of the engine.
        restartLater(0);
        throw err;
      }
    },
    async stop() {
      if (!running) return;
      running = false;
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

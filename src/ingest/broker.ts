// The Kafka port of ingest: the few client operations the producer and the
// Kafka source need, in learnstream's own terms. kafkajs is one adapter
// (kafkajs-broker.ts); another client can replace it without touching callers.

export type HeaderValue = Buffer | string;

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: Buffer | string;
  headers?: Record<string, HeaderValue>;
  /** Explicit partition; otherwise the key's hash decides. */
  partition?: number;
}

export interface DeliveredAt {
  partition: number;
  /** Offset in the partition, when the client could tell. */
  offset: string | null;
}

export interface BrokerProducer {
  connect(): Promise<void>;
  /** Sends in order; resolves with each message's partition and offset (same order as `messages`). */
  send(topic: string, messages: OutgoingMessage[]): Promise<DeliveredAt[]>;
  disconnect(): Promise<void>;
}

export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Prototype-free: header names are untrusted. */
  headers: Record<string, HeaderValue | undefined>;
  /** Broker timestamp, epoch ms as a decimal string (the append time on LogAppendTime topics). */
  timestamp: string;
}

export interface FetchedBatch {
  topic: string;
  partition: number;
  records: FetchedRecord[];
  highWatermark: string;
}

export interface BatchControl {
  heartbeat(): Promise<void>;
  /** Marks `offset` processed, so a retried fetch resumes after it (not a commit). */
  resolveOffset(offset: string): void;
  isRunning(): boolean;
  /** True when a seek or rebalance made the rest of this batch obsolete. */
  isStale(): boolean;
}

export interface BrokerConsumer {
  connect(): Promise<void>;
  subscribe(topic: string, fromBeginning: boolean): Promise<void>;
  /** Starts the fetch loop; resolves once it runs. */
  run(opts: {
    concurrency: number;
    eachBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
    onAssignment(partitions: number[]): void;
    onCrash(err: unknown, willRestart: boolean): void;
  }): Promise<void>;
  commit(topic: string, offsets: { partition: number; offset: string }[]): Promise<void>;
  /** The partition's next fetch starts at `offset`; batches fetched before are stale. */
  seek(topic: string, partition: number, offset: string): void;
  pause(topic: string): void;
  resume(topic: string): void;
  disconnect(): Promise<void>;
}

export interface BrokerAdmin {
  connect(): Promise<void>;
  /**
   * Creates the topic when missing (timestamps: LogAppendTime; `compacted`:
   * cleanup.policy=compact, the latest record per key is kept); true when it created it.
   */
  ensureTopic(topic: string, partitions: number, opts?: { compacted?: boolean }): Promise<boolean>;
  topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  groupOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  disconnect(): Promise<void>;
}

export interface BrokerClient {
  producer(opts?: { idempotent?: boolean }): BrokerProducer;
  consumer(opts: { groupId: string }): BrokerConsumer;
  admin(): BrokerAdmin;
}

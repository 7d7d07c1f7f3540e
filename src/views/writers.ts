// Direct writers for the side tables that are not pipeline outputs with
// sequence numbers: raw events (drill-down) and dead letters. Their natural
// key is the source offset, so a replay can be detected by (partition, offset).
import type { LearningEvent } from '../ingest/event.js';
import { type DeadLetterRecord, deadLetterRow, rawEventRow } from './rows.js';
import type { ClickHouseStore } from './store.js';

export interface RawEventRecord {
  event: LearningEvent;
  partition: number;
  offset: string | number;
}

export async function writeRawEvents(store: ClickHouseStore, records: readonly RawEventRecord[]): Promise<void> {
  await store.insert(
    'raw_events',
    records.map((r) => rawEventRow(r.event, r.partition, r.offset)),
  );
}

export async function writeDeadLetters(store: ClickHouseStore, records: readonly DeadLetterRecord[]): Promise<void> {
  await store.insert('dead_letters', records.map(deadLetterRow));
}

// Direct writers for the side tables that are not pipeline outputs with
// sequence numbers: raw events (drill-down) and dead letters. Their natural
// key is the source offset, so a replay can be detected by (partition, offset).
// Both go in through their fence (`<table>_in`): a row stamped with a stale
// claim never lands.
import type { LearningEvent } from '../ingest/event.js';
import { type DeadLetterRecord, deadLetterRow, type RowStamp, rawEventRow, unfencedStamp } from './rows.js';
import type { ClickHouseStore } from './store.js';
import { fencedInput } from './tables.js';

export interface RawEventRecord {
  event: LearningEvent;
  partition: number;
  offset: string | number;
}

/** The stamp (identity + claim) of a partition's rows; unfenced when not given. */
export type StampOf = (partition: number) => RowStamp;

const unfenced: StampOf = () => unfencedStamp;

export async function writeRawEvents(
  store: ClickHouseStore,
  records: readonly RawEventRecord[],
  stampOf: StampOf = unfenced,
): Promise<void> {
  await store.insert(
    fencedInput.raw_events,
    records.map((r) => rawEventRow(r.event, r.partition, r.offset, stampOf(r.partition))),
  );
}

export async function writeDeadLetters(
  store: ClickHouseStore,
  records: readonly DeadLetterRecord[],
  stampOf: StampOf = unfenced,
): Promise<void> {
  await store.insert(
    fencedInput.dead_letters,
    records.map((d) => deadLetterRow(d, stampOf(d.partition))),
  );
}

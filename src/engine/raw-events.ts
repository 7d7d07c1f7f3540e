// The raw_events drill-down and the dead_letters table as the pipeline sees them: which events to keep
// (the `views.rawEvents` setting) and a ClickHouse-backed port whose floor is
// the highest source offset already stored per partition, so replays add nothing.
import type { Config } from '../core/config.js';
import type { EventKind } from '../ingest/event.js';
import { deadLetterRecord } from '../ingest/index.js';
import {
  type ClickHouseStore,
  type DeadLetterRecord,
  ident,
  sql,
  writeDeadLetters,
  writeRawEvents,
} from '../views/index.js';
import type { PipelineOptions, RawEventsPort } from './pipeline.js';

/** The result identity raw events are stamped with (with each partition's claim). */
export interface RawEventsIdentity {
  deployment: string;
  topic: string;
}

export interface RawEventsWiring {
  rawEvents?: RawEventsPort;
  rawEventKinds?: readonly EventKind[];
}

export function rawEventsWiring(
  store: ClickHouseStore,
  mode: Config['views']['rawEvents'],
  identity: RawEventsIdentity = { deployment: '', topic: '' },
): RawEventsWiring {
  if (mode === 'off') return {};
  const rawEvents: RawEventsPort = {
    async floor(partition) {
      const [row] = await store.query<{ c: number; m: number | string }>(
        sql`SELECT count() AS c, max(source_offset) AS m FROM ${ident('raw_events')}
            WHERE ${ident('deployment')} = ${identity.deployment} AND ${ident('source_topic')} = ${identity.topic}
              AND ${ident('source_partition')} = ${partition}`.text,
      );
      return Number(row?.c ?? 0) > 0 ? BigInt(row?.m ?? 0) : undefined;
    },
    write: (records, claims) =>
      writeRawEvents(store, records, (partition) => {
        const claim = claims.get(partition);
        return { ...identity, epoch: claim?.epoch ?? 0, owner: claim?.owner ?? '' };
      }),
  };
  return mode === 'iep' ? { rawEvents, rawEventKinds: ['iep_goal_progress'] } : { rawEvents };
}

/**
 * The dead_letters table as the pipeline sees it: every rejected record of a
 * batch becomes a row, written with the checkpoint through the fence; the
 * floor (highest source offset stored per partition) keeps replays from
 * storing a dead letter twice.
 */
export function deadLettersWiring(store: ClickHouseStore, identity: RawEventsIdentity): PipelineOptions['deadLetters'] {
  type Row = DeadLetterRecord & { partition: number; offset: string };
  return {
    port: {
      async floor(partition) {
        const [row] = await store.query<{ c: number; m: number | string }>(
          sql`SELECT count() AS c, max(source_offset) AS m FROM ${ident('dead_letters')}
              WHERE ${ident('deployment')} = ${identity.deployment} AND ${ident('source_topic')} = ${identity.topic}
                AND ${ident('source_partition')} = ${partition}`.text,
        );
        return Number(row?.c ?? 0) > 0 ? BigInt(row?.m ?? 0) : undefined;
      },
      write: (records, claims) =>
        writeDeadLetters(store, records as Row[], (partition) => {
          const claim = claims.get(partition);
          return { ...identity, epoch: claim?.epoch ?? 0, owner: claim?.owner ?? '' };
        }),
    },
    fromBatch: (batch) => (batch.deadLetters ?? []).map(deadLetterRecord),
  };
}

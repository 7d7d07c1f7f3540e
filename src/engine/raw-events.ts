// The raw_events drill-down as the pipeline sees it: which events to keep
// (the `views.rawEvents` setting) and a ClickHouse-backed port whose floor is
// the highest source offset already stored per partition, so replays add nothing.
import type { Config } from '../core/config.js';
import type { EventKind } from '../ingest/event.js';
import { type ClickHouseStore, ident, sql, writeRawEvents } from '../views/index.js';
import type { RawEventsPort } from './pipeline.js';

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

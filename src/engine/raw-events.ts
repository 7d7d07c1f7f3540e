// The raw_events drill-down as the pipeline sees it: which events to keep
// (the `views.rawEvents` setting) and a ClickHouse-backed port whose floor is
// the highest source offset already stored per partition, so replays add nothing.
import type { Config } from '../core/config.js';
import type { EventKind } from '../ingest/event.js';
import { type ClickHouseStore, ident, sql, writeRawEvents } from '../views/index.js';
import type { RawEventsPort } from './pipeline.js';

export interface RawEventsWiring {
  rawEvents?: RawEventsPort;
  rawEventKinds?: readonly EventKind[];
}

export function rawEventsWiring(store: ClickHouseStore, mode: Config['views']['rawEvents']): RawEventsWiring {
  if (mode === 'off') return {};
  const rawEvents: RawEventsPort = {
    async floor(partition) {
      const [row] = await store.query<{ c: number; m: number | string }>(
        sql`SELECT count() AS c, max(source_offset) AS m FROM ${ident('raw_events')} WHERE ${ident('source_partition')} = ${partition}`
          .text,
      );
      return Number(row?.c ?? 0) > 0 ? BigInt(row?.m ?? 0) : undefined;
    },
    write: (records) => writeRawEvents(store, records),
  };
  return mode === 'iep' ? { rawEvents, rawEventKinds: ['iep_goal_progress'] } : { rawEvents };
}

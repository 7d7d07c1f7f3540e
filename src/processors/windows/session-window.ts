// A session point as checkpoints store it: what a session keeps of one event.
// The session rules themselves (joining a cluster, merging, the cap, the
// summary) run on the packed points of `operators/session-store.ts` and
// `operators/session-window-operator.ts`; this shape is the checkpoint entry
// they convert to and from, so checkpoints of the unpacked layout restore.
import type { EventKind } from '../../ingest/event.js';

/** What a session keeps of one event, as checkpointed. */
export interface SessionPoint {
  t: number;
  id: string;
  kind: EventKind;
  /** Question attempts only. */
  correct?: boolean;
  /** Question attempts and content interactions only. */
  topics?: string[];
}

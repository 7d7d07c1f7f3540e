// Pipeline figures that live in ClickHouse: dead letters by reason, late
// events by operator, and the newest checkpoint per partition. The live part
// of the status (lag, watermarks) comes from the engine through `pipelineStatus`.
import { sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';

const n = (v: unknown): number => Number(v ?? 0);

export interface StoredPipelineFigures {
  deadLettersByReason: Record<string, number>;
  lateEventsByOperator: Record<string, number>;
  checkpoints: { partition: number; createdAtMs: number }[];
}

export async function storedPipelineFigures(store: ClickHouseStore): Promise<StoredPipelineFigures> {
  const dlq = await store.query(
    sql`SELECT reason, count() AS c FROM dead_letters GROUP BY reason ORDER BY reason`.text,
  );
  const late = await store.query(
    sql`SELECT operator, count() AS c FROM late_events GROUP BY operator ORDER BY operator`.text,
  );
  const cps = await store.query(
    // Checkpoint chains (migration 005) and, for a deployment not checkpointed since, the parts written before them.
    sql`SELECT p, max(at) AS at FROM (
          SELECT source_partition AS p, created_at_ms AS at FROM engine_checkpoint_versions
          UNION ALL SELECT source_partition AS p, created_at_ms AS at FROM engine_checkpoint_chain
          UNION ALL SELECT source_partition AS p, created_at_ms AS at FROM engine_checkpoint_parts
        ) GROUP BY p ORDER BY p`.text,
  );
  return {
    deadLettersByReason: Object.fromEntries(dlq.map((r) => [String(r.reason), n(r.c)])),
    lateEventsByOperator: Object.fromEntries(late.map((r) => [String(r.operator), n(r.c)])),
    checkpoints: cps.map((r) => ({ partition: n(r.p), createdAtMs: n(r.at) })),
  };
}

// Which tenants and learners exist, as far as the results know: a tenant is
// known once any of its windows reached ClickHouse; a learner's tenant is
// where its sessions or mastery snapshots are. Unknown ones become 404s.
import { sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';

export async function tenantExists(store: ClickHouseStore, tenantId: string): Promise<boolean> {
  for (const table of [sql`sessions`, sql`weekly_active_partials`, sql`mastery_snapshots`]) {
    const rows = await store.query(sql`SELECT 1 AS x FROM ${table} WHERE tenant_id = ${tenantId} LIMIT 1`.text);
    if (rows.length > 0) return true;
  }
  return false;
}

/** Tenants in which this pseudonym has results (usually one). */
export async function tenantsOfLearner(store: ClickHouseStore, learnerId: string): Promise<string[]> {
  const rows = await store.query<{ t: string }>(
    sql`SELECT DISTINCT t FROM (
      SELECT tenant_id AS t FROM sessions WHERE learner_id = ${learnerId}
      UNION ALL SELECT tenant_id AS t FROM mastery_snapshots WHERE learner_id = ${learnerId}
    ) ORDER BY t LIMIT 20`.text,
  );
  return rows.map((r) => String(r.t));
}

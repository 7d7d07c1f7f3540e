// Mastery by topic for a tenant: per topic, the learners with a snapshot in
// the period and their latest mastery (score sums kept in percent points so
// the DP layer can noise them as integers with a known sensitivity).
import { day as dayLit, type Sql, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import type { Period } from './period.js';

const n = (v: unknown): number => Number(v ?? 0);

export interface TopicMasteryRow {
  topicId: string;
  learners: number;
  scoreSumPct: number;
  pKnownSumPct: number;
  improving: number;
  stable: number;
  declining: number;
}

export type MasterySort = 'topic' | 'learners' | 'mastery';

export async function topicMastery(
  store: ClickHouseStore,
  tenantId: string,
  p: Period,
  opts: { topic?: string | undefined; sort: MasterySort; order: 'asc' | 'desc'; limit: number; offset: number },
): Promise<{ rows: TopicMasteryRow[]; total: number }> {
  const topicFilter = opts.topic ? sql`AND topic_id = ${opts.topic}` : sql``;
  const inner = sql`SELECT topic_id, learner_id, argMax(mastery_score, day) AS score, argMax(p_known, day) AS pk,
      argMax(trend, day) AS tr
    FROM mastery_snapshots
    WHERE tenant_id = ${tenantId} AND day >= ${dayLit(p.fromDay)} AND day < ${dayLit(p.toDay)} ${topicFilter}
    GROUP BY topic_id, learner_id`;
  const sortKey: Record<MasterySort, Sql> = {
    topic: sql`topic_id`,
    learners: sql`learners`,
    mastery: sql`avg_score`,
  };
  const dir = opts.order === 'desc' ? sql`DESC` : sql`ASC`;
  const rows = await store.query(
    sql`SELECT topic_id, count() AS learners, sum(score) * 100 AS score_sum, sum(pk) * 100 AS pk_sum,
      avg(score) AS avg_score, countIf(tr = 'improving') AS improving, countIf(tr = 'stable') AS stable,
      countIf(tr = 'declining') AS declining
    FROM (${inner})
    GROUP BY topic_id ORDER BY ${sortKey[opts.sort]} ${dir}, topic_id ASC LIMIT ${opts.limit} OFFSET ${opts.offset}`
      .text,
  );
  const [t] = await store.query(sql`SELECT uniqExact(topic_id) AS c FROM (${inner})`.text);
  return {
    total: n(t?.c),
    rows: rows.map((r) => ({
      topicId: String(r.topic_id),
      learners: n(r.learners),
      scoreSumPct: Math.round(n(r.score_sum)),
      pKnownSumPct: Math.round(n(r.pk_sum)),
      improving: n(r.improving),
      stable: n(r.stable),
      declining: n(r.declining),
    })),
  };
}

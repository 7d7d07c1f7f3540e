// Per-tenant privacy budget, kept in ClickHouse (`privacy_budget_ledger`):
// a DP query is charged its epsilon once; the same query again is free (its
// answer is the same deterministic noisy figure, so it reveals nothing new);
// when the period's spending would pass the budget the query is refused.
import { LearnstreamError } from '../../core/errors.js';
import { formatDateTime, sql } from '../../views/sql.js';
import type { ClickHouseStore } from '../../views/store.js';
import { ApiPrivacyBudgetSpent } from '../errors.js';

export type BudgetPeriodKind = 'day' | 'week' | 'month';

export interface BudgetCharge {
  /** Epsilon charged by this call: 0 for a repeated query. */
  charged: number;
  period: string;
  spent: number;
  budget: number;
}

/** The accounting period containing `now`: `2026-11-22`, `2026-W47` or `2026-11` (UTC). */
export function budgetPeriodOf(kind: BudgetPeriodKind, now: Date): string {
  const iso = now.toISOString();
  if (kind === 'day') return iso.slice(0, 10);
  if (kind === 'month') return iso.slice(0, 7);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export interface PrivacyBudget {
  charge(
    tenantId: string,
    queryHash: string,
    epsilon: number,
    meta: { privacyLevel: string; actor: string },
  ): Promise<BudgetCharge>;
  spent(tenantId: string): Promise<{ period: string; spent: number; budget: number }>;
}

export function createPrivacyBudget(opts: {
  store: ClickHouseStore;
  budgetEpsilon: number;
  period: BudgetPeriodKind;
  now?: () => Date;
}): PrivacyBudget {
  const now = opts.now ?? (() => new Date());
  // Check-then-insert must not interleave for one tenant within this process.
  const tails = new Map<string, Promise<unknown>>();
  const serial = <T>(tenantId: string, fn: () => Promise<T>): Promise<T> => {
    const next = (tails.get(tenantId) ?? Promise.resolve()).then(fn, fn);
    tails.set(
      tenantId,
      next.catch(() => undefined),
    );
    return next;
  };
  const spentIn = async (tenantId: string, period: string): Promise<number> => {
    const rows = await opts.store.query<{ spent: number | string }>(
      sql`SELECT sum(epsilon) AS spent FROM privacy_budget_ledger WHERE tenant_id = ${tenantId} AND period = ${period}`
        .text,
    );
    return Number(rows[0]?.spent ?? 0);
  };
  return {
    async spent(tenantId) {
      const period = budgetPeriodOf(opts.period, now());
      return { period, spent: await spentIn(tenantId, period), budget: opts.budgetEpsilon };
    },
    charge(tenantId, queryHash, epsilon, meta) {
      return serial(tenantId, async () => {
        const at = now();
        const period = budgetPeriodOf(opts.period, at);
        const seen = await opts.store.query<{ n: number | string }>(
          sql`SELECT count() AS n FROM privacy_budget_ledger WHERE tenant_id = ${tenantId} AND query_hash = ${queryHash}`
            .text,
        );
        const spent = await spentIn(tenantId, period);
        if (Number(seen[0]?.n ?? 0) > 0) return { charged: 0, period, spent, budget: opts.budgetEpsilon };
        // Small tolerance: epsilons like 0.5 + 0.5 + … are exact in binary, others may not be.
        if (spent + epsilon > opts.budgetEpsilon + 1e-9) {
          throw new LearnstreamError(
            ApiPrivacyBudgetSpent,
            `tenant ${tenantId} has spent ${spent} of ${opts.budgetEpsilon} epsilon in ${period}; this query needs ${epsilon}. Repeat an earlier query, use privacy_level=anonymized, or wait for the next period`,
            { details: { tenantId, period, spent, budget: opts.budgetEpsilon, requested: epsilon } },
          );
        }
        await opts.store.insert('privacy_budget_ledger', [
          {
            tenant_id: tenantId,
            period,
            query_hash: queryHash,
            privacy_level: meta.privacyLevel,
            epsilon,
            delta: 0,
            actor: meta.actor,
            spent_at: formatDateTime(at),
            spent_at_ms: at.getTime(),
          },
        ]);
        return { charged: epsilon, period, spent: spent + epsilon, budget: opts.budgetEpsilon };
      });
    },
  };
}

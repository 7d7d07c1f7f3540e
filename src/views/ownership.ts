// Partition ownership claims in ClickHouse: the fence of exactly-once writes
// (docs/delivery.md). A newly assigned owner appends a claim with the next
// epoch; the fenced tables (schemas/clickhouse/004) accept a row only while its
// (owner_epoch, owner) is the partition's current claim. Before it reads what
// ClickHouse holds, the new owner waits out inserts other instances of its
// deployment still run (and kills them past a deadline), so nothing a stale
// owner started can land after the new owner has looked.
import { componentLogger, type Logger } from '../core/logger.js';
import { formatDateTime, ident, quoteString, sql } from './sql.js';
import type { ClickHouseStore } from './store.js';
import { currentOwnersView } from './tables.js';

/** An owner's claim on one partition. Epoch 0 = unfenced (tools, tests). */
export interface OwnerClaim {
  epoch: number;
  owner: string;
}

export const unfencedClaim: OwnerClaim = { epoch: 0, owner: '' };

/** The ClickHouse query id prefix of every insert an engine instance makes. */
export function insertQueryIdPrefix(deployment: string, owner?: string): string {
  return owner === undefined ? `learnstream:${deployment}:` : `learnstream:${deployment}:${owner}:`;
}

export interface OwnershipOptions {
  deployment: string;
  topic: string;
  /** Longest wait for another instance's in-flight inserts before they are killed. @default 30000 */
  waitOutMs?: number;
  logger?: Logger;
}

export class ClickHouseOwnership {
  private readonly log: Logger;
  private readonly waitOutMs: number;

  constructor(
    private readonly store: ClickHouseStore,
    private readonly o: OwnershipOptions,
  ) {
    this.log = o.logger ?? componentLogger('ownership');
    this.waitOutMs = o.waitOutMs ?? 30_000;
  }

  /** The partition's current claim, if anyone ever claimed it. */
  async current(partition: number): Promise<OwnerClaim | undefined> {
    const rows = await this.store.query<{ epoch: number | string; owner: string }>(
      sql`SELECT ${ident('epoch')} AS epoch, ${ident('owner')} AS owner FROM ${ident(currentOwnersView)}
          WHERE ${ident('deployment')} = ${this.o.deployment} AND ${ident('topic')} = ${this.o.topic}
            AND ${ident('source_partition')} = ${partition}`.text,
    );
    const row = rows[0];
    return row ? { epoch: Number(row.epoch), owner: row.owner } : undefined;
  }

  /**
   * Claims `partition` for `owner` with the next epoch. Resolves with the claim
   * when it is current afterwards, or undefined when a newer claim already won
   * (this instance is the stale one and must not process the partition).
   */
  async claim(partition: number, owner: string): Promise<OwnerClaim | undefined> {
    // Claim between inserts, not during one: each fenced view of an insert reads the claims on its
    // own, so a claim landing while an insert runs could pass a row to its table but not to a
    // rollup (or the reverse). After a rebalance the old owner has stopped writing the partition;
    // its in-flight insert ends here first.
    await this.waitOutInserts();
    const before = await this.current(partition);
    const claim: OwnerClaim = { epoch: (before?.epoch ?? 0) + 1, owner };
    const now = Date.now();
    await this.store.insert('partition_owners', [
      {
        deployment: this.o.deployment,
        topic: this.o.topic,
        source_partition: partition,
        epoch: claim.epoch,
        owner,
        claimed_at: formatDateTime(new Date(now)),
        claimed_at_ms: now,
      },
    ]);
    const after = await this.current(partition);
    if (!after || after.epoch !== claim.epoch || after.owner !== owner) {
      this.log.warn({ partition, claim, current: after }, 'ownership claim lost to a newer claim');
      return undefined;
    }
    await this.waitOutInserts();
    return claim;
  }

  /**
   * Waits until no insert of this deployment runs on the server — another
   * instance's, or this one's own from before the claim — and kills those
   * still running past the deadline. What ran under an older claim has then
   * either landed (and the new owner sees it) or never will.
   */
  async waitOutInserts(): Promise<void> {
    if (this.store.engine !== 'server') return; // chdb: one process holds the data directory
    const all = insertQueryIdPrefix(this.o.deployment);
    // system.processes is not in the identifier allow-list: its names are fixed text here, values quoted.
    const others = `query_id LIKE ${quoteString(`${likeEscape(all)}%`)}`;
    const deadline = Date.now() + this.waitOutMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      const [row] = await this.store.query<{ n: number | string }>(
        `SELECT count() AS n FROM system.processes WHERE ${others}`,
      );
      if (Number(row?.n ?? 0) === 0) return;
      if (Date.now() >= deadline) {
        this.log.warn({ deployment: this.o.deployment }, 'killing inserts of a stale owner that outlived the wait');
        await this.store.command(`KILL QUERY WHERE ${others} SYNC`);
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

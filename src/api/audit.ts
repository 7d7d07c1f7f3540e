// The audit trail of learner-level reads: who (token subject and role), what
// (action, resource, tenant, learner) and when, one `audit_log` row per read.
// Written before the data is returned: a read that cannot be audited fails.
import { LearnstreamError } from '../core/errors.js';
import { formatDateTime } from '../views/sql.js';
import type { ClickHouseStore } from '../views/store.js';
import type { Principal } from './auth/principal.js';
import { ApiAuditFailed } from './errors.js';

export interface AuditEntry {
  action: string;
  resource: string;
  tenantId: string;
  learnerId: string;
}

export interface AuditLog {
  record(who: Principal, what: AuditEntry): Promise<void>;
}

export function createAuditLog(store: ClickHouseStore, now: () => number = Date.now): AuditLog {
  return {
    async record(who, what) {
      const at = now();
      try {
        await store.insert('audit_log', [
          {
            at: formatDateTime(new Date(at)),
            at_ms: at,
            actor: who.subject,
            role: who.role,
            tenant_id: what.tenantId,
            learner_id: what.learnerId,
            action: what.action,
            resource: what.resource,
          },
        ]);
      } catch (err) {
        throw new LearnstreamError(ApiAuditFailed, (err as Error).message, { cause: err });
      }
    },
  };
}

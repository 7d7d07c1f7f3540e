// Pseudonymisation at the door: a learner's platform id becomes a keyed hash
// (HMAC-SHA256 with the configured secret, scoped by tenant) in every source,
// before an event leaves ingest. Raw ids never travel further.
import { createHmac } from 'node:crypto';
import type { LearningEvent } from './event.js';

/** 32 hex characters (128 bits) of HMAC-SHA256(secret, tenantId NUL learnerId). */
export function pseudonymize(secret: string, tenantId: string, learnerId: string): string {
  // NUL separator: ("ab","c") and ("a","bc") must not collide.
  return createHmac('sha256', secret).update(`${tenantId}\u0000${learnerId}`).digest('hex').slice(0, 32);
}

/** A copy of `event` whose learnerId is the pseudonym. */
export function pseudonymizeEvent<E extends LearningEvent>(secret: string, event: E): E {
  return { ...event, learnerId: pseudonymize(secret, event.tenantId, event.learnerId) };
}

// Pseudonymisation at the door: a learner's platform id becomes a keyed hash
// (HMAC-SHA256 with the configured secret, scoped by tenant) in every source,
// before an event leaves ingest. Raw ids never travel further.
import { createHmac } from 'node:crypto';
import type { LearningEvent } from './event.js';

// A learner sends many events: remember recent pseudonyms (per secret) instead
// of computing an HMAC per event. Bounded; the raw ids in the keys never leave
// this module.
const MEMO_CAPACITY = 65_536;
const memos = new Map<string, Map<string, string>>();

/** 32 hex characters (128 bits) of HMAC-SHA256(secret, tenantId NUL learnerId). */
export function pseudonymize(secret: string, tenantId: string, learnerId: string): string {
  // NUL separator: ("ab","c") and ("a","bc") must not collide.
  const input = `${tenantId}\u0000${learnerId}`;
  let memo = memos.get(secret);
  if (!memo) {
    if (memos.size >= 8) memos.clear();
    memo = new Map();
    memos.set(secret, memo);
  }
  const known = memo.get(input);
  if (known !== undefined) return known;
  const pseudonym = createHmac('sha256', secret).update(input).digest('hex').slice(0, 32);
  if (memo.size >= MEMO_CAPACITY) memo.clear();
  memo.set(input, pseudonym);
  return pseudonym;
}

/** A copy of `event` whose learnerId is the pseudonym. */
export function pseudonymizeEvent<E extends LearningEvent>(secret: string, event: E): E {
  return { ...event, learnerId: pseudonymize(secret, event.tenantId, event.learnerId) };
}

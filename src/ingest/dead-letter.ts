// Dead-letter records: every rejected record, readable. Headers carry the
// reason and the source coordinates; the JSON payload carries the original
// bytes (base64) and a decoded preview whose learner id is already pseudonymised.

import { bounded } from './bounded.js';
import type { OutgoingMessage } from './broker.js';
import type { DecodeRejection } from './codec.js';
import { pseudonymize } from './pseudonym.js';

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
  offset: string;
  timestamp?: string;
}

export interface DeadLetterPayload {
  reason: string;
  message: string;
  field: string | null;
  source: DeadLetterOrigin;
  /** The rejected record's value, exactly as read, base64. */
  value_base64: string | null;
  /** The decoded record (snake_case) when the bytes were readable; learner_id pseudonymised. */
  preview: Record<string, unknown> | null;
}

export const deadLetterHeaders = {
  reason: 'reason',
  message: 'message',
  field: 'field',
  topic: 'source_topic',
  partition: 'source_partition',
  offset: 'source_offset',
} as const;

export function deadLetterPayload(
  rejection: DecodeRejection,
  origin: DeadLetterOrigin,
  value: Buffer | null,
  pseudonymSecret: string,
): DeadLetterPayload {
  return {
    reason: rejection.reason,
    message: rejection.message,
    field: rejection.field ?? null,
    source: origin,
    value_base64: value ? value.toString('base64') : null,
    preview: rejection.preview ? pseudonymizedPreview(rejection.preview, pseudonymSecret) : null,
  };
}

export function deadLetterMessage(payload: DeadLetterPayload): OutgoingMessage {
  const headers: Record<string, string> = {
    [deadLetterHeaders.reason]: payload.reason,
    [deadLetterHeaders.message]: bounded(payload.message),
    [deadLetterHeaders.topic]: payload.source.topic,
    [deadLetterHeaders.partition]: String(payload.source.partition),
    [deadLetterHeaders.offset]: payload.source.offset,
  };
  if (payload.field) headers[deadLetterHeaders.field] = payload.field;
  // Keyed by source partition: the dead letters of one partition stay in order.
  return { key: `${payload.source.topic}/${payload.source.partition}`, value: JSON.stringify(payload), headers };
}

function pseudonymizedPreview(record: Record<string, unknown>, secret: string): Record<string, unknown> {
  const tenant = typeof record.tenant_id === 'string' ? record.tenant_id : '';
  const learner = record.learner_id;
  return {
    ...record,
    learner_id: typeof learner === 'string' ? pseudonymize(secret, tenant, learner) : null,
  };
}

// The collector endpoint, POST /v1/events: JSON batches from clients that
// cannot speak Avro (mobile offline sync). Each event is validated on its own
// with the contract's rules; valid ones go to the intake, invalid ones come
// back with field-level reasons. Limits on body bytes and event count. Every
// request carries a bearer token (checked before the body is read); an event
// of a tenant the token may not post for is rejected as `tenant_mismatch`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ErrorCodeSpec, LearnstreamError } from '../core/errors.js';
import type { CollectorIntake } from './collector-intake.js';
import type { ContractOptions } from './contract.js';
import { CollectorBadRequest, CollectorFailed, CollectorPayloadTooLarge, CollectorTooManyEvents } from './errors.js';
import { jsonEventSchema, parseJsonEvent } from './json-event.js';
import { collectorEvents } from './metrics.js';
import { type Rejection, reject } from './rejection.js';
import { eventSchemas } from './schema-registry.js';

/** What one request's bearer token lets it post. */
export interface EventPostGrant {
  /** Token subject, for the log. */
  subject: string;
  /** The one tenant it may post for; undefined: any tenant (admin). */
  tenantId: string | undefined;
  mayPostFor(tenantId: string): boolean;
}

/**
 * Resolves the grant of a request's `Authorization` header, or throws a
 * LearnstreamError with status 401 (missing or invalid token) or 403 (a role
 * that may not post events). Built by the API layer from the token verifier.
 */
export type CollectorAuthorizer = (authorization: string | undefined) => Promise<EventPostGrant>;

export interface CollectorOptions {
  intake: CollectorIntake;
  /** Who may post (required: the collector never takes anonymous writes). */
  authorize: CollectorAuthorizer;
  /** Most events in one batch. */
  maxEvents?: number;
  /** Largest request body in bytes. */
  maxBytes?: number;
  contract?: ContractOptions;
  /** Route path (default /v1/events). */
  path?: string;
  /** Clock filling `received_at` when a client omits it. */
  now?: () => number;
}

export interface CollectorEventResult {
  index: number;
  event_id: string | null;
  status: 'accepted' | 'rejected';
  errors?: { reason: string; field: string | null; message: string }[];
}

export interface CollectorResponse {
  accepted: number;
  rejected: number;
  results: CollectorEventResult[];
}

const collectorError = z
  .object({
    code: z.string().describe('Stable error code, e.g. LS_COLLECTOR_TOO_MANY_EVENTS'),
    error: z
      .string()
      .describe('Short name: unauthenticated, forbidden, bad_request, payload_too_large, too_many_events'),
    message: z.string(),
  })
  .describe('A refused request: nothing of the batch was taken');

const collectorResult = z
  .object({
    accepted: z.number().int(),
    rejected: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int().describe('Position of the event in the batch'),
        event_id: z.string().nullable(),
        status: z.enum(['accepted', 'rejected']),
        errors: z
          .array(z.object({ reason: z.string(), field: z.string().nullable(), message: z.string() }))
          .optional()
          .describe('Why the event was rejected (e.g. missing_field, invalid_field, tenant_mismatch, produce_failed)'),
      }),
    ),
  })
  .describe('One result per event, in order; 503 when some valid event could not be stored (retry the batch)');

/**
 * The route's request and responses for the OpenAPI document. Documentation
 * only: the batch is not validated as a whole (one bad event must not refuse
 * the others); each event is checked on its own and answered in `results`.
 */
export const collectorRouteSchema = {
  tags: ['events'],
  summary: 'Collector: a JSON batch of events (mobile offline sync); per-event accept / reject',
  description:
    'Send a JSON array of events, or {"events":[...]}, with a producer token of the events\' tenant (or an admin token). Each event is validated on its own with the contract\'s rules; accepted events go to the pipeline. Limits: source.collectorMaxEvents events and source.collectorMaxBytes bytes per request.',
  security: [{ bearerAuth: [] }],
  body: z.union([z.array(jsonEventSchema), z.object({ events: z.array(jsonEventSchema) })]),
  response: {
    200: collectorResult,
    503: collectorResult,
    400: collectorError,
    401: collectorError,
    403: collectorError,
    413: collectorError,
    500: collectorError,
  },
};

/** An error answer: the stable `code` every API error body has, plus the collector's short `error` name. */
function problem(reply: FastifyReply, spec: ErrorCodeSpec, error: string, message: string, status = spec.status) {
  return reply.code(status).send({ code: spec.code, error, message });
}

export function registerCollectorRoutes(app: FastifyInstance, opts: CollectorOptions): void {
  const { intake, authorize, maxEvents = 1000, maxBytes = 1024 * 1024, path = '/v1/events', now = Date.now } = opts;
  const currentSchemaVersion = eventSchemas().current.version;
  const grants = new WeakMap<FastifyRequest, EventPostGrant>();

  app.post(
    path,
    {
      bodyLimit: maxBytes,
      schema: collectorRouteSchema,
      // The schema documents the route; the handler validates each event itself, and answers as documented.
      validatorCompiler: () => (data) => ({ value: data }),
      serializerCompiler: () => (data) => JSON.stringify(data),
      // Before the body is read: an anonymous client cannot make the collector parse a megabyte.
      onRequest: async (request, reply) => {
        try {
          grants.set(request, await authorize(request.headers.authorization));
        } catch (err) {
          if (!(err instanceof LearnstreamError) || (err.status !== 401 && err.status !== 403)) throw err;
          if (err.status === 401) reply.header('www-authenticate', 'Bearer');
          return reply.code(err.status).send({
            code: err.code,
            error: err.status === 401 ? 'unauthenticated' : 'forbidden',
            message: err.message,
          });
        }
      },
      errorHandler: (err, _request, reply) => {
        const e = err as { code?: string; statusCode?: number; message: string };
        if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return problem(
            reply,
            CollectorPayloadTooLarge,
            'payload_too_large',
            `request body exceeds ${maxBytes} bytes; split the batch`,
          );
        }
        if ((e.statusCode ?? 500) < 500)
          return problem(reply, CollectorBadRequest, 'bad_request', e.message, e.statusCode ?? 400);
        reply.log.error({ err }, 'collector failed');
        return problem(reply, CollectorFailed, 'internal', 'the collector failed; retry the batch');
      },
    },
    async (request, reply) => {
      const grant = grants.get(request) as EventPostGrant;
      const body = request.body as unknown;
      const events = Array.isArray(body) ? body : (body as { events?: unknown } | null)?.events;
      if (!Array.isArray(events)) {
        return problem(
          reply,
          CollectorBadRequest,
          'bad_request',
          'expected a JSON array of events or an object { "events": [...] }',
        );
      }
      if (events.length > maxEvents) {
        return problem(
          reply,
          CollectorTooManyEvents,
          'too_many_events',
          `batch has ${events.length} events; at most ${maxEvents} per request`,
        );
      }
      const receivedAt = now();
      const results: CollectorEventResult[] = [];
      const valid: { index: number; event: Parameters<CollectorIntake['accept']>[0][number] }[] = [];
      events.forEach((raw, index) => {
        const parsed = parseJsonEvent(raw, { contract: opts.contract, receivedAt, currentSchemaVersion });
        const eventId =
          typeof (raw as { event_id?: unknown })?.event_id === 'string' ? (raw as { event_id: string }).event_id : null;
        if (parsed.ok && !grant.mayPostFor(parsed.event.tenantId)) {
          results[index] = {
            index,
            event_id: eventId,
            status: 'rejected',
            errors: [
              errorOf(
                reject(
                  'tenant_mismatch',
                  `this token may post events of tenant ${grant.tenantId} only, not ${parsed.event.tenantId}`,
                  'tenant_id',
                ),
              ),
            ],
          };
        } else if (parsed.ok) {
          valid.push({ index, event: parsed.event });
          results[index] = { index, event_id: eventId, status: 'accepted' };
        } else {
          results[index] = { index, event_id: eventId, status: 'rejected', errors: parsed.errors.map(errorOf) };
        }
      });
      let unavailable = false;
      if (valid.length > 0) {
        const outcome = await intake.accept(valid.map((v) => v.event));
        outcome.forEach((r, i) => {
          const { index } = valid[i] as { index: number };
          if (!r.ok) {
            if (r.reason === 'produce_failed') unavailable = true;
            results[index] = {
              index,
              event_id: (results[index] as CollectorEventResult).event_id,
              status: 'rejected',
              errors: [errorOf(r as Rejection)],
            };
          }
        });
      }
      const accepted = results.filter((r) => r.status === 'accepted').length;
      collectorEvents.inc({ outcome: 'accepted' }, accepted);
      collectorEvents.inc({ outcome: 'rejected' }, results.length - accepted);
      const response: CollectorResponse = { accepted, rejected: results.length - accepted, results };
      // 503 tells a syncing client to retry the batch (event ids make the retry safe to deduplicate).
      return reply.code(unavailable ? 503 : 200).send(response);
    },
  );
}

function errorOf(r: { reason: string; message: string; field?: string }) {
  return { reason: r.reason, field: r.field ?? null, message: r.message };
}

// Turns anything a route throws into `{ code, message, details? }` with the
// right status: request validation → 400 (privacy level → its own code),
// LearnstreamError → its status, fastify's own 4xx → LS_API_BAD_REQUEST,
// everything else → 500 LS_API_INTERNAL (logged, details withheld).
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { LearnstreamError } from '../core/errors.js';
import { ApiBadRequest, ApiInternal, ApiNotFound, ApiPrivacyLevelUnknown } from './errors.js';
import { privacyBudgetRefusals } from './metrics.js';

interface Issue {
  path: string;
  message: string;
}

function issuesOf(err: { validation: unknown[]; validationContext?: string }): Issue[] {
  return err.validation.map((v) => {
    const i = v as { instancePath?: string; message?: string; params?: { issue?: { path?: unknown[] } } };
    const path = (i.params?.issue?.path ?? []).map(String).join('.') || (i.instancePath ?? '').replace(/^\//, '');
    return { path: `${err.validationContext ?? 'request'}${path ? `.${path}` : ''}`, message: i.message ?? 'invalid' };
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | LearnstreamError | Error, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = issuesOf(err as unknown as { validation: unknown[]; validationContext?: string });
      const privacy = issues.find((i) => i.path.endsWith('privacy_level'));
      const spec = privacy ? ApiPrivacyLevelUnknown : ApiBadRequest;
      const message = privacy
        ? `${spec.message}: use one of anonymized, dp_low, dp_medium, dp_high`
        : `${spec.message}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      return reply.code(spec.status).send({ code: spec.code, message, details: { issues } });
    }
    if (err instanceof LearnstreamError) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      if (err.code === 'LS_API_PRIVACY_BUDGET_SPENT') privacyBudgetRefusals.inc();
      // Store errors carry SQL in their details: never hand that to a client.
      const body =
        err.status >= 500 && err.code.startsWith('LS_STORE')
          ? { code: err.code, message: 'ClickHouse is unavailable or failed' }
          : err.toJSON();
      return reply.code(err.status).send(body);
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send({ code: ApiBadRequest.code, message: err.message });
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ code: ApiInternal.code, message: ApiInternal.message });
  });
  // Only under /v1 and /api/v1: the process's other routes (health, collector) keep their own 404s,
  // and the engine may set a root not-found handler without a conflict.
  for (const prefix of ['/v1', '/api/v1']) {
    app.register(
      async (scope) => {
        scope.setNotFoundHandler((req, reply) =>
          reply.code(404).send({
            code: ApiNotFound.code,
            message: `${ApiNotFound.message}: ${req.method} ${req.url.split('?')[0]}`,
          }),
        );
      },
      { prefix },
    );
  }
}

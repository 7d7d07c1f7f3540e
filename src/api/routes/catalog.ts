// The topic catalog of a tenant: PUT /v1/tenants/:tenantId/topics replaces it
// (JSON or CSV, validated, a new version, audited, published to the catalog
// topic when the engine runs on Kafka), GET reads the current or a given
// version, GET …/topics/:topicId one topic with the defaults of an unknown one.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LearnstreamError } from '../../core/errors.js';
import {
  type CatalogIssue,
  type CatalogTopic,
  catalogCsvColumns,
  catalogIssueCodes,
  catalogView,
  parseCatalogCsv,
  validateCatalog,
} from '../../ingest/catalog/index.js';
import { catalogOf, catalogVersionInfo, storeCatalogVersion } from '../../views/catalog.js';
import { canManageCatalog, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import {
  ApiCatalogConflict,
  ApiCatalogInvalid,
  ApiCatalogPublishFailed,
  ApiForbidden,
  ApiNotFound,
} from '../errors.js';
import { errorResponses, tenantIdSchema } from '../schemas.js';

/** Publishes a stored catalog version to the catalog topic (the engine provides it in Kafka mode). */
export type CatalogPublisher = (catalog: {
  tenantId: string;
  version: number;
  topics: readonly CatalogTopic[];
}) => Promise<void>;

const topicUpload = z.object({
  topicId: z.string().describe('1-128 characters of A-Z a-z 0-9 _ . : / -, unique in the catalog'),
  name: z.string().nullish().describe('Display name (default: the id), at most 256 characters'),
  parentId: z.string().nullish().describe('Parent topic, listed in the same upload'),
  examWeight: z.number().nullish().describe('0..10 (default 0)'),
  prerequisites: z.array(z.string()).nullish().describe('Topic ids of the same upload, no cycles'),
  estimatedHours: z.number().nullish().describe('Hours to master, ≥ 0 (default 0)'),
  examId: z.string().nullish().describe('Exam the topic counts for'),
  examSection: z.string().nullish().describe('Section of that exam (needs examId)'),
});

const catalogUpload = z
  .object({ topics: z.array(topicUpload).describe('The whole catalog: it replaces the current one') })
  .describe(
    `JSON, or text/csv with a header row of the columns ${Object.keys(catalogCsvColumns).join(', ')} (prerequisites separated by ;)`,
  );

const topicOut = z.object({
  topicId: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  examWeight: z.number(),
  prerequisites: z.array(z.string()),
  estimatedHours: z.number(),
  examId: z.string().nullable(),
  examSection: z.string().nullable(),
});

const putResponse = z.object({
  tenantId: z.string(),
  version: z.number().int().describe('The catalog version now current'),
  created: z.boolean().describe('false: the upload equals the current version, nothing new was stored'),
  topics: z.number().int(),
  digest: z.string().describe('SHA-256 of the normalised catalog'),
  published: z.boolean().describe('Published to the catalog topic (false when the engine does not run on Kafka)'),
});

const catalogResponse = z.object({
  tenantId: z.string(),
  version: z.number().int().describe('0: the tenant has no catalog; every topic counts as unknown'),
  deleted: z.boolean(),
  digest: z.string(),
  createdAtMs: z.number().nullable(),
  topics: z.array(topicOut),
});

const topicInfoResponse = topicOut.extend({
  tenantId: z.string(),
  version: z.number().int(),
  known: z.boolean().describe('false: not in the catalog; the defaults apply (weight 0, no prerequisites)'),
  examWeightNorm: z.number(),
  prerequisiteImpact: z.number().describe("Share of the tenant's topics that list this one as a prerequisite"),
  dependents: z.array(z.string()),
});

const catalogParams = z.object({ tenantId: tenantIdSchema });
const topicParams = z.object({ tenantId: tenantIdSchema, topicId: z.string().min(1).max(128) });
const versionQuery = z.object({
  version: z.coerce.number().int().min(1).optional().describe('A stored version (default: the current one)'),
});

function authorize(who: Principal, tenantId: string, verb: 'read' | 'replace'): void {
  if (!canManageCatalog(who, tenantId)) {
    throw new LearnstreamError(ApiForbidden, `role ${who.role} cannot ${verb} tenant ${tenantId}'s topic catalog`);
  }
}

function invalid(issues: CatalogIssue[]): LearnstreamError {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new LearnstreamError(ApiCatalogInvalid, `${first?.code}: ${first?.message}${more}`, { details: { issues } });
}

export function registerCatalogRoutes(app: FastifyInstance, ctx: ApiContext, publish?: CatalogPublisher): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const maxBytes = ctx.config.api.catalogMaxBytes;
  const limits = { maxTopics: ctx.config.api.catalogMaxTopics };
  // A CSV body becomes the JSON shape here, so both go through one schema and one validation.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: maxBytes }, (_req, body, done) => {
    const parsed = parseCatalogCsv(body as string);
    if (parsed.ok) done(null, { topics: parsed.topics });
    else done(invalid(parsed.issues), undefined);
  });

  r.put(
    '/v1/tenants/:tenantId/topics',
    {
      bodyLimit: maxBytes,
      schema: {
        tags: ['catalog'],
        summary: "Replace the tenant's topic catalog (JSON or text/csv): a new version unless nothing changed",
        description: `Admins for any tenant, staff for their own. 400 LS_CATALOG_INVALID lists every issue with its code: ${catalogIssueCodes.join(', ')}.`,
        security: [{ bearerAuth: [] }],
        consumes: ['application/json', 'text/csv'],
        params: catalogParams,
        body: catalogUpload,
        response: { 200: putResponse, ...errorResponses, 409: errorResponses[400], 503: errorResponses[400] },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      const { tenantId } = req.params;
      authorize(who, tenantId, 'replace');
      const checked = validateCatalog(req.body.topics, limits);
      if (!checked.ok) throw invalid(checked.issues);
      const outcome = await storeCatalogVersion(ctx.store, {
        tenantId,
        topics: checked.topics,
        digest: checked.digest,
        origin: 'api',
        actor: who.subject,
        atMs: Date.now(),
      });
      if (outcome.kind === 'conflict' || outcome.kind === 'stale' || outcome.kind === 'duplicate') {
        throw new LearnstreamError(ApiCatalogConflict, `version ${outcome.version}; send the upload again`, {
          details: { version: outcome.version },
        });
      }
      await ctx.audit.record(who, {
        action: outcome.kind === 'created' ? 'put_topic_catalog' : 'put_topic_catalog_unchanged',
        resource: `/v1/tenants/${tenantId}/topics?version=${outcome.version}`,
        tenantId,
        learnerId: '',
      });
      // Published also when unchanged: a send that failed before is made good by sending the same upload again.
      if (publish) {
        try {
          await publish({ tenantId, version: outcome.version, topics: checked.topics });
        } catch (err) {
          throw new LearnstreamError(ApiCatalogPublishFailed, `version ${outcome.version}`, {
            cause: err,
            details: { version: outcome.version },
          });
        }
      }
      return {
        tenantId,
        version: outcome.version,
        created: outcome.kind === 'created',
        topics: checked.topics.length,
        digest: checked.digest,
        published: publish !== undefined,
      };
    },
  );

  r.get(
    '/v1/tenants/:tenantId/topics',
    {
      schema: {
        tags: ['catalog'],
        summary: "The tenant's topic catalog: the current version, or ?version=N",
        security: [{ bearerAuth: [] }],
        params: catalogParams,
        querystring: versionQuery,
        response: { 200: catalogResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      const { tenantId } = req.params;
      authorize(who, tenantId, 'read');
      const version = req.query.version;
      const [catalog, info] = await Promise.all([
        catalogOf(ctx.store, tenantId, { version }),
        catalogVersionInfo(ctx.store, tenantId, version),
      ]);
      if (!catalog) {
        throw new LearnstreamError(ApiNotFound, `tenant ${tenantId} has no catalog version ${version}`, {
          details: { tenantId, version },
        });
      }
      return { ...catalog, createdAtMs: info?.createdAtMs ?? null };
    },
  );

  r.get(
    '/v1/tenants/:tenantId/topics/:topicId',
    {
      schema: {
        tags: ['catalog'],
        summary: 'One topic of the current catalog; a topic not listed gets the defaults (known: false)',
        security: [{ bearerAuth: [] }],
        params: topicParams,
        querystring: versionQuery,
        response: { 200: topicInfoResponse, ...errorResponses },
      },
    },
    async (req) => {
      const who = await ctx.authenticate(req);
      const { tenantId, topicId } = req.params;
      authorize(who, tenantId, 'read');
      const catalog = await catalogOf(ctx.store, tenantId, { version: req.query.version });
      if (!catalog)
        throw new LearnstreamError(ApiNotFound, `tenant ${tenantId} has no catalog version ${req.query.version}`);
      return { tenantId, version: catalog.version, ...catalogView(catalog).topic(topicId) };
    },
  );
}

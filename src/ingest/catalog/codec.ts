// Avro codec of the catalog topic's records: key = tenant id, value = the
// whole catalog of the tenant (schemas/topic_catalog.v1.avsc) in single-object
// encoding, or null (a tombstone: delete the tenant's catalog). Decoding never
// throws: a bad record comes back as a typed rejection for the dead letters.
import { bounded } from '../bounded.js';
import { scanAvro } from '../bounds-check.js';
import type { DecodeRejection } from '../codec.js';
import { reject } from '../rejection.js';
import { catalogSchemas, type EventSchemas } from '../schema-registry.js';
import type { CatalogTopic } from './model.js';
import { type CatalogLimits, validateCatalog } from './validate.js';

export const tenantIdPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A decoded catalog record: a new version of a tenant's catalog, or its deletion. */
export type CatalogUpdate =
  | { ok: true; kind: 'upsert'; tenantId: string; version: number; topics: CatalogTopic[]; digest: string }
  | { ok: true; kind: 'delete'; tenantId: string };

export interface CatalogRecordInput {
  tenantId: string;
  version: number;
  topics: readonly CatalogTopic[];
}

interface AvroTopic {
  topic_id: string;
  name: string;
  parent_id: string | null;
  exam_weight: number;
  prerequisites: string[];
  estimated_hours: number;
  exam_id: string | null;
  exam_section: string | null;
}

const marker = Buffer.from([0xc3, 0x01]);

/** The record value (single-object encoding of the current catalog schema). */
export function encodeCatalogValue(input: CatalogRecordInput, schemas: EventSchemas = catalogSchemas()): Buffer {
  const writer = schemas.current;
  const record = {
    tenant_id: input.tenantId,
    version: input.version,
    topics: input.topics.map(
      (t): AvroTopic => ({
        topic_id: t.topicId,
        name: t.name,
        parent_id: t.parentId,
        exam_weight: t.examWeight,
        prerequisites: [...t.prerequisites],
        estimated_hours: t.estimatedHours,
        exam_id: t.examId,
        exam_section: t.examSection,
      }),
    ),
  };
  const fp = Buffer.alloc(8);
  fp.writeBigUInt64LE(writer.fingerprint);
  return Buffer.concat([marker, fp, writer.type.toBuffer(record)]);
}

/** Reads one record of the catalog topic (key and value as fetched). */
export function decodeCatalogRecord(
  key: Buffer | null,
  value: Buffer | null,
  limits: CatalogLimits = {},
  schemas: EventSchemas = catalogSchemas(),
): CatalogUpdate | DecodeRejection {
  try {
    const tenantId = key?.toString('utf8') ?? '';
    if (!tenantIdPattern.test(tenantId)) {
      return reject('invalid_key', 'the record key must be the tenant id (1-64 characters of A-Z a-z 0-9 _ . : -)');
    }
    if (value === null) return { ok: true, kind: 'delete', tenantId };
    if (value.length < 10) return reject('truncated', 'single-object header cut short');
    if (value[0] !== 0xc3 || value[1] !== 0x01) {
      return reject('unknown_format', 'catalog records use Avro single-object encoding (C3 01 + fingerprint)');
    }
    const hex = value.subarray(2, 10).toString('hex');
    const writer = schemas.byFingerprintHex(hex);
    if (!writer) return reject('unknown_fingerprint', `no catalog schema in schemas/ has fingerprint ${hex}`);
    const scan = scanAvro(writer.type, value, 10);
    if (!scan.ok) return reject(scan.reason, `catalog v${writer.version} record: ${scan.message}`, scan.field);
    if (scan.end !== value.length)
      return reject('corrupt', `${value.length - scan.end} trailing bytes after the record`);
    const resolver = schemas.resolverFor(writer);
    const decoded = resolver ? schemas.current.type.decode(value, 10, resolver) : writer.type.decode(value, 10);
    if (decoded.offset < 0) return reject('truncated', 'catalog record cut short');
    const record = decoded.value as { tenant_id: string; version: number; topics: AvroTopic[] };
    const preview = { tenant_id: record.tenant_id, version: record.version, topics: record.topics };
    if (record.tenant_id !== tenantId) {
      return {
        ...reject(
          'invalid_key',
          `key ${tenantId} but the record is of tenant ${bounded(record.tenant_id, 64)}`,
          'tenant_id',
        ),
        preview,
      };
    }
    if (!Number.isSafeInteger(record.version) || record.version <= 0) {
      return { ...reject('out_of_range', `version ${record.version} must be a positive integer`, 'version'), preview };
    }
    const checked = validateCatalog(
      record.topics.map((t) => ({
        topicId: t.topic_id,
        name: t.name,
        parentId: t.parent_id,
        examWeight: t.exam_weight,
        prerequisites: t.prerequisites,
        estimatedHours: t.estimated_hours,
        examId: t.exam_id,
        examSection: t.exam_section,
      })),
      limits,
    );
    if (!checked.ok) {
      const first = checked.issues[0];
      const more = checked.issues.length > 1 ? ` (and ${checked.issues.length - 1} more)` : '';
      return {
        ...reject(
          'invalid_catalog',
          `${first?.code}: ${first?.message}${more}`,
          first?.index === undefined ? 'topics' : `topics.${first.index}${first.field ? `.${first.field}` : ''}`,
        ),
        preview,
      };
    }
    return {
      ok: true,
      kind: 'upsert',
      tenantId,
      version: record.version,
      topics: checked.topics,
      digest: checked.digest,
    };
  } catch (err) {
    return reject('corrupt', `undecodable catalog record: ${bounded((err as Error).message)}`);
  }
}

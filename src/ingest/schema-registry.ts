// The envelope schemas of schemas/, built into avsc types once per process.
// Finds a writer schema by its CRC-64-AVRO fingerprint (single-object) or by a
// configured Confluent id, and caches one resolver per writer into the reader.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { LearnstreamError } from '../core/errors.js';
import { SchemaRegistryInvalid } from './errors.js';
import { crc64Avro, fingerprintHex } from './fingerprint.js';

type Resolver = ReturnType<avro.Type['createResolver']>;

export const defaultSchemasDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../schemas');

export interface EnvelopeSchema {
  version: number;
  file: string;
  type: avro.Type;
  /** Parsing Canonical Form, the input of the fingerprint. */
  canonical: string;
  fingerprint: bigint;
  /** Little-endian hex, as on the wire after `C3 01`. */
  fingerprintHex: string;
}

interface RegistrySubject {
  subject: string;
  current: number;
  versions: { version: number; file: string; fingerprint: string }[];
}

/** The events subject at the top level (its original place), other subjects under their own key. */
interface RegistryFile extends RegistrySubject {
  topicCatalog?: RegistrySubject;
}

export class EventSchemas {
  readonly current: EnvelopeSchema;
  private readonly byFingerprint = new Map<string, EnvelopeSchema>();
  private readonly byVersion = new Map<number, EnvelopeSchema>();
  private readonly resolvers = new Map<number, Resolver | null>();

  constructor(
    readonly versions: EnvelopeSchema[],
    currentVersion: number,
  ) {
    for (const v of versions) {
      this.byFingerprint.set(v.fingerprintHex, v);
      this.byVersion.set(v.version, v);
    }
    const current = this.byVersion.get(currentVersion);
    if (!current) throw new LearnstreamError(SchemaRegistryInvalid, `current version ${currentVersion} not listed`);
    this.current = current;
  }

  version(v: number): EnvelopeSchema | undefined {
    return this.byVersion.get(v);
  }

  /** `hex`: the 8 fingerprint bytes as they appear on the wire. */
  byFingerprintHex(hex: string): EnvelopeSchema | undefined {
    return this.byFingerprint.get(hex);
  }

  /** Resolver reading `writer` records into the current reader schema (null: same schema, none needed). */
  resolverFor(writer: EnvelopeSchema): Resolver | null {
    let r = this.resolvers.get(writer.version);
    if (r === undefined) {
      r = writer === this.current ? null : this.current.type.createResolver(writer.type);
      this.resolvers.set(writer.version, r);
    }
    return r;
  }
}

/** Builds the schemas of `dir` and checks each against its frozen fingerprint in registry.json. */
export function loadEventSchemas(dir: string = defaultSchemasDir): EventSchemas {
  const registry = readRegistry(dir);
  return new EventSchemas(buildVersions(dir, registry), registry.current);
}

/** The topic catalog schemas (registry.json `topicCatalog`), checked the same way. */
export function loadCatalogSchemas(dir: string = defaultSchemasDir): EventSchemas {
  const subject = readRegistry(dir).topicCatalog;
  if (!subject) throw new LearnstreamError(SchemaRegistryInvalid, `${dir}/registry.json lists no topicCatalog subject`);
  return new EventSchemas(buildVersions(dir, subject), subject.current);
}

function readRegistry(dir: string): RegistryFile {
  try {
    return JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')) as RegistryFile;
  } catch (err) {
    throw new LearnstreamError(SchemaRegistryInvalid, `${dir}/registry.json: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function buildVersions(dir: string, subject: RegistrySubject): EnvelopeSchema[] {
  return subject.versions.map(({ version, file, fingerprint }) => {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as avro.Schema;
    const type = avro.Type.forSchema(schema);
    // avsc's schema() without exportAttrs is the Parsing Canonical Form.
    const canonical = JSON.stringify(type.schema());
    const fp = crc64Avro(canonical);
    const hex = fingerprintHex(fp);
    if (hex !== fingerprint) {
      throw new LearnstreamError(
        SchemaRegistryInvalid,
        `${file} has fingerprint ${hex} but registry.json froze it at ${fingerprint}; published schemas must not change — add a new version instead`,
      );
    }
    return { version, file, type, canonical, fingerprint: fp, fingerprintHex: hex };
  });
}

let shared: EventSchemas | undefined;

/** The process-wide schemas of schemas/, built on first use. */
export function eventSchemas(): EventSchemas {
  shared ??= loadEventSchemas();
  return shared;
}

let sharedCatalog: EventSchemas | undefined;

/** The process-wide topic catalog schemas of schemas/, built on first use. */
export function catalogSchemas(): EventSchemas {
  sharedCatalog ??= loadCatalogSchemas();
  return sharedCatalog;
}

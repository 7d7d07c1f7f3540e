// Avro codec of learning events. Default wire format is Avro single-object
// encoding (`C3 01` + 8-byte CRC-64-AVRO fingerprint of the writer schema);
// Confluent framing (`00` + 4-byte big-endian schema id) is read when ids are
// mapped to envelope versions. Decoding never throws: bad bytes and contract
// violations come back as typed rejections.
import { LearnstreamError } from '../core/errors.js';
import { eventFromAvro, eventToAvro } from './avro-mapping.js';
import { bounded } from './bounded.js';
import { scanAvro } from './bounds-check.js';
import { type ContractOptions, checkContract } from './contract.js';
import { IngestOptionInvalid } from './errors.js';
import type { LearningEvent } from './event.js';
import { type Rejection, reject } from './rejection.js';
import { type EnvelopeSchema, type EventSchemas, eventSchemas } from './schema-registry.js';

export type WireFormat = 'single-object' | 'confluent';

const singleObjectMarker = [0xc3, 0x01] as const;
const confluentMagic = 0x00;

/** A rejection from decoding, with the decoded record (snake_case) when the bytes were readable. */
export type DecodeRejection = Rejection & { preview?: Record<string, unknown> };
export type DecodeResult = { ok: true; event: LearningEvent; writerVersion: number } | DecodeRejection;
export type EncodeResult = { ok: true; bytes: Buffer } | Rejection;

export interface EventCodecOptions {
  schemas?: EventSchemas;
  /** Confluent Schema Registry ids → envelope version in schemas/ (e.g. `{ 17: 1, 18: 2 }`). */
  confluentSchemaIds?: Record<number, number> | Map<number, number>;
  contract?: ContractOptions;
}

export interface EncodeOptions {
  format?: WireFormat;
  version?: number;
  /** Encode even when the contract is violated (schema types still enforced): for test data and the simulator's malformed records. */
  skipContract?: boolean;
}

export interface DecodeOptions {
  /**
   * The record's own reference time for the future rule: the broker timestamp
   * of a Kafka record (LogAppendTime). Never the wall clock, so a replay decides
   * identically. Without it only the `received_at` bound applies.
   */
  referenceTimeMs?: number;
}

export interface EventCodec {
  /** Encoding is a door: the future rule is judged against the receive clock (`contract.now`, else the wall clock). */
  encode(event: LearningEvent, opts?: EncodeOptions): EncodeResult;
  decode(bytes: Uint8Array, opts?: DecodeOptions): DecodeResult;
  readonly schemas: EventSchemas;
}

export function createEventCodec(opts: EventCodecOptions = {}): EventCodec {
  const schemas = opts.schemas ?? eventSchemas();
  const idToVersion = new Map<number, number>(
    opts.confluentSchemaIds instanceof Map
      ? opts.confluentSchemaIds
      : Object.entries(opts.confluentSchemaIds ?? {}).map(([id, v]) => [Number(id), v]),
  );
  const versionToId = new Map<number, number>();
  for (const [id, version] of idToVersion) {
    if (!schemas.version(version)) {
      throw new LearnstreamError(IngestOptionInvalid, `Confluent schema id ${id} maps to unknown version ${version}`);
    }
    versionToId.set(version, id);
  }

  function encode(event: LearningEvent, o: EncodeOptions = {}): EncodeResult {
    try {
      return encodeUnsafe(event, o);
    } catch (err) {
      // Only reachable from untyped callers (a body that is not an object, ...).
      return reject('invalid_field', `not an event: ${bounded((err as Error).message)}`);
    }
  }

  function encodeUnsafe(event: LearningEvent, o: EncodeOptions): EncodeResult {
    const writer = o.version === undefined ? schemas.current : schemas.version(o.version);
    if (!writer) return reject('invalid_field', `no envelope version ${o.version} in schemas/`, 'schema_version');
    const violation = o.skipContract ? null : checkContract(event, opts.contract, (opts.contract?.now ?? Date.now)());
    if (violation) return violation;
    const record = eventToAvro(event, writer.version);
    let badPath: string | undefined;
    if (!writer.type.isValid(record, { errorHook: (path) => (badPath ??= path.join('.')) })) {
      return reject('invalid_field', `${badPath ?? 'record'} does not match the Avro schema`, badPath);
    }
    const payload = writer.type.toBuffer(record);
    if ((o.format ?? 'single-object') === 'single-object') {
      const fp = Buffer.alloc(8);
      fp.writeBigUInt64LE(writer.fingerprint);
      return { ok: true, bytes: Buffer.concat([Buffer.from(singleObjectMarker), fp, payload]) };
    }
    const id = versionToId.get(writer.version);
    if (id === undefined) {
      return reject('unknown_schema_id', `no Confluent schema id configured for envelope v${writer.version}`);
    }
    const header = Buffer.alloc(5);
    header[0] = confluentMagic;
    header.writeUInt32BE(id, 1);
    return { ok: true, bytes: Buffer.concat([header, payload]) };
  }

  function decode(input: Uint8Array, o: DecodeOptions = {}): DecodeResult {
    try {
      const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      const framed = readFrame(bytes);
      if (!framed.ok) return framed;
      return decodeBody(bytes, framed.writer, framed.offset, o.referenceTimeMs);
    } catch (err) {
      // Defensive: the walk above should make this unreachable.
      return reject('corrupt', `undecodable record: ${bounded((err as Error).message)}`);
    }
  }

  function readFrame(bytes: Buffer): { ok: true; writer: EnvelopeSchema; offset: number } | Rejection {
    if (bytes.length === 0) return reject('truncated', 'empty record');
    if (bytes[0] === singleObjectMarker[0]) {
      if (bytes.length < 2) return reject('truncated', 'single-object marker cut short');
      if (bytes[1] !== singleObjectMarker[1]) {
        return reject('unknown_format', `single-object marker C3 ${hexByte(bytes[1])}, expected C3 01`);
      }
      if (bytes.length < 10) return reject('truncated', 'single-object fingerprint cut short');
      const hex = bytes.subarray(2, 10).toString('hex');
      const writer = schemas.byFingerprintHex(hex);
      if (!writer) return reject('unknown_fingerprint', `no schema in schemas/ has fingerprint ${hex}`);
      return { ok: true, writer, offset: 10 };
    }
    if (bytes[0] === confluentMagic) {
      if (bytes.length < 5) return reject('truncated', 'Confluent header cut short');
      const id = bytes.readUInt32BE(1);
      const version = idToVersion.get(id);
      const writer = version === undefined ? undefined : schemas.version(version);
      if (!writer) return reject('unknown_schema_id', `no schema mapped to Confluent schema id ${id}`);
      return { ok: true, writer, offset: 5 };
    }
    return reject('unknown_format', `first byte ${hexByte(bytes[0])} is neither C3 (single-object) nor 00 (Confluent)`);
  }

  function decodeBody(
    bytes: Buffer,
    writer: EnvelopeSchema,
    offset: number,
    referenceTimeMs: number | undefined,
  ): DecodeResult {
    const scan = scanAvro(writer.type, bytes, offset);
    if (!scan.ok) return reject(scan.reason, `v${writer.version} record: ${scan.message}`, scan.field);
    if (scan.end !== bytes.length) {
      return reject('corrupt', `${bytes.length - scan.end} trailing bytes after the v${writer.version} record`);
    }
    const resolver = schemas.resolverFor(writer);
    const { value, offset: end } = resolver
      ? schemas.current.type.decode(bytes, offset, resolver)
      : writer.type.decode(bytes, offset);
    if (end < 0) return reject('truncated', `v${writer.version} record cut short`);
    const record = value as Record<string, unknown>;
    const event = eventFromAvro(record);
    const violation = checkContract(event, opts.contract, referenceTimeMs);
    if (violation) return { ...violation, preview: record };
    return { ok: true, event, writerVersion: writer.version };
  }

  return { encode, decode, schemas };
}

function hexByte(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0').toUpperCase();
}

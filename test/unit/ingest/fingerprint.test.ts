// CRC-64-AVRO against the Avro project's own test vectors
// (share/test/data/schema-tests.txt, signed 64-bit values).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crc64Avro, eventSchemas } from '../../../src/ingest/index.js';

describe('CRC-64-AVRO fingerprint', () => {
  it.each([
    ['"null"', 7195948357588979594n],
    ['"boolean"', -6970731678124411036n],
    ['"int"', 8247732601305521295n],
    ['"string"', -8142146995180207161n],
    ['{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
    ['{"name":"x.y.foo","type":"record","fields":[]}', 5916914534497305771n],
    ['{"type":"map","values":"string"}', -8732877298790414990n],
    [
      '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
      -1759257747318642341n,
    ],
  ])('fingerprints %s as the spec says', (canonical, expected) => {
    expect(BigInt.asIntN(64, crc64Avro(canonical))).toBe(expected);
  });

  it('the envelope schemas are frozen at the fingerprints registry.json lists', () => {
    const registry = JSON.parse(readFileSync(new URL('../../../schemas/registry.json', import.meta.url), 'utf8'));
    const schemas = eventSchemas();
    for (const v of registry.versions) expect(schemas.version(v.version)?.fingerprintHex).toBe(v.fingerprint);
    expect(schemas.current.version).toBe(3);
  });

  it('uses the Parsing Canonical Form: docs, defaults and logical types do not count', () => {
    const v1 = eventSchemas().version(1);
    expect(v1?.canonical.startsWith('{"name":"learnstream.events.LearningEvent","type":"record","fields":[')).toBe(
      true,
    );
    expect(v1?.canonical).not.toMatch(/doc|default|logicalType|\s/);
  });
});

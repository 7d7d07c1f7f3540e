import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSettings, envName, loadConfig } from '../../src/core/config.js';
import { LearnstreamError } from '../../src/core/errors.js';

describe('configuration', () => {
  it('needs no settings at all for embedded defaults', () => {
    const c = loadConfig({});
    expect(c.source.kind).toBe('embedded');
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.server.port).toBe(8080);
  });

  it('reads environment variables, with the short aliases', () => {
    const c = loadConfig({
      LEARNSTREAM_PORT: '9999',
      KAFKA_BROKERS: 'a:1, b:2',
      CLICKHOUSE_URL: 'http://127.0.0.1:8123',
      LEARNSTREAM_SOURCE_KIND: 'kafka',
      LEARNSTREAM_SOURCE_SIMULATE: 'false',
    });
    expect(c.server.port).toBe(9999);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.clickhouse.url).toBe('http://127.0.0.1:8123');
    expect(c.source.kind).toBe('kafka');
    expect(c.source.simulate).toBe(false);
  });

  it('fails fast naming the variable and the bad value', () => {
    let caught: unknown;
    try {
      loadConfig({ LEARNSTREAM_PORT: 'abc' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LearnstreamError);
    const err = caught as LearnstreamError;
    expect(err.code).toBe('LS_CONFIG_INVALID');
    expect(err.message).toContain('LEARNSTREAM_PORT');
    expect(err.message).toContain('"abc"');
    expect(() => loadConfig({ LEARNSTREAM_SOURCE_KIND: 'carrier-pigeon' })).toThrow(/LEARNSTREAM_SOURCE_KIND/);
    expect(() => loadConfig({ LEARNSTREAM_SOURCE_SIMULATE: 'maybe' })).toThrow(/LEARNSTREAM_SOURCE_SIMULATE/);
  });

  it('takes a JSON config file that environment variables override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ server: { port: 7000, host: '0.0.0.0' }, kafka: { topic: 'from-file' } }));
    const c = loadConfig({ LEARNSTREAM_CONFIG: file, LEARNSTREAM_PORT: '7001' });
    expect(c.server.port).toBe(7001);
    expect(c.server.host).toBe('0.0.0.0');
    expect(c.kafka.topic).toBe('from-file');
    expect(() => loadConfig({ LEARNSTREAM_CONFIG: join(dir, 'missing.json') })).toThrow(/LEARNSTREAM_CONFIG/);
  });

  it('describes every setting with an env var and a description', () => {
    const settings = describeSettings();
    expect(settings.length).toBeGreaterThan(10);
    for (const s of settings) {
      expect(s.description.length, s.path).toBeGreaterThan(5);
      expect(s.env).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
    expect(envName('kafka', 'deadLetterTopic')).toBe('LEARNSTREAM_KAFKA_DEAD_LETTER_TOPIC');
  });
});

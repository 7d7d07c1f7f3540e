// `learnstream simulate --out FILE` then `learnstream replay FILE`, as an
// operator runs them: into a real engine's collector (NDJSON and Avro
// container) and into a real Kafka topic. Every valid record is accepted,
// every malformed one rejected, and the engine / broker holds exactly the
// valid ones.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventCodec } from '../../src/ingest/index.js';
import { type SimulatedRecord, simulateCount } from '../../src/ingest/simulator/index.js';
import { createTopic, readTopic, testKafka } from '../integration/ingest/kafka-helpers.js';
import { type EngineProcess, spawnEngine, testSecrets } from '../support/engine-process.js';
import { tempDir, testServices, waitFor } from '../support/index.js';

const bin = new URL('../../bin/learnstream.mjs', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LEARNSTREAM_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// The simulator's own record of what it wrote: events, or deliberately malformed records.
const simulation = { seed: 11, events: 3000, malformedShare: 0.03, lateShare: 0.01, outOfOrderShare: 0.03 };
const simulateArgs = [
  '--seed',
  '11',
  '--events',
  '3000',
  '--malformed',
  '0.03',
  '--late',
  '0.01',
  '--out-of-order',
  '0.03',
];

async function metric(baseUrl: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const m = line.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('learnstream replay', () => {
  let records: SimulatedRecord[];
  let valid: SimulatedRecord[];
  let malformed: SimulatedRecord[];
  let dir: string;
  let engine: EngineProcess;
  /** An admin token from `learnstream token`: the simulated events span several tenants. */
  let adminToken: string;

  beforeAll(async () => {
    records = simulateCount(simulation);
    valid = records.filter((r) => r.type === 'event');
    malformed = records.filter((r) => r.type === 'malformed');
    expect(records.length).toBe(3000);
    expect(malformed.length).toBeGreaterThan(20);
    dir = tempDir('learnstream-replay-');
    engine = await spawnEngine({
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${dir}/chdb`,
      LEARNSTREAM_SOURCE_SIMULATE: 'false',
    });
    const minted = await cli(['token', '--role', 'admin', '--sub', 'replay-test'], {
      LEARNSTREAM_AUTH_JWT_SECRET: testSecrets.LEARNSTREAM_AUTH_JWT_SECRET,
    });
    expect(minted.code, minted.stderr).toBe(0);
    adminToken = minted.stdout.trim();
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
  });

  it('NDJSON: the collector accepts every valid record and rejects every malformed one', async () => {
    const file = `${dir}/events.ndjson`;
    const sim = await cli(['simulate', ...simulateArgs, '--out', file]);
    expect(sim.code, sim.stderr).toBe(0);

    const replay = await cli(['replay', file, '--to', engine.baseUrl, '--batch', '250', '--token', adminToken]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`replay ${file} → collector ${engine.baseUrl}/v1/events: 3000 events`);
    expect(replay.stdout).toContain(`accepted ${valid.length}, rejected ${malformed.length} (`);
    // Progress went to stderr, ending at 100 %.
    expect(replay.stderr).toMatch(/replay: 100% · 3000 events/);

    // The engine counted them and its pipeline consumed every accepted event.
    expect(await metric(engine.baseUrl, /^learnstream_collector_events_total\{outcome="accepted"\} (\d+)$/m)).toBe(
      valid.length,
    );
    await waitFor(
      async () => (await metric(engine.baseUrl, /^learnstream_source_records_consumed_total (\d+)$/m)) >= valid.length,
      { timeoutMs: 30_000, message: 'pipeline consumed the replayed events' },
    );
  }, 120_000);

  it('Avro container: the same, minus the byte-level defects a container cannot hold', async () => {
    const file = `${dir}/events.avro`;
    const sim = await cli(['simulate', ...simulateArgs, '--out', file]);
    expect(sim.code, sim.stderr).toBe(0);
    // writeAvroContainer leaves out truncated and garbage bytes; contract violations stay in.
    const inContainer = malformed.filter(
      (r) => r.type === 'malformed' && r.defect !== 'truncated_bytes' && r.defect !== 'garbage_bytes',
    );
    const before = await metric(engine.baseUrl, /^learnstream_collector_events_total\{outcome="accepted"\} (\d+)$/m);
    const replay = await cli(['replay', file, '--to', engine.baseUrl], { LEARNSTREAM_TOKEN: adminToken });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`${valid.length + inContainer.length} events`);
    expect(replay.stdout).toContain(`accepted ${valid.length}, rejected ${inContainer.length}`);
    const after = await metric(engine.baseUrl, /^learnstream_collector_events_total\{outcome="accepted"\} (\d+)$/m);
    expect(after - before).toBe(valid.length);
  }, 120_000);

  it('without a token the collector refuses the first batch (401) and replay exits 1', async () => {
    const file = `${dir}/events-anonymous.ndjson`;
    const sim = await cli(['simulate', '--seed', '3', '--events', '20', '--out', file]);
    expect(sim.code, sim.stderr).toBe(0);
    const before = await metric(engine.baseUrl, /^learnstream_collector_events_total\{outcome="accepted"\} (\d+)$/m);
    const replay = await cli(['replay', file, '--to', engine.baseUrl]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('the collector refused a batch: 401');
    expect(replay.stderr).toContain('LS_API_UNAUTHENTICATED');
    const after = await metric(engine.baseUrl, /^learnstream_collector_events_total\{outcome="accepted"\} (\d+)$/m);
    expect(after).toBe(before);
  }, 60_000);

  it('--kafka: exactly the valid events land on the topic, keyed to their learner', async () => {
    const file = `${dir}/events-kafka.ndjson`;
    const sim = await cli(['simulate', ...simulateArgs, '--out', file]);
    expect(sim.code, sim.stderr).toBe(0);
    const kafka = testKafka();
    const topic = await createTopic(kafka, 'replay', 3);
    const replay = await cli([
      'replay',
      file,
      '--kafka',
      '--topic',
      topic,
      '--brokers',
      testServices().kafkaBrokers.join(','),
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toContain(`accepted ${valid.length}, rejected ${malformed.length}`);

    const messages = await readTopic(kafka, topic, valid.length);
    expect(messages.length).toBe(valid.length);
    const codec = createEventCodec();
    const ids = messages.map((m) => {
      const decoded = codec.decode(m.value as Buffer);
      if (!decoded.ok) throw new Error(`undecodable message at ${m.partition}/${m.offset}: ${decoded.reason}`);
      expect(m.key?.toString()).toBe(`${decoded.event.tenantId}/${decoded.event.learnerId}`);
      return decoded.event.eventId;
    });
    expect(new Set(ids)).toEqual(new Set(valid.map((r) => r.event.eventId)));
  }, 180_000);
});

// Event contract v3 through the real broker into the real ClickHouse server:
// a v3 producer's events (context, page view, error, exam_result) and v1 / v2
// producers' records on one topic, read by the engine's Kafka source and
// written with the engine's own raw-events and dead-letter wiring. Valid
// records of every version land in raw_events with their exact bodies; invalid
// v3 fields land in dead_letters with their reason, and the partition goes on.
import { afterAll, describe, expect, it } from 'vitest';
import { deadLettersWiring, rawEventsWiring } from '../../../src/engine/raw-events.js';
import {
  createEventCodec,
  createEventProducer,
  createKafkaSource,
  type EventSource,
  type LearningEvent,
  pseudonymize,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { type ClickHouseStore, openServerStore, runMigrations } from '../../../src/views/index.js';
import { testServices, uniqueName, waitFor } from '../../support/index.js';
import {
  activity,
  clientError,
  examResult,
  iepGoalProgress,
  pageView,
  questCompleted,
  questionAttempt,
} from '../../unit/ingest/fixtures.js';
import { createTopic, testKafka } from './kafka-helpers.js';

const secret = 'contract-v3-test-secret';
const services = testServices();

/** Each fixture as its own learner, so the partitioner spreads them. */
function learner(e: LearningEvent, n: number): LearningEvent {
  return { ...e, learnerId: `lms-v3-u${n}` };
}

describe('contract v3 through Kafka into ClickHouse (real broker, real server)', () => {
  const kafka = testKafka();
  let source: EventSource | undefined;
  let store: ClickHouseStore | undefined;
  afterAll(async () => {
    await source?.stop();
    await store?.close();
  });

  it('stores v3, v2 and v1 records in raw_events and invalid v3 fields in dead_letters', async () => {
    const topic = await createTopic(kafka, 'ingest_v3', 2);
    const deadLetterTopic = await createTopic(kafka, 'ingest_v3_dlq', 1);
    store = await openServerStore({ url: services.clickhouseUrl, database: uniqueName('v3') });
    await runMigrations(store);

    const v3 = [pageView, clientError, examResult, questCompleted].map(learner);
    const producer = createEventProducer({ brokers: services.kafkaBrokers, topic });
    const sent = await producer.send(v3);
    await producer.disconnect();
    expect(sent.map((r) => r.ok)).toEqual([true, true, true, true]);

    // Older producers: v1 and v2 bytes, and v3 records whose new fields break the contract.
    const codec = createEventCodec();
    const bytes = (e: LearningEvent, version?: number, skipContract = false) => {
      const r = codec.encode(e, { version, skipContract });
      if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
      return r.bytes;
    };
    const v1 = learner({ ...activity, schemaVersion: 1 }, 10);
    const v2 = [learner(questionAttempt, 11), learner(iepGoalProgress, 12)];
    const badDigest = learner(
      {
        ...clientError,
        eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1b01',
        body: {
          ...(clientError.body as Extract<LearningEvent['body'], { kind: 'activity' }>),
          details: { kind: 'error', errorType: 'http', component: 'x', httpStatus: 500, messageDigest: 'bob@x.y' },
        },
      },
      13,
    );
    const badPlatform = learner(
      {
        ...pageView,
        eventId: '5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1b02',
        context: { courseId: 'c', classId: null, platform: 'smartfridge', deviceKind: null },
      },
      14,
    );
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({
      topic,
      acks: -1,
      messages: [
        { key: `${v1.tenantId}/${v1.learnerId}`, value: bytes(v1, 1) },
        ...v2.map((e) => ({ key: `${e.tenantId}/${e.learnerId}`, value: bytes(e, 2) })),
        { key: 'tenant-01/bad-1', value: bytes(badDigest, 3, true) },
        { key: 'tenant-01/bad-2', value: bytes(badPlatform, 3, true) },
      ],
    });
    await plain.disconnect();

    const identity = { deployment: '', topic };
    const raw = rawEventsWiring(store, 'all', identity).rawEvents;
    const dead = deadLettersWiring(store, identity);
    if (!raw || !dead) throw new Error('wiring');
    const batches: SourceBatch[] = [];
    source = createKafkaSource({
      brokers: services.kafkaBrokers,
      clientId: 'v3-test',
      topic,
      groupId: uniqueName('v3_group'),
      deadLetterTopic,
      pseudonymSecret: secret,
    });
    await source.run({
      onBatch: async (b) => {
        const records = b.records.flatMap((r) =>
          r.type === 'event' ? [{ event: r.event, partition: b.partition, offset: r.offset }] : [],
        );
        if (records.length > 0) await raw.write(records, new Map());
        const letters = dead.fromBatch(b);
        if (letters.length > 0) await dead.port.write(letters, new Map());
        batches.push(b); // after the writes: a batch counted is a batch stored
      },
    });
    const seen = () => batches.reduce((n, b) => n + b.records.length + (b.deadLetters?.length ?? 0), 0);
    await waitFor(() => seen() === 9, { timeoutMs: 60_000, message: 'all 9 records' });

    // Decoded into the current reader: every value exact, the v3 fields where the producer sent them.
    const decoded = batches
      .flatMap((b) => b.records)
      .flatMap((r) => (r.type === 'event' ? [r.event] : []))
      .sort((a, b) => a.eventId.localeCompare(b.eventId));
    const pseudonymous = (e: LearningEvent) => ({ ...e, learnerId: pseudonymize(secret, e.tenantId, e.learnerId) });
    const expected = [...v3, { ...v1, clientSessionId: null }, ...v2]
      .map(pseudonymous)
      .sort((a, b) => a.eventId.localeCompare(b.eventId));
    expect(decoded).toEqual(expected);
    expect(decoded.find((e) => e.body.kind === 'exam_result')?.context).toEqual(examResult.context);

    const rows = await store.query<{ event_id: string; kind: string; schema_version: number; body: string }>(
      'SELECT event_id, kind, schema_version, body FROM raw_events ORDER BY event_id',
    );
    expect(rows).toEqual(
      expected.map((e) => {
        const { kind, ...body } = e.body;
        return { event_id: e.eventId, kind, schema_version: e.schemaVersion, body: JSON.stringify(body) };
      }),
    );
    expect(JSON.parse(rows.find((r) => r.kind === 'exam_result')?.body ?? '{}')).toEqual({
      examId: 'exam-algebra-midterm',
      score: 0.815,
      passed: true,
      takenAt: Date.UTC(2026, 0, 5, 8, 0),
    });
    expect(JSON.parse(rows.find((r) => r.event_id === pageView.eventId)?.body ?? '{}').details).toEqual({
      kind: 'page_view',
      path: '/quests/12',
      referrerPath: '/dashboard',
      loadTimeMs: 412,
      timeOnPageMs: 63_000,
    });

    const letters = await store.query<{ reason: string; preview: string }>(
      'SELECT reason, preview FROM dead_letters ORDER BY source_offset',
    );
    expect(letters.map((l) => l.reason)).toEqual(['invalid_field', 'invalid_field']);
    // The row's preview carries the field to blame and the decoded v3 record.
    const previews = letters
      .map((l) => JSON.parse(l.preview) as { field: string; record: Record<string, unknown> })
      .sort((a, b) => a.field.localeCompare(b.field));
    expect(previews.map((p) => [p.field, p.record.event_id])).toEqual([
      ['body.details.message_digest', badDigest.eventId],
      ['context.platform', badPlatform.eventId],
    ]);
    expect(previews[1]?.record.context).toEqual({
      course_id: 'c',
      class_id: null,
      platform: 'smartfridge',
      device_kind: null,
    });
  }, 120_000);
});

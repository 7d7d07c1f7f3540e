// The future rule is judged against the record's own reference time (broker
// timestamp in Kafka, receive time at the collector and the in-process push),
// never the wall clock at decode time: a replay decides identically.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createEventCodec,
  createInProcessSource,
  eventToJson,
  type LearningEvent,
  parseJsonEvent,
  type SourceBatch,
} from '../../../src/ingest/index.js';
import { waitFor } from '../../support/index.js';
import { activity } from './fixtures.js';

const hour = 3_600_000;
const brokerTime = Date.UTC(2026, 2, 1, 12); // 2026-03-01T12:00Z
const codec = createEventCodec({ contract: { maxFutureMs: hour } });

function bytesOf(event: LearningEvent): Buffer {
  const r = codec.encode(event, { skipContract: true });
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('future rule against the broker timestamp', () => {
  // received_at equal to occurred_at, so only the reference time can reject.
  const ahead = (ms: number) => ({ ...activity, occurredAt: brokerTime + ms, receivedAt: brokerTime + ms });

  it('rejects 23 h after the broker timestamp and accepts 1 min (1 h skew), at any wall clock', () => {
    const far = bytesOf(ahead(23 * hour));
    const near = bytesOf(ahead(60_000));
    const edge = bytesOf(ahead(hour)); // exactly the skew: not "more than"
    const beyond = bytesOf(ahead(hour + 1));
    vi.useFakeTimers();
    // Decided first when the record is fresh, then on replays an hour, a day and a year later,
    // and with the wall clock far in the past: the decision never changes.
    for (const wall of [brokerTime, brokerTime + hour, brokerTime + 24 * hour, brokerTime + 365 * 24 * hour, 0]) {
      vi.setSystemTime(wall);
      expect(codec.decode(far, { referenceTimeMs: brokerTime })).toMatchObject({
        ok: false,
        reason: 'future_occurred_at',
        field: 'occurred_at',
      });
      expect(codec.decode(near, { referenceTimeMs: brokerTime })).toMatchObject({ ok: true });
      expect(codec.decode(edge, { referenceTimeMs: brokerTime })).toMatchObject({ ok: true });
      expect(codec.decode(beyond, { referenceTimeMs: brokerTime })).toMatchObject({ reason: 'future_occurred_at' });
    }
  });

  it('without a reference time only the received_at bound applies, and the wall clock is not read', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2001, 0, 1)); // years before the event
    expect(codec.decode(bytesOf(ahead(23 * hour)))).toMatchObject({ ok: true });
    const afterReceipt = { ...activity, receivedAt: brokerTime, occurredAt: brokerTime + 2 * hour };
    expect(codec.decode(bytesOf(afterReceipt))).toMatchObject({ ok: false, reason: 'future_occurred_at' });
  });
});

describe('future rule at the doors that receive', () => {
  it('collector: judged against its receive time, whatever received_at the client claims', () => {
    const receivedAt = brokerTime;
    const opts = { contract: { maxFutureMs: hour }, receivedAt, currentSchemaVersion: 2 };
    // The client claims received_at 23 h ahead too: the collector's own receive time still decides.
    const claimed = eventToJson({
      ...activity,
      occurredAt: brokerTime + 23 * hour,
      receivedAt: brokerTime + 23 * hour,
    });
    const r = parseJsonEvent(claimed, opts);
    expect(r.ok ? [] : r.errors.map((e) => [e.reason, e.field])).toEqual([['future_occurred_at', 'occurred_at']]);
    const near = eventToJson({ ...activity, occurredAt: brokerTime + 60_000, receivedAt: brokerTime + 60_000 });
    expect(parseJsonEvent(near, opts)).toMatchObject({ ok: true });
  });

  it('in-process push: the push time is the reference and the record carries it as appendedAtMs', async () => {
    const source = createInProcessSource({
      partitions: 1,
      pseudonymSecret: 's',
      contract: { maxFutureMs: hour, now: () => brokerTime },
    });
    const results = source.push([
      { ...activity, occurredAt: brokerTime + 23 * hour, receivedAt: brokerTime + 23 * hour },
      {
        ...activity,
        eventId: '3f1c2a8e-5b7d-4c9e-8a1f-0d2b4c6e8f11',
        occurredAt: brokerTime + 60_000,
        receivedAt: brokerTime,
      },
    ]);
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(results[0]).toMatchObject({ reason: 'future_occurred_at' });
    const batches: SourceBatch[] = [];
    await source.run({ onBatch: async (b) => void batches.push(b) });
    await waitFor(() => batches.length === 1);
    await source.stop();
    const [event] = batches[0]?.records ?? [];
    expect(event).toMatchObject({ type: 'event', offset: '1', appendedAtMs: brokerTime });
  });
});

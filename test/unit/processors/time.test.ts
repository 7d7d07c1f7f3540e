// Event time: partition watermark, engine watermark with idle partitions,
// event-time timers, the quiet-partition ticker and the UTC calendar windows.
import { describe, expect, it } from 'vitest';
import {
  EngineWatermark,
  EventTimeTimers,
  isoWeekLabel,
  isoWeekStart,
  NO_WATERMARK,
  PartitionWatermark,
  QuietPartitionTicker,
  utcDayLabel,
} from '../../../src/processors/index.js';

const MIN = 60_000;

describe('PartitionWatermark', () => {
  it('trails the highest event time by the out-of-orderness and never goes back', () => {
    const wm = new PartitionWatermark(5 * MIN);
    expect(wm.current()).toBe(NO_WATERMARK);
    expect(wm.observe(100 * MIN)).toBe(95 * MIN);
    expect(wm.observe(90 * MIN)).toBe(95 * MIN); // an older event does not move it
    expect(wm.observe(101 * MIN)).toBe(96 * MIN);
    const copy = new PartitionWatermark(5 * MIN);
    copy.restore(JSON.parse(JSON.stringify(wm.snapshot())));
    expect(copy.current()).toBe(96 * MIN);
  });
});

describe('EngineWatermark', () => {
  it('is the minimum over active partitions; idle ones drop out after the timeout', () => {
    const engine = new EngineWatermark(60_000);
    engine.observe(0, 1000, 0);
    engine.observe(1, 500, 0);
    expect(engine.current(0)).toBe(500);
    engine.observe(0, 2000, 50_000); // partition 1 stays quiet
    expect(engine.current(60_000)).toBe(500); // exactly the timeout: still active
    expect(engine.idlePartitions(60_001)).toEqual([1]);
    expect(engine.current(60_001)).toBe(2000);
    expect(engine.current(200_000)).toBe(NO_WATERMARK); // all idle
    engine.remove(0);
    engine.observe(1, 700, 200_000);
    expect(engine.current(200_000)).toBe(700);
  });
});

describe('EventTimeTimers', () => {
  it('fires keys once the watermark is past their time, in (time, key) order', () => {
    const timers = new EventTimeTimers();
    timers.schedule('b', 10);
    timers.schedule('a', 10);
    timers.schedule('c', 5);
    timers.schedule('d', 20);
    timers.schedule('d', 7); // moved earlier
    expect(timers.fire(5)).toEqual([]); // 5 is not past 5
    expect(timers.fire(11)).toEqual(['c', 'd', 'a', 'b']);
    expect(timers.size).toBe(0);
  });

  it('forgets cancelled timers and survives snapshot/restore', () => {
    const timers = new EventTimeTimers();
    timers.schedule('x', 3);
    timers.schedule('y', 4);
    timers.schedule('x', 9);
    timers.cancel('y');
    const copy = new EventTimeTimers();
    copy.restore(JSON.parse(JSON.stringify(timers.snapshot())));
    expect(copy.fire(5)).toEqual([]);
    expect(copy.fire(10)).toEqual(['x']);
  });
});

describe('QuietPartitionTicker', () => {
  it('asks for a tick on partitions quiet for the interval, once per interval', () => {
    const ticker = new QuietPartitionTicker(10_000);
    ticker.recordSeen(0, 0);
    ticker.recordSeen(1, 5_000);
    expect(ticker.ticksDue(9_999, 777)).toEqual([]);
    expect(ticker.ticksDue(10_000, 777)).toEqual([{ partition: 0, eventTime: 777 }]);
    expect(ticker.ticksDue(15_000, 888)).toEqual([{ partition: 1, eventTime: 888 }]);
    expect(ticker.ticksDue(19_999, 999)).toEqual([]);
    expect(ticker.ticksDue(20_000, 999)).toEqual([{ partition: 0, eventTime: 999 }]);
  });
});

describe('calendar windows', () => {
  it('puts ISO weeks on Monday 00:00 UTC and labels them by the year of their Thursday', () => {
    // 2026-11-22 is a Sunday: its week started Monday 2026-11-16.
    expect(utcDayLabel(isoWeekStart(Date.UTC(2026, 10, 22, 23, 59)))).toBe('2026-11-16');
    expect(isoWeekStart(Date.UTC(2026, 10, 16))).toBe(Date.UTC(2026, 10, 16));
    // 2026 starts on a Thursday, so it has 53 weeks; Friday 2027-01-01 is still in 2026-W53.
    expect(isoWeekLabel(Date.UTC(2026, 11, 31))).toBe('2026-W53');
    expect(isoWeekLabel(Date.UTC(2027, 0, 1))).toBe('2026-W53');
    expect(isoWeekLabel(Date.UTC(2027, 0, 4))).toBe('2027-W01');
    // Monday 2024-12-30 begins 2025-W01 (its Thursday is 2025-01-02).
    expect(isoWeekLabel(Date.UTC(2024, 11, 30))).toBe('2025-W01');
    expect(isoWeekLabel(Date.UTC(2026, 10, 16))).toBe('2026-W47');
    // Before the epoch too.
    expect(utcDayLabel(isoWeekStart(Date.UTC(1969, 11, 31)))).toBe('1969-12-29');
  });
});

// Mastery: BKT, SM-2, FSRS and the daily snapshot. Expected numbers are worked
// out by hand in the comments, or (FSRS) by a separate computation from the
// published FSRS-6 formulas — see the FSRS block for where they come from.
import { describe, expect, it } from 'vitest';
import {
  bktUpdate,
  contentInteractionEvent,
  DEFAULT_BKT,
  MemoryModel,
  masteryTrend,
  OperatorTestDriver,
  questionAttemptEvent,
  ratingFor,
  SM2_INITIAL,
  sm2Review,
} from '../../../src/processors/index.js';

const DAY = 86_400_000;
/** 2026-11-(16 + day) hh:mm UTC */
const at = (day: number, hh: number, mm = 0) => Date.UTC(2026, 10, 16 + day, hh, mm);
/** A tick that closes day `day`: W > next midnight + 10 min lateness (W = tick − 5 min). */
const closeDay = (day: number) => at(day + 1, 0, 15) + 1;

describe('BKT', () => {
  it('gives the hand-computed posterior after correct, correct, incorrect, correct', () => {
    // Defaults: prior 0.2, learn 0.15, slip 0.1, guess 0.2.
    // correct:   post = P(1−s) / (P(1−s) + (1−P)g);  incorrect: post = Ps / (Ps + (1−P)(1−g))
    // then       P' = post + (1 − post)·learn
    // 1 correct:   post = 0.18 / (0.18 + 0.16) = 0.18/0.34;  P1 = (0.18 + 0.16·0.15)/0.34 = 0.204/0.34 = 0.6
    // 2 correct:   post = 0.54 / (0.54 + 0.08) = 27/31;       P2 = (0.54 + 0.08·0.15)/0.62 = 0.552/0.62 = 27.6/31
    // 3 incorrect: post = 2.76 / (2.76 + 2.72) (×31 scale);  P3 = (2.76 + 2.72·0.15)/5.48 = 3.168/5.48
    // 4 correct:   post = 2.8512 / (2.8512 + 0.4624) (×5.48); P4 = (2.8512 + 0.4624·0.15)/3.3136 = 2.92056/3.3136
    let p = DEFAULT_BKT.prior;
    const expected = [0.6, 27.6 / 31, 3.168 / 5.48, 2.92056 / 3.3136];
    [true, true, false, true].forEach((correct, i) => {
      p = bktUpdate(p, correct, DEFAULT_BKT);
      expect(p).toBeCloseTo(expected[i]!, 12);
    });
    expect(p).toBeCloseTo(0.8813858, 7);
  });

  it('applies a day’s answers in event-time order, whatever the arrival order', () => {
    const d = new OperatorTestDriver();
    const answers = [
      questionAttemptEvent(at(0, 10, 0), {}, { itemId: 'q1', correct: true }),
      questionAttemptEvent(at(0, 10, 5), {}, { itemId: 'q2', correct: true }),
      questionAttemptEvent(at(0, 10, 10), {}, { itemId: 'q3', correct: false }),
      questionAttemptEvent(at(0, 10, 15), {}, { itemId: 'q4', correct: true }),
    ];
    d.pipe(answers[1]!, answers[0]!, answers[3]!, answers[2]!);
    d.advanceTo(closeDay(0) - 1); // W = 00:10 next day: not past the day's end + lateness
    expect(d.output('mastery')).toEqual([]);
    d.advanceTo(closeDay(0));
    const [snap] = d.output('mastery');
    expect(snap).toMatchObject({
      tenantId: 'tenant-a',
      learnerId: 'learner-1',
      topicId: 'topic-1',
      day: '2026-11-16',
      attempts: 4,
      correct: 3,
      firstAttempts: 4,
      firstAttemptCorrect: 3,
      firstAttemptAccuracy: 0.75,
      accuracy: 0.75,
      materialCompletion: 0,
      trend: 'new',
      change: 0,
    });
    expect(snap!.pKnown).toBeCloseTo(2.92056 / 3.3136, 12);
    // FSRS (separate computation, see below): Good, Good, Again, Good the same day leave
    // S = 0.52348156 days; R at midnight, 13 h 45 min after the last review = 0.89368154;
    // the last Good schedules 3 days ahead (hard = again + 1 = 2, good = hard + 1 = 3).
    expect(snap!.retrievalStrength).toBeCloseTo(0.8936815384, 7);
    expect(snap!.nextReviewMs).toBe(at(3, 10, 15));
    // 0.30·0.75 + 0.20·0.75 + 0.30·0.8936815 + 0.20·0 = 0.64310446
    expect(snap!.masteryScore).toBeCloseTo(0.6431044615, 7);
  });

  it('uses per-topic parameter overrides', () => {
    const d = new OperatorTestDriver({ settings: { bktTopics: { hard: { guess: 0.5 } } } });
    d.pipe(questionAttemptEvent(at(0, 9), {}, { topicIds: ['hard'], correct: true }));
    d.advanceTo(closeDay(0));
    // post = 0.18 / (0.18 + 0.8·0.5) = 0.18/0.58; P = (0.18 + 0.40·0.15)/0.58 = 0.24/0.58
    expect(d.output('mastery')[0]!.pKnown).toBeCloseTo(0.24 / 0.58, 12);
  });
});

describe('SM-2', () => {
  it('schedules 1, 6, 16, 43, 1, 1 days for grades 5, 5, 4, 3, 2, 4', () => {
    // EF starts at 2.5; EF' = EF + 0.1 − (5−q)(0.08 + (5−q)·0.02); the interval uses EF before the review.
    // q5: n0 → 1 day,             EF 2.6
    // q5: n1 → 6 days,            EF 2.7
    // q4: n2 → round(6·2.7=16.2)  = 16, EF 2.7 + 0.1 − 0.1 = 2.7
    // q3: n3 → round(16·2.7=43.2) = 43, EF 2.7 + 0.1 − 2·0.12 = 2.56
    // q2: fail → 1 day, n = 0,    EF 2.56 + 0.1 − 3·0.14 = 2.24
    // q4: n0 → 1 day,             EF 2.24
    let s = SM2_INITIAL;
    const seen: [number, number][] = [];
    for (const q of [5, 5, 4, 3, 2, 4]) {
      s = sm2Review(s, q);
      seen.push([s.intervalDays, Math.round(s.easiness * 100) / 100]);
    }
    expect(seen).toEqual([
      [1, 2.6],
      [6, 2.7],
      [16, 2.7],
      [43, 2.56],
      [1, 2.24],
      [1, 2.24],
    ]);
  });

  it('never lets the easiness factor fall below 1.3 and rejects grades outside 0..5', () => {
    // 1.5 + 0.1 − 5·(0.08 + 0.1) = 0.7 → floored at 1.3
    expect(sm2Review({ repetitions: 3, intervalDays: 10, easiness: 1.5 }, 0)).toEqual({
      repetitions: 0,
      intervalDays: 1,
      easiness: 1.3,
    });
    expect(() => sm2Review(SM2_INITIAL, 6)).toThrow(RangeError);
  });
});

describe('FSRS (ts-fsrs, long-term scheduling, no fuzz, retention 0.9)', () => {
  // Expected values come from a separate computation: the FSRS-6 formulas as
  // published with ts-fsrs (README / docs of FSRSAlgorithm) and its default
  // weights w = [0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001,
  // 1.8722, 0.1666, 0.796, 1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729,
  // 0.5425, 0.0912, 0.0658, 0.1542], evaluated in a throw-away script written
  // from the formulas (not with ts-fsrs):
  //   R(t,S) = (1 + f·t/S)^(−w20), f = 0.9^(−1/w20) − 1 = 0.98034649
  //   S0(G) = w[G−1]; D0(G) = w4 − e^((G−1)·w5) + 1
  //   recall: S' = S·(1 + e^w8·(11−D)·S^−w9·(e^((1−R)·w10) − 1)·(w15 if Hard)·(w16 if Easy))
  //   lapse:  S' = min(S, w11·D^−w12·((S+1)^w13 − 1)·e^((1−R)·w14))
  //   D' = w7·D0(4) + (1−w7)·(D − w6·(G−3)·(10−D)/9)
  //   interval = max(1, round(S')) (retention 0.9 ⇒ modifier 1), then
  //   again ≤ hard, hard ≥ again+1, good ≥ hard+1, easy ≥ good+1.
  // Good (new): S 2.3065, D 2.11810397, intervals again 1 / hard 1 / good 2 / easy 8
  //   → hard 2, good 3: next review in 3 days.
  // Good after 3 days: R 0.88094796, S 13.82690369 → 14 days.
  // Again after 14 days: R 0.89914300, S 1.72636179 → 2 days.
  // Good after 2 days: R 0.88957738, S 5.12376430 → 5 days.
  it('schedules 3, 14, 2, 5 days for Good, Good, Again, Good each on its due date', () => {
    const model = new MemoryModel(0.9);
    let t = Date.UTC(2026, 10, 2, 10);
    let card = null;
    const got: [number, number][] = [];
    for (const rating of [3, 3, 1, 3] as const) {
      card = model.review(card, t, rating);
      got.push([(card.dueMs - t) / DAY, card.stability]);
      t = card.dueMs;
    }
    expect(got.map(([days]) => days)).toEqual([3, 14, 2, 5]);
    const stabilities = [2.3065, 13.82690369, 1.72636179, 5.1237643];
    got.forEach(([, s], i) => {
      expect(s).toBeCloseTo(stabilities[i]!, 6);
    });
  });

  it('reads retrievability in fractional days: 14 h after a first Good it is 0.96642252', () => {
    // R = (1 + 0.98034649·(14/24)/2.3065)^(−0.1542) = 0.96642252
    const model = new MemoryModel(0.9);
    const card = model.review(null, Date.UTC(2026, 10, 2, 10), 3);
    expect(model.retrievability(card, Date.UTC(2026, 10, 3))).toBeCloseTo(0.966422523, 8);
    expect(model.retrievability(null, Date.UTC(2026, 10, 3))).toBe(0);
  });

  it('maps an attempt to a rating: Again / Hard / Good / Easy', () => {
    const base = { correct: true, hintsUsed: 0, confidence: null, responseTimeMs: 20_000 };
    expect(ratingFor({ ...base, correct: false })).toBe(1);
    expect(ratingFor({ ...base, hintsUsed: 1 })).toBe(2);
    expect(ratingFor({ ...base, confidence: 0.4 })).toBe(2);
    expect(ratingFor({ ...base, responseTimeMs: 60_001 })).toBe(2);
    expect(ratingFor(base)).toBe(3);
    expect(ratingFor({ ...base, responseTimeMs: 10_000 })).toBe(4);
    expect(ratingFor({ ...base, responseTimeMs: 9_000, confidence: 0.7 })).toBe(3);
    expect(ratingFor({ ...base, responseTimeMs: 9_000, confidence: 0.9 })).toBe(4);
  });
});

describe('MasteryOperator daily snapshot', () => {
  it('computes material completion and the composite score', () => {
    const d = new OperatorTestDriver();
    d.pipe(
      questionAttemptEvent(at(0, 10)),
      contentInteractionEvent(at(0, 10, 20), {}, { contentId: 'c1', progress: 0.4 }),
      contentInteractionEvent(at(0, 10, 25), {}, { contentId: 'c1', progress: 0.8 }),
      contentInteractionEvent(at(0, 10, 28), {}, { contentId: 'c1', progress: 0.6 }),
      contentInteractionEvent(at(0, 10, 30), {}, { contentId: 'c2', progress: 0.5 }),
    );
    d.advanceTo(closeDay(0));
    const [snap] = d.output('mastery');
    // completion = mean(max c1 = 0.8, c2 = 0.5) = 0.65
    expect(snap!.materialCompletion).toBeCloseTo(0.65, 12);
    // One Good review at 10:00: R at midnight = 0.96642252 (see FSRS), next review in 3 days.
    // score = 0.30·1 + 0.20·1 + 0.30·0.96642252 + 0.20·0.65 = 0.91992676
    expect(snap!.masteryScore).toBeCloseTo(0.9199267569, 8);
    expect(snap!.nextReviewMs).toBe(at(3, 10));
  });

  it('emits one snapshot per topic per active day, with the trend since the previous one', () => {
    const d = new OperatorTestDriver();
    d.pipe(questionAttemptEvent(at(0, 10), {}, { itemId: 'q1', topicIds: ['t1', 't2'] }));
    d.pipe(questionAttemptEvent(at(1, 10), {}, { itemId: 'q2', topicIds: ['t1'], correct: false }));
    // day 2: no activity, no snapshot
    d.pipe(questionAttemptEvent(at(3, 10), {}, { itemId: 'q3', topicIds: ['t1'] }));
    d.advanceTo(closeDay(3));
    const t1 = d.output('mastery').filter((s) => s.topicId === 't1');
    expect(d.output('mastery').map((s) => [s.day, s.topicId])).toEqual([
      ['2026-11-16', 't1'],
      ['2026-11-16', 't2'],
      ['2026-11-17', 't1'],
      ['2026-11-19', 't1'],
    ]);
    // Separate FSRS computation (formulas above), each review at 10:00, R read at midnight (14 h later):
    // day 0 Good:               R 0.96642252, score 0.5 + 0.3·0.96642252 = 0.78992676 (new)
    // day 1 Again (t = 1 day):  S 0.57129918, R 0.89856148, score 0.15 + 0.10 + 0.3·R = 0.51956844
    //                           change −0.27035831 < −0.02: declining
    // day 3 Good (t = 2 days):  R before 0.79486701, S 3.17931032, R at midnight 0.97481693,
    //                           score 0.3·2/3 + 0.2·2/3 + 0.3·0.97481693 = 0.62577841
    //                           change +0.10620997 > 0.02: improving
    expect(t1[0]).toMatchObject({ trend: 'new', change: 0 });
    expect(t1[0]!.masteryScore).toBeCloseTo(0.7899267569, 8);
    expect(t1[1]!.trend).toBe('declining');
    expect(t1[1]!.masteryScore).toBeCloseTo(0.5195684445, 8);
    expect(t1[1]!.change).toBeCloseTo(-0.2703583123, 8);
    expect(t1[2]!.trend).toBe('improving');
    expect(t1[2]!.masteryScore).toBeCloseTo(0.6257784111, 8);
    expect(t1[2]!.change).toBeCloseTo(0.1062099666, 8);
  });

  it('classifies changes with the ±0.02 thresholds', () => {
    expect(masteryTrend(null, 0.5)).toEqual({ trend: 'new', change: 0 });
    expect(masteryTrend(0.5, 0.53).trend).toBe('improving');
    expect(masteryTrend(0.5, 0.51).trend).toBe('stable');
    expect(masteryTrend(0.5, 0.49).trend).toBe('stable');
    expect(masteryTrend(0.5, 0.47).trend).toBe('declining');
  });

  it('routes an answer for an already closed day to the late output', () => {
    const d = new OperatorTestDriver();
    d.pipe(questionAttemptEvent(at(0, 10)));
    d.advanceTo(closeDay(0)); // day 0 final
    const late = questionAttemptEvent(at(0, 23));
    d.pipe(late);
    d.advanceTo(closeDay(1));
    expect(d.output('late_events').filter((l) => l.operator === 'mastery')).toEqual([
      { event: late, operator: 'mastery', watermarkMs: closeDay(0) - 5 * 60_000 },
    ]);
    expect(d.output('mastery')).toHaveLength(1);
    expect(d.output('mastery')[0]!.attempts).toBe(1);
  });
});

// The spaced-repetition memory of a learner on a topic, through ts-fsrs (FSRS-6
// with its default weights). Each question attempt is one review; the card is
// stored as plain JSON in the checkpoint. Scheduling is long-term only (no
// minute-level learning steps) and unfuzzed, so it is deterministic.
import { type Card, createEmptyCard, type FSRS, forgetting_curve, fsrs, type Grade, Rating, State } from 'ts-fsrs';
import type { QuestionAttemptBody } from '../../ingest/event.js';
import { DAY_MS } from '../windows/calendar.js';
import { FsrsLongTerm } from './fsrs-long-term.js';

/** A ts-fsrs card with dates as epoch ms. */
export interface StoredCard {
  dueMs: number;
  stability: number;
  difficulty: number;
  scheduledDays: number;
  learningSteps: number;
  reps: number;
  lapses: number;
  state: State;
  lastReviewMs: number | null;
}

/** Answers quicker than this (correct, no hints, confident) count as Easy. */
export const EASY_RESPONSE_MS = 10_000;
/** Correct answers slower than this count as Hard. */
export const HARD_RESPONSE_MS = 60_000;

/**
 * An attempt's FSRS rating:
 * - Again: incorrect;
 * - Hard: correct but with hints, with confidence below 0.5, or slower than 60 s;
 * - Easy: correct, no hints, within 10 s, confidence absent or at least 0.8;
 * - Good: any other correct answer.
 */
export function ratingFor(
  attempt: Pick<QuestionAttemptBody, 'correct' | 'hintsUsed' | 'confidence' | 'responseTimeMs'>,
): Grade {
  if (!attempt.correct) return Rating.Again;
  const unsure = attempt.confidence !== null && attempt.confidence < 0.5;
  if (attempt.hintsUsed > 0 || unsure || attempt.responseTimeMs > HARD_RESPONSE_MS) return Rating.Hard;
  const confident = attempt.confidence === null || attempt.confidence >= 0.8;
  if (attempt.responseTimeMs <= EASY_RESPONSE_MS && confident) return Rating.Easy;
  return Rating.Good;
}

export class MemoryModel {
  private readonly scheduler: FSRS;
  private readonly longTerm: FsrsLongTerm;

  constructor(requestRetention: number) {
    this.scheduler = fsrs({ request_retention: requestRetention, enable_fuzz: false, enable_short_term: false });
    this.longTerm = new FsrsLongTerm({
      w: Array.from(this.scheduler.parameters.w),
      intervalModifier: this.scheduler.interval_modifier,
      maximumInterval: this.scheduler.parameters.maximum_interval,
    });
  }

  /** The card after a review at `atMs` (a new card when `card` is null): ts-fsrs' arithmetic, on plain numbers. */
  review(card: StoredCard | null, atMs: number, rating: Grade): StoredCard {
    return this.longTerm.review(card, atMs, rating);
  }

  /** The same review through ts-fsrs itself (its Card and Date objects): the reference `review` is tested against. */
  reviewWithTsFsrs(card: StoredCard | null, atMs: number, rating: Grade): StoredCard {
    const current = card ? toCard(card) : createEmptyCard(new Date(atMs));
    return fromCard(this.scheduler.next(current, new Date(atMs), rating).card);
  }

  /**
   * Probability of recall at `atMs`. Elapsed time counts in fractional days:
   * ts-fsrs's get_retrievability floors to whole days, which would read 1.0
   * at the end of every day with a review.
   */
  retrievability(card: StoredCard | null, atMs: number): number {
    if (!card || card.lastReviewMs === null || card.state === State.New) return 0;
    const elapsedDays = Math.max(0, atMs - card.lastReviewMs) / DAY_MS;
    return forgetting_curve(this.scheduler.parameters.w, elapsedDays, card.stability);
  }
}

function toCard(c: StoredCard): Card {
  const card: Card = {
    due: new Date(c.dueMs),
    stability: c.stability,
    difficulty: c.difficulty,
    elapsed_days: 0,
    scheduled_days: c.scheduledDays,
    learning_steps: c.learningSteps,
    reps: c.reps,
    lapses: c.lapses,
    state: c.state,
  };
  if (c.lastReviewMs !== null) card.last_review = new Date(c.lastReviewMs);
  return card;
}

function fromCard(c: Card): StoredCard {
  return {
    dueMs: c.due.getTime(),
    stability: c.stability,
    difficulty: c.difficulty,
    scheduledDays: c.scheduled_days,
    learningSteps: c.learning_steps,
    reps: c.reps,
    lapses: c.lapses,
    state: c.state,
    lastReviewMs: c.last_review ? c.last_review.getTime() : null,
  };
}

// Writes one learner's figures into the learner page: streak and time tiles,
// the mastery history table (the chart is in charts.ts), knowledge gaps,
// reviews due, the streak calendar and the time-of-day heatmap. As on the
// tenant page, each figure carries the API's raw value in `data-value`.
import { dec, int, utcDateTime } from './format.js';
import type { LearnerGaps, LearnerPatterns, LearnerReviews, LearnerSummary, MasteryHistory } from './types.js';
import { cell, setFigure } from './view.js';

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const DAY_MS = 86_400_000;
const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const plural = (n: number, word: string) => `${int(n)} ${word}${n === 1 ? '' : 's'}`;

function span(className: string, text: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

export function renderLearnerSummary(s: LearnerSummary, p: LearnerPatterns): void {
  setFigure($('l-streak-current'), p.streaks.current, int(p.streaks.current));
  setFigure($('l-streak-longest'), p.streaks.longest, int(p.streaks.longest));
  setFigure($('l-sessions'), s.sessions, int(s.sessions));
  setFigure($('l-hours'), s.totalHours, dec(s.totalHours));
  $('l-hours-note').textContent = `${dec(s.activeHours)} h active, all time`;
  setFigure($('l-mastered'), s.topicsMastered, int(s.topicsMastered));
  $('l-mastered-note').textContent = `of ${plural(s.topicsTracked, 'topic')} tracked (≥ 0.8)`;
  const first = s.firstActivityAt ? utcDateTime(Date.parse(s.firstActivityAt)) : null;
  $('learner-meta').textContent = first
    ? `tenant ${s.tenantId} · first session ${first} UTC · last active ${s.lastActiveDay ?? '–'}`
    : `tenant ${s.tenantId} · no closed session yet`;
}

function projectionText(t: MasteryHistory['topics'][number]): string {
  const p = t.projection;
  switch (p.status) {
    case 'mastered':
      return `mastered since ${p.since ?? '?'}`;
    case 'projected':
      return `≈ ${p.day ?? '?'} (${p.earliest ?? '?'} – ${p.latest ?? 'open'})`;
    case 'not_improving':
      return 'not improving';
    default:
      return 'too few snapshots';
  }
}

export function renderMasteryHistory(h: MasteryHistory): void {
  $('l-history-empty').hidden = h.topics.length > 0;
  $('l-history-chart').hidden = h.topics.length === 0;
  const body = $('table-learner-history') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const t of h.topics) {
    const last = t.points[t.points.length - 1];
    const row = body.insertRow();
    cell(row, t.topicId, t.topicId);
    // The whole series the chart draws, as [day, score] pairs: what the API answered, point for point.
    row.dataset.testid = `history-series-${t.topicId}`;
    row.dataset.value = JSON.stringify(t.points.map((p) => [p.day, p.masteryScore]));
    cell(row, last?.masteryScore ?? '', last ? dec(last.masteryScore) : '–', `history-latest-${t.topicId}`);
    cell(row, last?.day ?? '', last?.day ?? '–');
    cell(row, t.points.length, int(t.points.length));
    cell(row, t.projection.status, projectionText(t), `history-projection-${t.topicId}`);
  }
}

export function renderGaps(g: LearnerGaps): void {
  $('l-gaps-empty').hidden = g.gaps.length > 0;
  $('l-gaps-note').textContent = g.catalogVersion
    ? `by priority · topic catalog v${g.catalogVersion}`
    : 'by priority · no topic catalog (weights 0)';
  const body = $('table-learner-gaps') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const x of g.gaps) {
    const row = body.insertRow();
    cell(row, x.topicId, x.name ? `${x.name} (${x.topicId})` : x.topicId);
    const sev = row.insertCell();
    sev.dataset.testid = `gap-severity-${x.topicId}`;
    sev.dataset.value = x.severity;
    sev.append(span(`severity severity-${x.severity}`, x.severity));
    cell(row, x.priority, dec(x.priority), `gap-priority-${x.topicId}`);
    cell(row, x.masteryScore, dec(x.masteryScore), `gap-mastery-${x.topicId}`);
    cell(
      row,
      x.recentFailureRate,
      x.recentAttempts ? `${dec(x.recentFailureRate)} of ${int(x.recentAttempts)}` : '–',
      `gap-failures-${x.topicId}`,
    );
    cell(row, x.estimatedHoursToClose, dec(x.estimatedHoursToClose), `gap-hours-${x.topicId}`);
  }
}

export function renderReviews(r: LearnerReviews): void {
  $('l-reviews-empty').hidden = r.reviews.length > 0;
  const list = $('learner-reviews');
  // The instant the list is as of: a client asking with the same due_before gets the same answer.
  list.dataset.dueBefore = r.dueBefore;
  const body = $('table-learner-reviews') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const x of r.reviews) {
    const row = body.insertRow();
    cell(row, x.topicId, x.topicId);
    cell(row, x.nextReviewAt, `${utcDateTime(Date.parse(x.nextReviewAt))} UTC`, `review-due-${x.topicId}`);
    cell(row, x.overdueDays, dec(x.overdueDays), `review-overdue-${x.topicId}`);
    cell(row, x.retrievalStrength, dec(x.retrievalStrength), `review-strength-${x.topicId}`);
  }
}

/** Weeks as columns (Monday on top), from the period's first day to the as-of day. */
export function renderCalendar(p: LearnerPatterns): void {
  const grid = $('learner-calendar');
  const active = new Set(p.calendar);
  const first = dayMs(p.period.from.slice(0, 10));
  const last = dayMs(p.asOf);
  const cells: HTMLElement[] = [];
  const lead = (new Date(first).getUTCDay() + 6) % 7; // Monday = 0
  for (let i = 0; i < lead; i++) cells.push(span('cal-day cal-pad', ''));
  for (let ms = first; ms <= last; ms += DAY_MS) {
    const day = dayOf(ms);
    const on = active.has(day);
    const el = span(`cal-day${on ? ' cal-on' : ''}`, '');
    el.dataset.testid = `cal-${day}`;
    el.dataset.value = on ? '1' : '0';
    el.title = `${day}: ${on ? 'session' : 'no session'}`;
    cells.push(el);
  }
  grid.replaceChildren(...cells);
  grid.setAttribute(
    'aria-label',
    `Days with a session from ${dayOf(first)} to ${p.asOf}: ${plural(p.calendar.length, 'active day')}`,
  );
  const s = p.streaks;
  $('l-calendar-note').textContent =
    `active day${p.calendar.length === 1 ? '' : 's'} since ${dayOf(first)}` +
    (s.consistency === null ? '' : ` · consistency ${dec(s.consistency)}`);
  setFigure($('l-calendar-days'), p.calendar.length, int(p.calendar.length));
}

/** Sessions by weekday × start hour (UTC): five shades relative to the busiest cell. */
export function renderHeatmap(p: LearnerPatterns): void {
  const grid = $('learner-heatmap');
  const m = p.patterns.activityMatrix;
  const empty = $('l-heatmap-empty');
  empty.hidden = m !== null;
  grid.hidden = m === null;
  if (m === null) {
    empty.textContent =
      p.patterns.sessions === 0
        ? 'No sessions in the period.'
        : `Patterns are reported from ${int(p.minimums.patternSessions)} sessions in the period; this learner has ${int(p.patterns.sessions)}.`;
    grid.replaceChildren();
    return;
  }
  const max = Math.max(1, ...m.flat());
  const cells: HTMLElement[] = [span('heat-corner', '')];
  for (let h = 0; h < 24; h++) cells.push(span('heat-hour', h % 6 === 0 ? String(h) : ''));
  m.forEach((row, d) => {
    cells.push(span('heat-weekday', weekdays[d] ?? ''));
    row.forEach((count, h) => {
      const level = count === 0 ? 0 : Math.max(1, Math.ceil((4 * count) / max));
      const el = span(`heat-cell heat-${level}`, '');
      el.dataset.testid = `heat-${d}-${h}`;
      el.dataset.value = String(count);
      el.title = `${weekdays[d]} ${String(h).padStart(2, '0')}:00 UTC: ${plural(count, 'session')}`;
      cells.push(el);
    });
  });
  grid.replaceChildren(...cells);
}

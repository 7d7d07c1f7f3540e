// Writes the figures into the page: KPI tiles, data tables, the pipeline
// strip and the live strip. Every figure also carries its raw value in
// `data-value` ("suppressed" when withheld) so tests and scrapers compare
// numbers, not formatted text.
import { age, clock, compact, dec, int, utcDateTime } from './format.js';
import type {
  DayPoint,
  MasteryByTopic,
  PipelineStatus,
  TenantMetrics,
  TopicMastery,
  WeekPoint,
  WindowMessage,
} from './types.js';

const $ = (id: string) => document.getElementById(id) as HTMLElement;

export function setFigure(el: HTMLElement, value: number | null, text: string, suppressed = false): void {
  el.dataset.value = suppressed ? 'suppressed' : value === null ? '' : String(value);
  el.textContent = suppressed ? 'suppressed' : text;
  el.classList.toggle('suppressed', suppressed);
  if (suppressed) el.title = 'Fewer learners than k: withheld for privacy';
  else el.removeAttribute('title');
}

export function cell(row: HTMLTableRowElement, value: number | null | string, text: string, testid?: string): void {
  const td = row.insertCell();
  td.textContent = text;
  if (testid) td.dataset.testid = testid;
  td.dataset.value = value === null ? 'suppressed' : String(value);
  if (value === null) td.classList.add('suppressed');
}

export function renderMetrics(m: TenantMetrics): void {
  const s = m.sessions;
  setFigure($('kpi-active'), m.activeLearners, int(m.activeLearners), m.activeLearners === null);
  setFigure($('kpi-sessions'), s.count, int(s.count), s.count === null);
  setFigure($('kpi-hours'), m.learningHours, dec(m.learningHours), m.learningHours === null);
  setFigure($('kpi-avg'), s.avgDurationMinutes, dec(s.avgDurationMinutes), s.avgDurationMinutes === null);
  const trend = s.trend === 'up' ? '▲ up' : s.trend === 'down' ? '▼ down' : s.trend === 'flat' ? '● flat' : '';
  $('kpi-sessions-note').textContent = trend ? `${trend} vs previous 30 days` : 'last 30 days';
  renderDays(s.dataPoints);
}

function renderDays(days: DayPoint[]): void {
  const body = $('table-sessions') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const d of [...days].reverse()) {
    const row = body.insertRow();
    row.dataset.day = d.day;
    cell(row, d.day, d.day);
    cell(row, d.sessions, d.suppressed ? 'suppressed' : int(d.sessions), `day-sessions-${d.day}`);
    cell(row, d.learningHours, d.suppressed ? 'suppressed' : dec(d.learningHours), `day-hours-${d.day}`);
    cell(row, d.learners, d.suppressed ? 'suppressed' : int(d.learners));
  }
}

export function renderWeeks(weeks: WeekPoint[]): void {
  const body = $('table-weekly') as HTMLTableSectionElement;
  body.replaceChildren();
  for (const w of [...weeks].reverse()) {
    const row = body.insertRow();
    cell(row, w.isoWeek, w.isoWeek);
    const show = (n: number | null) => (w.suppressed ? 'suppressed' : int(n));
    cell(row, w.active, show(w.active), `week-active-${w.isoWeek}`);
    cell(row, w.new, show(w.new));
    cell(row, w.returning, show(w.returning));
    cell(row, w.churned, show(w.churned));
  }
}

export function renderMastery(m: MasteryByTopic): void {
  $('mastery-empty').hidden = m.topics.length > 0;
  const body = $('table-mastery') as HTMLTableSectionElement;
  body.replaceChildren();
  const show = (t: TopicMastery, n: number | null, f: (n: number | null) => string) =>
    t.suppressed ? 'suppressed' : f(n);
  for (const t of m.topics) {
    const row = body.insertRow();
    cell(row, t.topicId, t.topicId);
    cell(row, t.learners, show(t, t.learners, int), `topic-learners-${t.topicId}`);
    cell(row, t.avgMasteryScore, show(t, t.avgMasteryScore, dec), `topic-mastery-${t.topicId}`);
    cell(row, t.avgPKnown, show(t, t.avgPKnown, dec), `topic-pknown-${t.topicId}`);
    cell(row, t.improving, show(t, t.improving, int));
    cell(row, t.declining, show(t, t.declining, int));
  }
}

export function renderHealth(status: PipelineStatus, recordsPerSecond: number | undefined): void {
  const lags = status.partitions.map((p) => p.lag).filter((n): n is number => n !== null);
  const lag = lags.length ? lags.reduce((a, b) => a + b, 0) : null;
  setFigure($('h-lag'), lag, compact(lag));
  flag('health-lag', lag !== null && lag > 10_000 ? 'warn' : 'ok');
  const rate = recordsPerSecond === undefined ? null : Math.round(recordsPerSecond);
  setFigure($('h-throughput'), rate, compact(rate));
  const wm = status.engineWatermarkMs;
  $('h-watermark').textContent = wm === null ? '–' : utcDateTime(wm).slice(5);
  $('h-watermark').dataset.value = wm === null ? '' : String(wm);
  $('h-watermark-note').textContent = wm === null ? 'engine watermark' : `watermark, ${age(Date.now() - wm)} behind`;
  setFigure($('h-late'), status.lateEvents.total, compact(status.lateEvents.total));
  setFigure($('h-dlq'), status.deadLetters.total, compact(status.deadLetters.total));
  const reasons = Object.entries(status.deadLetters.byReason).sort((a, b) => b[1] - a[1]);
  $('h-dlq-note').textContent = reasons.length ? `most: ${reasons[0]?.[0]}` : 'rejected records';
  flag('health-dlq', status.deadLetters.total > 0 ? 'notice' : 'ok');
  const ages = status.partitions.map((p) => p.checkpointAgeSeconds).filter((n): n is number => typeof n === 'number');
  const oldest = ages.length ? Math.max(...ages) : null;
  setFigure($('h-checkpoint'), oldest, oldest === null ? '–' : dec(Math.round(oldest * 10) / 10));
  flag('health-checkpoint', oldest !== null && oldest > 300 ? 'warn' : 'ok');
}

function flag(testid: string, level: 'ok' | 'notice' | 'warn'): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  if (el) el.dataset.level = level;
}

const kindLabels: Record<string, string> = {
  sessions: 'session',
  mastery: 'mastery',
  weekly_active: 'weekly active',
  late_events: 'late event',
};

function describe(m: WindowMessage): string {
  const d = m.data;
  switch (m.kind) {
    case 'sessions': {
      const minutes = Math.round(Number(d.durationMs ?? 0) / 60_000);
      const q = Number(d.questionAttempts ?? 0);
      const events = Number(d.eventCount ?? 0);
      const plural = (n: number, word: string) => `${int(n)} ${word}${n === 1 ? '' : 's'}`;
      return `${minutes} min, ${plural(events, 'event')}${q ? `, ${plural(q, 'question')}` : ''}`;
    }
    case 'mastery':
      return `${String(d.topicId ?? '')} · score ${dec(Number(d.masteryScore ?? 0))} (${String(d.trend ?? '')})`;
    case 'weekly_active':
      return d.suppressed
        ? `${String(d.isoWeek ?? '')} · partial suppressed`
        : `${String(d.isoWeek ?? '')} · ${int(Number(d.active))} active in one partition`;
    default:
      return `${String(d.kind ?? '')} event for ${String(d.operator ?? '')}`;
  }
}

let windowCount = 0;
let flashTimer: number | undefined;

/** Counts a newly closed window, lists it, and pulses the live dot. */
export function noteWindow(m: WindowMessage): void {
  windowCount++;
  const count = $('live-count');
  count.textContent = int(windowCount);
  count.dataset.value = String(windowCount);
  const end = m.windowEndMs === null ? '' : ` · ends ${utcDateTime(m.windowEndMs)}`;
  $('live-last').textContent = `${clock(Date.now())} — ${kindLabels[m.kind] ?? m.kind}${end}`;
  const dot = $('live-dot');
  document.body.classList.remove('flash');
  void dot.offsetWidth; // restart the CSS animation
  document.body.classList.add('flash');
  window.clearTimeout(flashTimer);
  flashTimer = window.setTimeout(() => document.body.classList.remove('flash'), 1200);

  const list = $('recent');
  const li = document.createElement('li');
  li.className = `recent-item kind-${m.kind}`;
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = kindLabels[m.kind] ?? m.kind;
  const text = document.createElement('span');
  text.className = 'recent-text';
  const learner = m.data.learnerId;
  if ((m.kind === 'sessions' || m.kind === 'mastery') && typeof learner === 'string' && learner) {
    // The learner's page, one click away (main.ts follows the link without a reload).
    const link = document.createElement('a');
    link.className = 'recent-learner';
    link.href = `/?tenant=${encodeURIComponent(m.tenantId)}&learner=${encodeURIComponent(learner)}`;
    link.dataset.learner = learner;
    link.dataset.testid = 'recent-learner';
    link.title = `Open learner ${learner}`;
    link.textContent = `${learner.slice(0, 8)}…`;
    text.append(link, ' · ');
  }
  text.append(describe(m));
  const when = document.createElement('time');
  when.textContent = m.windowEndMs === null ? '' : utcDateTime(m.windowEndMs);
  li.append(badge, text, when);
  list.prepend(li);
  while (list.children.length > 8) list.lastElementChild?.remove();
}

export function resetWindows(): void {
  $('recent').replaceChildren();
}

export function setConnection(state: string, detail?: string): void {
  const pill = $('connection');
  pill.className = `pill pill-${state}`;
  pill.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : state;
  pill.dataset.state = state;
  document.body.dataset.feed = state;
  if (detail) pill.title = detail;
  else pill.removeAttribute('title');
}

export function setUpdated(text: string): void {
  $('updated').textContent = text;
}

// The dashboard's charts, drawn with Chart.js (bundled, tree-shaken to the bar
// and line controllers): three on the tenant page, the mastery history on the
// learner page. Suppressed figures are gaps, never zeros: a zero would claim a
// small cohort had no activity.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { DayPoint, MasteryHistory, TopicMastery, WeekPoint } from './types.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const palette = {
  teal: '#0f766e',
  tealSoft: 'rgba(15, 118, 110, 0.14)',
  sky: '#0284c7',
  amber: '#d97706',
  rose: '#e11d48',
  violet: '#7c3aed',
  ink: '#334155',
  grid: 'rgba(148, 163, 184, 0.25)',
};

Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.color = palette.ink;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.animation = false;
Chart.defaults.plugins.legend.labels.boxWidth = 10;
Chart.defaults.plugins.legend.labels.boxHeight = 10;
Chart.defaults.plugins.legend.position = 'bottom';

const gridScale = { grid: { color: palette.grid }, border: { display: false } };

/** Shades the categories whose figures were suppressed, so a gap reads as "withheld", not "no data". */
function suppressedBands(indexes: () => number[]): Plugin {
  return {
    id: 'suppressedBands',
    beforeDatasetsDraw(chart) {
      const x = chart.scales.x;
      const area = chart.chartArea;
      const count = chart.data.labels?.length ?? 0;
      if (!x || !area || count === 0) return;
      const width = (area.right - area.left) / count;
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = 'rgba(148, 163, 184, 0.12)';
      for (const i of indexes()) {
        const center = x.getPixelForValue(i);
        ctx.fillRect(center - width / 2 + 1, area.top, width - 2, area.bottom - area.top);
      }
      ctx.restore();
    },
  };
}

function canvas(id: string): HTMLCanvasElement {
  return document.getElementById(id) as HTMLCanvasElement;
}

export interface DashboardCharts {
  weekly(weeks: WeekPoint[]): void;
  sessions(days: DayPoint[]): void;
  mastery(topics: TopicMastery[]): void;
}

export function createCharts(): DashboardCharts {
  let suppressedWeeks: number[] = [];
  let suppressedDays: number[] = [];
  const weekly = new Chart(canvas('chart-weekly'), {
    type: 'bar',
    plugins: [suppressedBands(() => suppressedWeeks)],
    data: { labels: [] as string[], datasets: [] },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ...gridScale, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true } },
        y: { ...gridScale, beginAtZero: true, ticks: { precision: 0 } },
      },
    },
  });
  const sessions = new Chart(canvas('chart-sessions'), {
    type: 'bar',
    plugins: [suppressedBands(() => suppressedDays)],
    data: { labels: [] as string[], datasets: [] },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ...gridScale, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: {
          ...gridScale,
          beginAtZero: true,
          position: 'left',
          ticks: { precision: 0 },
          title: { display: true, text: 'sessions' },
        },
        hours: {
          ...gridScale,
          beginAtZero: true,
          position: 'right',
          grid: { display: false },
          title: { display: true, text: 'hours' },
        },
      },
    },
  });
  const mastery = new Chart(canvas('chart-mastery'), {
    type: 'bar',
    data: { labels: [] as string[], datasets: [] },
    options: {
      indexAxis: 'y',
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ...gridScale, min: 0, max: 1, ticks: { stepSize: 0.2 } },
        y: { ...gridScale, grid: { display: false } },
      },
    },
  });

  return {
    weekly(weeks) {
      const series = (key: 'active' | 'new' | 'returning' | 'churned') => weeks.map((w) => w[key]);
      suppressedWeeks = weeks.flatMap((w, i) => (w.suppressed ? [i] : []));
      weekly.data.labels = weeks.map((w) => w.isoWeek.replace(/^\d{4}-/, ''));
      weekly.data.datasets = [
        {
          type: 'line',
          label: 'Active',
          data: series('active'),
          borderColor: palette.teal,
          backgroundColor: palette.tealSoft,
          fill: true,
          tension: 0.3,
          pointRadius: 3,
          spanGaps: false,
          order: 0,
        },
        { label: 'New', data: series('new'), backgroundColor: palette.sky, borderRadius: 3, order: 1 },
        { label: 'Returning', data: series('returning'), backgroundColor: palette.violet, borderRadius: 3, order: 1 },
        { label: 'Churned', data: series('churned'), backgroundColor: palette.rose, borderRadius: 3, order: 1 },
      ] as ChartDataset<'bar', (number | null)[]>[];
      weekly.update('none');
    },
    sessions(days) {
      suppressedDays = days.flatMap((d, i) => (d.suppressed ? [i] : []));
      sessions.data.labels = days.map((d) => d.day.slice(5));
      sessions.data.datasets = [
        {
          label: 'Sessions',
          data: days.map((d) => d.sessions),
          backgroundColor: palette.teal,
          borderRadius: 3,
          yAxisID: 'y',
          order: 1,
        },
        {
          type: 'line',
          label: 'Learning hours',
          data: days.map((d) => d.learningHours),
          borderColor: palette.amber,
          backgroundColor: palette.amber,
          tension: 0.3,
          pointRadius: 2,
          yAxisID: 'hours',
          order: 0,
        },
      ] as ChartDataset<'bar', (number | null)[]>[];
      sessions.update('none');
    },
    mastery(topics) {
      mastery.data.labels = topics.map((t) => (t.suppressed ? `${t.topicId} (suppressed)` : t.topicId));
      mastery.data.datasets = [
        {
          label: 'Mastery score',
          data: topics.map((t) => t.avgMasteryScore),
          backgroundColor: palette.teal,
          borderRadius: 3,
        },
        { label: 'P(known)', data: topics.map((t) => t.avgPKnown), backgroundColor: palette.amber, borderRadius: 3 },
      ];
      const parent = mastery.canvas.parentElement;
      // One row per topic: the chart grows with the topic list instead of squeezing the bars.
      if (parent) parent.style.height = topics.length ? `${Math.max(220, 48 + topics.length * 34)}px` : '120px';
      mastery.resize();
      mastery.update('none');
    },
  };
}

/** One colour per topic line, in the order the API lists the topics. */
const topicColours = [
  palette.teal,
  palette.amber,
  palette.sky,
  palette.violet,
  palette.rose,
  '#65a30d',
  '#0891b2',
  '#c026d3',
  '#475569',
  '#ea580c',
];

export interface MasteryHistoryChart {
  update(history: MasteryHistory): void;
}

/**
 * The learner page's mastery history: one line per topic over the days with a
 * snapshot. A day without a snapshot of a topic is a gap in its line (spanned,
 * since snapshots are written only for days with practice), never a zero.
 */
export function createMasteryHistoryChart(): MasteryHistoryChart {
  const chart = new Chart(canvas('chart-learner-mastery'), {
    type: 'line',
    data: { labels: [] as string[], datasets: [] },
    options: {
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: { ...gridScale, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { ...gridScale, min: 0, max: 1, ticks: { stepSize: 0.2 }, title: { display: true, text: 'mastery' } },
      },
    },
  });
  return {
    update(history) {
      const days = [...new Set(history.topics.flatMap((t) => t.points.map((p) => p.day)))].sort();
      chart.data.labels = days.map((d) => d.slice(5));
      chart.data.datasets = history.topics.map((t, i) => {
        const byDay = new Map(t.points.map((p) => [p.day, p.masteryScore]));
        const colour = topicColours[i % topicColours.length] as string;
        return {
          label: t.topicId,
          data: days.map((d) => byDay.get(d) ?? null),
          borderColor: colour,
          backgroundColor: colour,
          tension: 0.25,
          pointRadius: 2,
          spanGaps: true,
        };
      });
      chart.update('none');
    },
  };
}

// The learner page (`/?tenant=T&learner=ID`): one learner's summary, mastery
// history, gaps, reviews, streak calendar and time-of-day heatmap, read from
// the learner routes of the REST API (each read is audited there). It re-reads
// them shortly after a window of this learner closes, so it shows what the API
// returns now.
import { createMasteryHistoryChart, type MasteryHistoryChart } from './charts.js';
import { clock } from './format.js';
import {
  renderCalendar,
  renderGaps,
  renderHeatmap,
  renderLearnerSummary,
  renderMasteryHistory,
  renderReviews,
} from './learner-view.js';
import { ApiError, type RestClient } from './rest.js';
import type { WindowMessage } from './types.js';

/** The API's rule for learner ids (pseudonyms): checked before asking, so a typo gets a clear message. */
export const learnerIdPattern = /^[A-Za-z0-9_.:-]{1,128}$/;

const refreshDelayMs = 1000;
const refreshEveryMs = 30_000;

export interface LearnerPage {
  /** The learner shown, if the page is open. */
  readonly learnerId: string | undefined;
  open(tenant: string | undefined, learnerId: string): void;
  close(): void;
  /** A closed window of the followed tenant: re-read soon if it is this learner's. */
  onWindow(m: WindowMessage): void;
}

export function createLearnerPage(opts: {
  rest: RestClient;
  /** 401 / 403: the token is missing or may not read this learner. */
  onAuthError(err: ApiError): void;
}): LearnerPage {
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  let tenant: string | undefined;
  let learnerId: string | undefined;
  let chart: MasteryHistoryChart | undefined;
  let generation = 0;
  let refreshes = 0;
  let timer: number | undefined;
  let interval: number | undefined;

  const message = (text: string | undefined, level: 'info' | 'error' = 'info') => {
    const el = $('learner-message');
    el.hidden = !text;
    el.textContent = text ?? '';
    el.dataset.level = level;
  };

  const load = async (): Promise<void> => {
    timer = undefined;
    const t = tenant;
    const id = learnerId;
    if (!id) return;
    if (!t) {
      message('Pick a tenant first: a learner is read within a tenant.', 'error');
      return;
    }
    const mine = ++generation;
    try {
      const data = await opts.rest.learner(t, id);
      // A newer read (or another learner) won the race: drop this one.
      if (mine !== generation) return;
      $('learner-body').hidden = false;
      message(undefined);
      renderLearnerSummary(data.summary, data.patterns);
      chart ??= createMasteryHistoryChart();
      renderMasteryHistory(data.history);
      chart.update(data.history);
      renderGaps(data.gaps);
      renderReviews(data.reviews);
      renderCalendar(data.patterns);
      renderHeatmap(data.patterns);
      refreshes++;
      document.body.dataset.learnerRefreshes = String(refreshes);
      document.body.dataset.loadedLearner = id;
      $('updated').textContent = `${t} · learner ${id} · figures as of ${clock(Date.now())}`;
    } catch (err) {
      if (mine !== generation) return;
      document.body.dataset.loadedLearner = '';
      $('learner-body').hidden = true;
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        message(`Not allowed to read this learner: ${err.message} (${err.code})`, 'error');
        opts.onAuthError(err);
      } else if (err instanceof ApiError && err.status === 404) {
        message(
          `No results for learner ${id} in ${t} yet (${err.message}). A learner appears once their first session ` +
            'or mastery snapshot is written; ids are the pseudonyms the API returns, not the platform’s own ids.',
        );
      } else {
        message(`Could not load the learner: ${err instanceof Error ? err.message : String(err)}`, 'error');
      }
    }
  };

  return {
    get learnerId() {
      return learnerId;
    },
    open(t, id) {
      if (t === tenant && id === learnerId) return;
      tenant = t;
      learnerId = id;
      generation++;
      $('learner-id').textContent = id;
      $('learner-meta').textContent = t ? `tenant ${t}` : '';
      $('learner-body').hidden = true;
      message('Loading…');
      window.clearTimeout(timer);
      timer = undefined;
      window.clearInterval(interval);
      interval = window.setInterval(() => void load(), refreshEveryMs);
      void load();
    },
    close() {
      learnerId = undefined;
      generation++;
      window.clearTimeout(timer);
      timer = undefined;
      window.clearInterval(interval);
      document.body.dataset.loadedLearner = '';
    },
    onWindow(m) {
      if (!learnerId || m.tenantId !== tenant || m.data.learnerId !== learnerId) return;
      // Windows close in bursts: one round of reads per burst.
      if (timer === undefined) timer = window.setTimeout(() => void load(), refreshDelayMs);
    },
  };
}

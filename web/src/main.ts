// Entry of the live dashboard page. Finds a token, picks a tenant, loads the
// tenant's figures over REST, follows the live feed for that tenant, and
// re-reads the REST figures shortly after each closed window (the API applies
// k-anonymity, so the page never recomputes figures itself). `&learner=ID`
// switches to one learner's page (learner-page.ts), without a reload.
import { createCharts, type DashboardCharts } from './charts.js';
import { clock } from './format.js';
import { createLearnerPage, learnerIdPattern } from './learner-page.js';
import { createLiveFeedClient, discoverTenants, type LiveFeedClient } from './live.js';
import { ApiError, createRestClient } from './rest.js';
import { claimsOf, devToken, storedToken, storeToken, tokenFromAddress } from './token.js';
import type { LiveKind, WindowMessage } from './types.js';
import {
  noteWindow,
  renderHealth,
  renderMastery,
  renderMetrics,
  renderWeeks,
  resetWindows,
  setConnection,
  setUpdated,
} from './view.js';

const kinds: LiveKind[] = ['sessions', 'mastery', 'weekly_active', 'late_events'];
const tenantKey = 'learnstream.tenant';
const refreshDelayMs = 1000;
const healthEveryMs = 3000;

let token: string | undefined;
let tenant: string | undefined;
let charts: DashboardCharts | undefined;
let feed: LiveFeedClient | undefined;
let generation = 0;
let refreshTimer: number | undefined;
let refreshes = 0;
let lastConsumed: { at: number; count: number } | undefined;

const rest = createRestClient(() => token);
const select = document.getElementById('tenant') as HTMLSelectElement;
const form = document.getElementById('token-form') as HTMLFormElement;
const tenantPage = document.getElementById('main') as HTMLElement;
const learnerPageEl = document.getElementById('learner-page') as HTMLElement;
const learnerPage = createLearnerPage({
  rest,
  onAuthError: (err) => {
    // A staff token of another tenant is refused for this learner: say so, the token may still be right.
    if (err.status === 401) showTokenForm(`${err.message} (${err.code})`);
  },
});

function showTokenForm(message?: string): void {
  form.hidden = false;
  const err = document.getElementById('token-error') as HTMLElement;
  err.hidden = !message;
  err.textContent = message ?? '';
  (document.getElementById('token-input') as HTMLInputElement).focus();
  setConnection('unauthorized', message);
}

function handleError(err: unknown): void {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    showTokenForm(`${err.message} (${err.code})`);
  } else {
    setUpdated(`could not load: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function refreshTenant(): Promise<void> {
  refreshTimer = undefined;
  const t = tenant;
  // The tenant page is hidden behind a learner's: its figures are re-read when it is shown again.
  if (!t || !token || learnerPage.learnerId) return;
  const mine = ++generation;
  try {
    const [metrics, weekly, mastery] = await Promise.all([rest.metrics(t), rest.weeklyActive(t), rest.mastery(t)]);
    // A newer refresh (or another tenant) won the race: drop this one.
    if (mine !== generation) return;
    charts ??= createCharts();
    renderMetrics(metrics);
    charts.sessions(metrics.sessions.dataPoints);
    renderWeeks(weekly.weeks);
    charts.weekly(weekly.weeks);
    renderMastery(mastery);
    charts.mastery(mastery.topics);
    refreshes++;
    document.body.dataset.refreshes = String(refreshes);
    document.body.dataset.loadedTenant = t;
    setUpdated(`${t} · figures as of ${clock(Date.now())} · ${metrics.privacy.level}, k = ${metrics.privacy.k}`);
  } catch (err) {
    handleError(err);
  }
}

function scheduleRefresh(): void {
  // Windows close in bursts: one REST round per burst, at most one a second.
  if (refreshTimer === undefined) refreshTimer = window.setTimeout(refreshTenant, refreshDelayMs);
}

async function refreshHealth(): Promise<void> {
  if (!token) return;
  try {
    const [status, consumed] = await Promise.all([rest.pipelineStatus(), rest.recordsConsumed()]);
    let rate: number | undefined;
    const now = performance.now();
    if (consumed !== undefined) {
      if (lastConsumed && now > lastConsumed.at)
        rate = ((consumed - lastConsumed.count) * 1000) / (now - lastConsumed.at);
      lastConsumed = { at: now, count: consumed };
    }
    renderHealth(status, rate);
  } catch (err) {
    // Pipeline status is admin-only: staff tokens see the strip empty rather than an error.
    if (!(err instanceof ApiError && err.status === 403)) handleError(err);
  }
}

function onWindow(m: WindowMessage): void {
  if (m.tenantId !== tenant) return;
  if (!m.replay) noteWindow(m);
  if (learnerPage.learnerId) learnerPage.onWindow(m);
  else scheduleRefresh();
}

/** Shows the learner page for `id`, or the tenant page (no id); `push` adds a history entry. */
function showLearner(id: string | undefined, push: boolean): void {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set('learner', id);
  else url.searchParams.delete('learner');
  const next = url.pathname + url.search;
  if (next !== window.location.pathname + window.location.search) {
    if (push) window.history.pushState(null, '', next);
    else window.history.replaceState(null, '', next);
  }
  tenantPage.hidden = Boolean(id);
  learnerPageEl.hidden = !id;
  window.scrollTo(0, 0);
  if (id) {
    learnerPage.open(tenant, id);
  } else if (learnerPage.learnerId) {
    learnerPage.close();
    void refreshTenant();
  }
}

function learnerFromAddress(): string | undefined {
  return new URL(window.location.href).searchParams.get('learner') || undefined;
}

function setTenants(list: string[]): void {
  const current = new Set([...select.options].map((o) => o.value));
  const all = [...new Set([...current, ...list])].filter(Boolean).sort();
  if (all.length === current.size && all.every((t) => current.has(t))) return;
  select.replaceChildren(
    ...all.map((t) => {
      const o = document.createElement('option');
      o.value = t;
      o.textContent = t;
      return o;
    }),
  );
  if (tenant) select.value = tenant;
}

function chooseTenant(t: string): void {
  if (t === tenant) return;
  tenant = t;
  setTenants([t]);
  select.value = t;
  try {
    localStorage.setItem(tenantKey, t);
  } catch {
    // Storage disabled: no memory of the choice.
  }
  const url = new URL(window.location.href);
  url.searchParams.set('tenant', t);
  window.history.replaceState(null, '', url.pathname + url.search);
  resetWindows();
  feed?.follow([t]);
  void refreshTenant();
}

async function findTenants(): Promise<string[]> {
  const claims = claimsOf(token ?? '');
  if (claims.tenant_id) return [claims.tenant_id];
  if (claims.role !== 'admin' || !token) return [];
  return discoverTenants(token);
}

async function begin(): Promise<void> {
  form.hidden = true;
  storeToken(token);
  feed?.close();
  feed = createLiveFeedClient({
    token: () => token,
    kinds,
    onWindow,
    onState: (state, detail) => {
      setConnection(state, detail);
      if (state === 'unauthorized') showTokenForm(detail);
    },
  });
  tenant = undefined;
  const learner = learnerFromAddress();
  // A new token: the learner page (if any) reads again with it.
  learnerPage.close();
  const wanted = new URL(window.location.href).searchParams.get('tenant') ?? undefined;
  let remembered: string | undefined;
  try {
    remembered = localStorage.getItem(tenantKey) ?? undefined;
  } catch {
    remembered = undefined;
  }
  void refreshHealth();
  const found = await findTenants();
  setTenants(found);
  const first = wanted ?? (remembered && found.includes(remembered) ? remembered : found[0]);
  if (first) chooseTenant(first);
  else setUpdated('no tenant has results yet — waiting for the first weekly window (or open /?tenant=ID)');
  if (learner) showLearner(learner, false);
}

function wire(): void {
  select.addEventListener('change', () => {
    // A learner belongs to one tenant: picking another shows that tenant's page.
    const open = learnerPage.learnerId;
    chooseTenant(select.value);
    if (open) showLearner(undefined, true);
  });
  const learnerForm = document.getElementById('learner-form') as HTMLFormElement;
  learnerForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('learner-input') as HTMLInputElement;
    const err = document.getElementById('learner-form-error') as HTMLElement;
    const id = input.value.trim();
    const valid = learnerIdPattern.test(id);
    err.hidden = valid;
    err.textContent = valid ? '' : 'A learner id is the pseudonym the API returns: 1–128 of A–Z a–z 0–9 _ . : -';
    if (valid) showLearner(id, true);
  });
  // Learner links in the closed-windows list open the learner page in place.
  document.getElementById('recent')?.addEventListener('click', (ev) => {
    const link = (ev.target as HTMLElement).closest<HTMLAnchorElement>('a[data-learner]');
    if (!link || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    showLearner(link.dataset.learner, true);
  });
  document.getElementById('learner-back')?.addEventListener('click', (ev) => {
    ev.preventDefault();
    showLearner(undefined, true);
  });
  window.addEventListener('popstate', () => {
    const learner = learnerFromAddress();
    const wanted = new URL(window.location.href).searchParams.get('tenant');
    if (wanted && wanted !== tenant) chooseTenant(wanted);
    showLearner(learner, false);
  });
  document.getElementById('token-button')?.addEventListener('click', () => {
    form.hidden = !form.hidden;
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = document.getElementById('token-input') as HTMLInputElement;
    const value = input.value.trim();
    if (!value) return;
    token = value;
    input.value = '';
    void begin();
  });
  window.setInterval(() => void refreshHealth(), healthEveryMs);
  // The feed drives refreshes; this catches what no window announces (late data, retention).
  window.setInterval(() => void refreshTenant(), 30_000);
  // New tenants appear as their first windows close: look again, often while none is known.
  const rediscover = async () => {
    if (token) {
      const found = await findTenants();
      setTenants(found);
      if (!tenant && found[0]) chooseTenant(found[0]);
    }
    window.setTimeout(rediscover, tenant ? 20_000 : 4000);
  };
  window.setTimeout(rediscover, 4000);
}

async function main(): Promise<void> {
  wire();
  token = tokenFromAddress() ?? storedToken() ?? (await devToken());
  if (!token) {
    showTokenForm();
    return;
  }
  await begin();
}

void main();

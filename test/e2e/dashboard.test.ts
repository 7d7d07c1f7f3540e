// The live dashboard at `/` in real headless Chromium (Debian's chromium,
// driven by playwright-core) against a real engine process with simulated
// traffic: the page shows the same figures the REST API returns, counts
// windows as they close without a reload, opens a learner's page whose figures
// equal the learner routes' answers (and, for the calendar and the time-of-day
// matrix, the sessions worked out from the simulator's own events), and
// renders at desktop and phone width (screenshots in test-artifacts/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/api/index.js';
import type { LearningEvent } from '../../src/ingest/event.js';
import { pseudonymize } from '../../src/ingest/pseudonym.js';
import { simulate } from '../../src/ingest/simulator/index.js';
import { type EngineProcess, spawnEngine, testSecrets } from '../support/engine-process.js';
import { tempDir, waitFor } from '../support/index.js';
import { type OracleSession, oracleSessions } from '../support/oracle.js';

const chromiumPath = '/usr/bin/chromium';
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const jwtSecret = 'dashboard-test-secret-0123456789abcdef';
const tenant = 'tenant-01';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The engine's simulator settings (env below, seed and malformed share as src/engine/engine.ts sets them).
const sim = { seed: 7, learners: 90, days: 14, malformedShare: 0.002 };

interface Shown {
  activeLearners: string | null;
  sessions: string | null;
  learningHours: string | null;
  avgSessionMinutes: string | null;
  days: Record<string, string | null>;
  weeks: Record<string, string | null>;
  topics: Record<string, string | null>;
}

/** A figure as the page writes it into data-value: the number, or "suppressed" when withheld. */
const figure = (n: number | null) => (n === null ? 'suppressed' : String(n));

async function valuesByTestId(page: Page, prefix: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const el of await page.locator(`[data-testid^="${prefix}"]`).all()) {
    const id = (await el.getAttribute('data-testid')) ?? '';
    out[id.slice(prefix.length)] = await el.getAttribute('data-value');
  }
  return out;
}

/** What the learner page shows, from the data-value of its figures. */
interface LearnerShown {
  streakCurrent: string | null;
  streakLongest: string | null;
  sessions: string | null;
  hours: string | null;
  topicsMastered: string | null;
  calendarDays: string | null;
  calendar: string[];
  heatmap: Record<string, string | null>;
  history: Record<string, string | null>;
  projections: Record<string, string | null>;
  gapSeverity: Record<string, string | null>;
  gapPriority: Record<string, string | null>;
  reviewDue: Record<string, string | null>;
  reviewOverdue: Record<string, string | null>;
}

async function shownLearner(page: Page): Promise<LearnerShown> {
  const value = (id: string) => page.getByTestId(id).getAttribute('data-value');
  const calendar: string[] = [];
  for (const el of await page.locator('[data-testid^="cal-"][data-value="1"]').all()) {
    calendar.push(((await el.getAttribute('data-testid')) ?? '').slice('cal-'.length));
  }
  return {
    streakCurrent: await value('learner-streak-current'),
    streakLongest: await value('learner-streak-longest'),
    sessions: await value('learner-sessions'),
    hours: await value('learner-hours'),
    topicsMastered: await value('learner-topics-mastered'),
    calendarDays: await value('learner-calendar-days'),
    calendar,
    heatmap: await valuesByTestId(page, 'heat-'),
    history: await valuesByTestId(page, 'history-series-'),
    projections: await valuesByTestId(page, 'history-projection-'),
    gapSeverity: await valuesByTestId(page, 'gap-severity-'),
    gapPriority: await valuesByTestId(page, 'gap-priority-'),
    reviewDue: await valuesByTestId(page, 'review-due-'),
    reviewOverdue: await valuesByTestId(page, 'review-overdue-'),
  };
}

/** Every cell of a weekday × hour matrix as `d-h` → count, as the heatmap's data-value holds it. */
function matrixCells(matrix: number[][] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [d, row] of (matrix ?? []).entries()) for (const [h, c] of row.entries()) out[`${d}-${h}`] = String(c);
  return out;
}

function oracleMatrix(sessions: readonly OracleSession[]): number[][] {
  const m = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const s of sessions) {
    const d = new Date(s.startMs);
    const row = m[(d.getUTCDay() + 6) % 7] as number[];
    row[d.getUTCHours()] = (row[d.getUTCHours()] ?? 0) + 1;
  }
  return m;
}

async function shownFigures(page: Page): Promise<Shown> {
  const value = (id: string) => page.getByTestId(id).getAttribute('data-value');
  return {
    activeLearners: await value('kpi-active-learners'),
    sessions: await value('kpi-sessions'),
    learningHours: await value('kpi-learning-hours'),
    avgSessionMinutes: await value('kpi-avg-session'),
    days: await valuesByTestId(page, 'day-sessions-'),
    weeks: await valuesByTestId(page, 'week-active-'),
    topics: await valuesByTestId(page, 'topic-mastery-'),
  };
}

describe('live dashboard in headless Chromium', () => {
  let engine: EngineProcess;
  let browser: BrowserContext;
  let token: string;

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${engine.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  /** What the page must show, read from the same REST endpoints with the same defaults. */
  const expectedFigures = async (): Promise<Shown> => {
    type Metrics = {
      activeLearners: number | null;
      learningHours: number | null;
      sessions: {
        count: number | null;
        avgDurationMinutes: number | null;
        dataPoints: { day: string; sessions: number | null }[];
      };
    };
    const [m, w, t] = await Promise.all([
      api<Metrics>(`/v1/tenants/${tenant}/metrics`),
      api<{ weeks: { isoWeek: string; active: number | null }[] }>(`/v1/tenants/${tenant}/weekly-active`),
      api<{ topics: { topicId: string; avgMasteryScore: number | null }[] }>(`/v1/tenants/${tenant}/mastery?limit=100`),
    ]);
    return {
      activeLearners: figure(m.activeLearners),
      sessions: figure(m.sessions.count),
      learningHours: figure(m.learningHours),
      avgSessionMinutes: figure(m.sessions.avgDurationMinutes),
      days: Object.fromEntries(m.sessions.dataPoints.map((d) => [d.day, figure(d.sessions)])),
      weeks: Object.fromEntries(w.weeks.map((x) => [x.isoWeek, figure(x.active)])),
      topics: Object.fromEntries(t.topics.map((x) => [x.topicId, figure(x.avgMasteryScore)])),
    };
  };

  /** The first day the engine's simulator plays, computed as the engine does when it starts. */
  const simulationStart = () => Math.floor((Date.now() - sim.days * DAY) / DAY) * DAY;
  let simStartMs = 0;

  beforeAll(async () => {
    expect(existsSync(chromiumPath), 'Debian chromium at /usr/bin/chromium (apt-get install chromium)').toBe(true);
    // The page under test is built from the current sources, as `npm run build` does.
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts'], { cwd: root, stdio: 'pipe' });
    mkdirSync(artifacts, { recursive: true });
    simStartMs = simulationStart();
    engine = await spawnEngine({
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${tempDir()}/chdb`,
      LEARNSTREAM_AUTH_JWT_SECRET: jwtSecret,
      // 14 simulated days at 20000x: about a minute of traffic, windows closing every second.
      LEARNSTREAM_SOURCE_SIMULATE_SPEEDUP: '20000',
      LEARNSTREAM_SOURCE_SIMULATE_DAYS: String(sim.days),
      LEARNSTREAM_SOURCE_SIMULATE_LEARNERS: String(sim.learners),
    });
    // Started across a UTC midnight, the engine may have played another day range: the oracle would not match.
    expect(simulationStart(), 'engine started within one UTC day').toBe(simStartMs);
    token = await signToken(jwtSecret, { sub: 'dashboard-test', role: 'admin' });
    browser = await chromium.launchPersistentContext(tempDir('learnstream-chromium-'), {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
  });

  it('serves the built page and its assets from the engine, with a same-origin content policy', async () => {
    const base = engine.baseUrl;
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>');
    const js = await fetch(`${base}/dashboard/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${base}/dashboard/nope.js`)).status).toBe(404);
  });

  it('hands the dev token to a loopback Host only', async () => {
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: engine.port, path: '/dashboard/dev-token', headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await get(`127.0.0.1:${engine.port}`)).toBe(200);
    expect(await get(`localhost:${engine.port}`)).toBe(200);
    // A DNS-rebinding page reaches the same socket under its own name: refused.
    expect(await get(`attacker.example:${engine.port}`)).toBe(404);
  });

  it('shows the API figures, follows closed windows without reload, and fits desktop and phone', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(`${engine.baseUrl}/?token=${token}&tenant=${tenant}`);
    // The token leaves the address bar (it is a credential), the tenant stays.
    await waitFor(() => !page.url().includes('token='), { message: 'token removed from the URL' });
    expect(page.url()).toContain(`tenant=${tenant}`);
    await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-state')) === 'live', {
      timeoutMs: 30_000,
      message: 'live feed connected',
    });
    await page.evaluate('window.__sameDocument = true');

    // Windows close while the simulator plays: the live counter rises in the same document.
    const liveCount = async () => Number((await page.getByTestId('live-window-count').getAttribute('data-value')) ?? 0);
    const before = await liveCount();
    await waitFor(async () => (await liveCount()) >= before + 3, {
      timeoutMs: 60_000,
      message: 'three newly closed windows counted',
    });
    expect(await page.getByTestId('live-last-window').textContent()).toMatch(
      /session|mastery|weekly active|late event/,
    );
    expect(await page.locator('[data-testid="recent-windows"] li').count()).toBeGreaterThan(0);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    // A session or mastery window names its learner: the link opens their page in place, "back" returns.
    // The list moves as windows close, so the link is held and clicked as one element (retried if it leaves).
    const linked = await waitFor(
      async () => {
        const link = await page.getByTestId('recent-learner').first().elementHandle({ timeout: 1000 });
        const id = await link?.getAttribute('data-learner');
        if (!link || !id) return undefined;
        await link.click({ timeout: 1000 });
        return id;
      },
      { timeoutMs: 60_000, message: 'a learner link in the closed windows, clicked' },
    );
    await waitFor(async () => (await page.getByTestId('learner-id').textContent()) === linked, {
      message: 'learner page of the clicked learner',
    });
    expect(await page.getByTestId('learner-page').isVisible()).toBe(true);
    expect(await page.locator('#main').isVisible()).toBe(false);
    expect(new URL(page.url()).searchParams.get('learner')).toBe(linked);
    await page.getByTestId('learner-back').click();
    await waitFor(() => page.locator('#main').isVisible(), { message: 'back on the tenant page' });
    expect(new URL(page.url()).searchParams.get('learner')).toBeNull();
    expect(await page.evaluate('window.__sameDocument')).toBe(true);

    // The figures equal what the API says for the same URLs (re-read after each burst of windows).
    let expected: Shown | undefined;
    let shown: Shown | undefined;
    await waitFor(
      async () => {
        expected = await expectedFigures();
        shown = await shownFigures(page);
        return isDeepStrictEqual(shown, expected) && Number(expected.sessions) > 0;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: 'page figures equal the API' },
    ).catch((err) => {
      // Show the difference, not just the timeout.
      expect(shown, String(err)).toEqual(expected);
      throw new Error(`${String(err)}: ${JSON.stringify(expected)}`);
    });
    expect(shown).toEqual(expected);
    expect(Object.keys(expected?.days ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(expected?.topics ?? {}).length).toBeGreaterThan(0);
    // What a person reads is the same number (thousands separators aside; the API already rounds to 2 places).
    for (const id of ['kpi-active-learners', 'kpi-sessions', 'kpi-learning-hours', 'kpi-avg-session']) {
      // One read of both, so a refresh cannot fall between them.
      const [text, value] = (await page
        .getByTestId(id)
        .evaluate((el) => [el.textContent, el.getAttribute('data-value')])) as [string | null, string | null];
      if (value === 'suppressed') expect(text).toBe('suppressed');
      else expect(Number(text?.replace(/,/g, ''))).toBe(Number(value));
    }

    // The pipeline strip carries the admin status figures.
    const status = await api<{ deadLetters: { total: number }; lateEvents: { total: number } }>('/v1/pipeline/status');
    const dlq = Number(await page.getByTestId('health-dlq').locator('.tile-value').getAttribute('data-value'));
    expect(dlq).toBeLessThanOrEqual(status.deadLetters.total);
    expect(await page.getByTestId('health-lag').locator('.tile-value').textContent()).toMatch(/^\d/);

    // Tenants found through the live feed fill the picker.
    await waitFor(async () => (await page.getByTestId('tenant-select').locator('option').count()) >= 2, {
      timeoutMs: 60_000,
      message: 'tenant picker lists the simulated tenants',
    });

    // Nothing loaded from another origin (no CDN), and no script errors.
    const origin = new URL(engine.baseUrl).origin;
    for (const url of requests) expect(new URL(url).origin).toBe(origin);
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: `${artifacts}dashboard-1280x800.png` });
    await page.screenshot({ path: `${artifacts}dashboard-1280-full.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => Number(await page.evaluate('document.documentElement.scrollWidth')) <= 390, {
      timeoutMs: 5000,
      message: 'no horizontal scrolling at phone width',
    });
    await page.screenshot({ path: `${artifacts}dashboard-390x844.png` });
    await page.screenshot({ path: `${artifacts}dashboard-390-full.png`, fullPage: true });
    await page.close();
  }, 300_000);

  it("opens a learner's page from the tenant page, with the learner routes' figures and the simulator's sessions", async () => {
    // The oracle's sessions of a learner of the tenant, from the simulator's events. Malformed records never
    // reach the operators. An event delivered at most 15 minutes after it happened cannot be late (every
    // event read before it happened before its delivery, so the watermark trails it by less than the
    // 5 min bound + 10 min lateness); one delivered later may be. The learner chosen is one whose session
    // starts are the same with and without those doubtful events, whose last event is two hours old (all
    // their sessions have closed), with the most sessions.
    const events = new Map<string, LearningEvent[]>();
    for (const r of simulate({ ...sim, startMs: simStartMs })) {
      if (r.type === 'event' && r.event.tenantId === tenant)
        events.set(r.event.learnerId, [...(events.get(r.event.learnerId) ?? []), r.event]);
    }
    const sessionsOf = (list: LearningEvent[]) => oracleSessions(list, 30 * 60_000, 4 * HOUR, 5 * 60_000);
    let chosen: { raw: string; sessions: OracleSession[] } | undefined;
    for (const [raw, list] of events) {
      if (Math.max(...list.map((e) => e.occurredAt)) > Date.now() - 2 * HOUR) continue;
      const sessions = sessionsOf(list);
      const sure = sessionsOf(list.filter((e) => e.receivedAt - e.occurredAt <= 15 * 60_000));
      if (
        !isDeepStrictEqual(
          sessions.map((x) => x.startMs),
          sure.map((x) => x.startMs),
        )
      )
        continue;
      if (!chosen || sessions.length > chosen.sessions.length) chosen = { raw, sessions };
    }
    expect(chosen, 'a learner of tenant-01 whose sessions do not depend on doubtful events').toBeDefined();
    const { raw, sessions } = chosen as { raw: string; sessions: OracleSession[] };
    expect(sessions.length, `${raw}: enough sessions for the time-of-day pattern (5)`).toBeGreaterThanOrEqual(5);
    const learner = pseudonymize(testSecrets.LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET, tenant, raw);
    const oracleDays = [...new Set(sessions.map((x) => new Date(x.startMs).toISOString().slice(0, 10)))].sort();

    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${engine.baseUrl}/?token=${token}&tenant=${tenant}`);
    await waitFor(async () => (await page.locator('body').getAttribute('data-loaded-tenant')) === tenant, {
      timeoutMs: 60_000,
      message: 'tenant page loaded',
    });

    // An id that is not a pseudonym is refused in the form, before any request.
    await page.getByTestId('learner-input').fill('not a pseudonym!');
    await page.getByTestId('learner-form').getByRole('button', { name: 'Open' }).click();
    await waitFor(() => page.locator('#learner-form-error').isVisible(), { message: 'form error shown' });
    expect(await page.locator('#main').isVisible()).toBe(true);

    // A learner without results: a clear message, no figures.
    await page.getByTestId('learner-input').fill('no-such-learner-0000');
    await page.getByTestId('learner-form').getByRole('button', { name: 'Open' }).click();
    await waitFor(
      async () =>
        /No results for learner no-such-learner-0000/.test(
          (await page.getByTestId('learner-message').textContent()) ?? '',
        ),
      { timeoutMs: 20_000, message: 'no-results message' },
    );
    expect(await page.locator('#learner-body').isVisible()).toBe(false);
    await page.getByTestId('learner-back').click();
    await waitFor(() => page.locator('#main').isVisible(), { message: 'back on the tenant page' });

    // The chosen learner, by their pseudonym typed on the tenant page.
    await page.getByTestId('learner-input').fill(learner);
    await page.getByTestId('learner-form').getByRole('button', { name: 'Open' }).click();
    await waitFor(async () => (await page.locator('body').getAttribute('data-loaded-learner')) === learner, {
      timeoutMs: 30_000,
      message: 'learner page loaded',
    });
    expect(new URL(page.url()).searchParams.get('learner')).toBe(learner);

    const q = `tenant_id=${tenant}`;
    const expectedLearner = async (): Promise<LearnerShown> => {
      type Patterns = {
        streaks: { current: number; longest: number };
        calendar: string[];
        patterns: { activityMatrix: number[][] | null };
      };
      type History = {
        topics: { topicId: string; points: { day: string; masteryScore: number }[]; projection: { status: string } }[];
      };
      type Gaps = { gaps: { topicId: string; severity: string; priority: number }[] };
      type Reviews = { reviews: { topicId: string; nextReviewAt: string; overdueDays: number }[] };
      // The reviews due at the instant the page asked about: the same answer for the same question.
      const dueBefore = await page.getByTestId('learner-reviews').getAttribute('data-due-before');
      const [s, p, h, g, r] = await Promise.all([
        api<{ sessions: number; totalHours: number; topicsMastered: number }>(`/v1/learners/${learner}/summary?${q}`),
        api<Patterns>(`/v1/learners/${learner}/patterns?${q}`),
        api<History>(`/v1/learners/${learner}/mastery/history?${q}`),
        api<Gaps>(`/v1/learners/${learner}/gaps?${q}`),
        api<Reviews>(`/v1/learners/${learner}/reviews?${q}&due_before=${encodeURIComponent(dueBefore ?? '')}`),
      ]);
      return {
        streakCurrent: String(p.streaks.current),
        streakLongest: String(p.streaks.longest),
        sessions: String(s.sessions),
        hours: String(s.totalHours),
        topicsMastered: String(s.topicsMastered),
        calendarDays: String(p.calendar.length),
        calendar: p.calendar,
        heatmap: matrixCells(p.patterns.activityMatrix),
        history: Object.fromEntries(
          h.topics.map((t) => [t.topicId, JSON.stringify(t.points.map((x) => [x.day, x.masteryScore]))]),
        ),
        projections: Object.fromEntries(h.topics.map((t) => [t.topicId, t.projection.status])),
        gapSeverity: Object.fromEntries(g.gaps.map((x) => [x.topicId, x.severity])),
        gapPriority: Object.fromEntries(g.gaps.map((x) => [x.topicId, String(x.priority)])),
        reviewDue: Object.fromEntries(r.reviews.map((x) => [x.topicId, x.nextReviewAt])),
        reviewOverdue: Object.fromEntries(r.reviews.map((x) => [x.topicId, String(x.overdueDays)])),
      };
    };

    // The page equals the API; and the calendar and the time-of-day matrix equal the oracle's sessions.
    let expected: LearnerShown | undefined;
    let shown: LearnerShown | undefined;
    await waitFor(
      async () => {
        shown = await shownLearner(page);
        expected = await expectedLearner();
        return (
          isDeepStrictEqual(shown, expected) &&
          isDeepStrictEqual(shown.calendar, oracleDays) &&
          isDeepStrictEqual(shown.heatmap, matrixCells(oracleMatrix(sessions)))
        );
      },
      { timeoutMs: 180_000, intervalMs: 1000, message: 'learner page equals the API and the oracle' },
    ).catch((err) => {
      expect(shown, String(err)).toEqual(expected);
      expect(shown?.calendar, `calendar of ${raw} (oracle)`).toEqual(oracleDays);
      expect(shown?.heatmap, `time of day of ${raw} (oracle)`).toEqual(matrixCells(oracleMatrix(sessions)));
      throw err;
    });
    const got = shown as LearnerShown;
    expect(got.sessions).toBe(String(sessions.length));
    expect(Object.keys(got.history).length, 'mastery history of at least one topic').toBeGreaterThan(0);
    expect(Object.keys(got.gapSeverity).sort()).toEqual(Object.keys(got.history).sort());
    // What a person reads is the same number.
    for (const id of ['learner-streak-current', 'learner-streak-longest', 'learner-sessions', 'learner-hours']) {
      const [text, value] = (await page
        .getByTestId(id)
        .evaluate((el) => [el.textContent, el.getAttribute('data-value')])) as [string | null, string | null];
      expect(Number(text?.replace(/,/g, '')), id).toBe(Number(value));
    }
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: `${artifacts}learner-1280-full.png`, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await waitFor(async () => Number(await page.evaluate('document.documentElement.scrollWidth')) <= 390, {
      timeoutMs: 5000,
      message: 'no horizontal scrolling at phone width',
    });
    await page.screenshot({ path: `${artifacts}learner-390-full.png`, fullPage: true });
    await page.close();

    // Staff read their own tenant's learners; another tenant's staff get the answer an unknown learner gets.
    for (const [staffTenant, reads] of [
      [tenant, true],
      ['tenant-02', false],
    ] as const) {
      const staff = await signToken(jwtSecret, {
        sub: `staff-${staffTenant}`,
        role: 'tenant_staff',
        tenant_id: staffTenant,
      });
      const p = await browser.newPage();
      await p.goto(`${engine.baseUrl}/?token=${staff}&learner=${learner}`);
      await waitFor(
        async () =>
          reads
            ? (await p.locator('body').getAttribute('data-loaded-learner')) === learner
            : /No results for learner/.test((await p.getByTestId('learner-message').textContent()) ?? ''),
        { timeoutMs: 30_000, message: `staff of ${staffTenant} ${reads ? 'read' : 'do not read'} the learner` },
      );
      expect(await p.locator('#learner-body').isVisible()).toBe(reads);
      if (reads) expect(await p.getByTestId('learner-sessions').getAttribute('data-value')).toBe(got.sessions);
      await p.close();
    }
  }, 300_000);

  it('without ?tenant= an admin page picks a tenant it found through the live feed', async () => {
    const page = await browser.newPage();
    await page.goto(`${engine.baseUrl}/?token=${token}`);
    const chosen = await waitFor(() => page.locator('body').getAttribute('data-loaded-tenant'), {
      timeoutMs: 60_000,
      message: 'a tenant chosen and loaded',
    });
    expect(chosen).toMatch(/^tenant-\d\d$/);
    expect(await page.getByTestId('tenant-select').inputValue()).toBe(chosen);
    await page.close();
  });

  it('asks for a token when the one given is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${engine.baseUrl}/?token=not-a-jwt&tenant=${tenant}`);
    await waitFor(async () => (await page.getByTestId('connection').getAttribute('data-state')) === 'unauthorized', {
      timeoutMs: 20_000,
      message: 'token refused',
    });
    expect(await page.locator('#token-form').isVisible()).toBe(true);
    await page.close();
  });
});

// The live dashboard at `/` in real headless Chromium (Debian's chromium,
// driven by playwright-core) against a real engine process with simulated
// traffic: the page shows the same figures the REST API returns, counts
// windows as they close without a reload, and renders at desktop and phone
// width (screenshots in test-artifacts/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/api/index.js';
import { type EngineProcess, spawnEngine } from '../support/engine-process.js';
import { tempDir, waitFor } from '../support/index.js';

const chromiumPath = '/usr/bin/chromium';
const artifacts = new URL('../../test-artifacts/', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const jwtSecret = 'dashboard-test-secret-0123456789abcdef';
const tenant = 'tenant-01';

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

  beforeAll(async () => {
    expect(existsSync(chromiumPath), 'Debian chromium at /usr/bin/chromium (apt-get install chromium)').toBe(true);
    // The page under test is built from the current sources, as `npm run build` does.
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts'], { cwd: root, stdio: 'pipe' });
    mkdirSync(artifacts, { recursive: true });
    engine = await spawnEngine({
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: `${tempDir()}/chdb`,
      LEARNSTREAM_AUTH_JWT_SECRET: jwtSecret,
      // 14 simulated days at 20000x: about a minute of traffic, windows closing every second.
      LEARNSTREAM_SOURCE_SIMULATE_SPEEDUP: '20000',
      LEARNSTREAM_SOURCE_SIMULATE_DAYS: '14',
      LEARNSTREAM_SOURCE_SIMULATE_LEARNERS: '90',
    });
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

// The dashboards after a simulated run, as an operator would see them: the
// engine runs as a process (`learnstream start` on embedded defaults, the
// simulator played fast, results in chdb); once sessions, daily mastery and
// weekly-active windows have been written it is stopped, and every SQL query
// of the Learning dashboard returns rows from its data for the busiest tenant.
// Every metric the alert rules and the Pipeline dashboard use is exposed on the
// running engine's /metrics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ClickHouseStore, openChdbStore } from '../../../src/views/index.js';
import { type EngineProcess, spawnEngine } from '../../support/engine-process.js';
import { tempDir, waitFor } from '../../support/index.js';
import {
  constantVariable,
  dashboardQueries,
  deployDir,
  expandClickHouseSql,
  loadDashboard,
} from '../../unit/deploy/dashboards.js';

const DAYS = 14;
const learning = loadDashboard('learning');
const sqlQueries = dashboardQueries(learning).filter((q) => q.datasourceType === 'grafana-clickhouse-datasource');

describe('dashboards after a simulated run', () => {
  const chdbPath = `${tempDir('learnstream-deploy-')}/chdb`;
  let engine: EngineProcess | undefined;
  let store: ClickHouseStore | undefined;
  let exposition = '';

  /** Rows the sink wrote per output, from the engine's /metrics. */
  const sinkRows = (text: string, output: string) =>
    Number(new RegExp(`^learnstream_sink_rows_total\\{output="${output}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

  beforeAll(async () => {
    engine = await spawnEngine({
      LEARNSTREAM_CLICKHOUSE_CHDB_PATH: chdbPath,
      LEARNSTREAM_CLICKHOUSE_DATABASE: 'learnstream',
      LEARNSTREAM_SOURCE_KIND: 'embedded',
      LEARNSTREAM_SOURCE_SIMULATE: 'true',
      LEARNSTREAM_SOURCE_SIMULATE_DAYS: String(DAYS),
      // 14 simulated days in about 20 s of wall time.
      LEARNSTREAM_SOURCE_SIMULATE_SPEEDUP: '60000',
    });
    // Wait until closed weeks and daily mastery snapshots are written too.
    const running = engine;
    await waitFor(
      async () => {
        if (running.child.exitCode !== null) return true; // reported below, without waiting out the timeout
        exposition = await (await fetch(`${running.baseUrl}/metrics`)).text();
        return ['sessions', 'mastery', 'weekly_active'].every((o) => sinkRows(exposition, o) > 0);
      },
      { timeoutMs: 150_000, intervalMs: 1000, message: 'sessions, mastery and weekly results written' },
    );
    if (running.child.exitCode !== null) {
      throw new Error(`engine exited with ${running.child.exitCode}:\n${running.output().slice(-4000)}`);
    }
    // SIGTERM flushes; then this process opens the engine's chdb data (one process at a time).
    expect(await engine.stop()).toBe(0);
    store = await openChdbStore({ path: chdbPath, database: 'learnstream' });
  }, 240_000);

  afterAll(async () => {
    await engine?.kill();
    await store?.close();
  });

  it('every Learning dashboard query returns rows for the busiest tenant over the simulated days', async () => {
    if (!store) throw new Error('no store');
    const [busiest] = await store.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM tenant_daily_sessions GROUP BY tenant_id ORDER BY uniqExactMerge(learners) DESC LIMIT 1',
    );
    expect(busiest).toBeDefined();
    const range = { fromMs: Date.now() - (DAYS + 1) * 86_400_000, toMs: Date.now() };
    const vars = { tenant: busiest?.tenant_id as string, k_anonymity: constantVariable(learning, 'k_anonymity') };
    for (const q of sqlQueries) {
      const rows = await store.query<Record<string, unknown>>(expandClickHouseSql(q.text, range, vars));
      expect(rows.length, q.where).toBeGreaterThan(0);
    }
  });

  it('the engine exposes every learnstream_ metric the alert rules and the Pipeline dashboard use', () => {
    const exposed = new Set([...exposition.matchAll(/^# TYPE (\w+) (\w+)$/gm)].map((m) => m[1] as string));
    const rules = readFileSync(join(deployDir, 'prometheus/rules/learnstream.rules.yml'), 'utf8');
    const exprs = [
      ...(parse(rules) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) =>
        g.rules.map((r) => r.expr),
      ),
      ...dashboardQueries(loadDashboard('pipeline'))
        .filter((q) => q.datasourceType === 'prometheus')
        .map((q) => q.text),
    ];
    const used = new Set(exprs.flatMap((e) => e.match(/\blearnstream_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(15);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(exposed.has(name) || exposed.has(base), name).toBe(true);
    }
  });
});

// Reads the provisioned Grafana dashboards for the deploy tests: every query
// with its panel, and the Grafana macros and variables expanded the way Grafana
// and the ClickHouse plugin (pkg/macros) expand them, so the SQL can run as is.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const deployDir = fileURLToPath(new URL('../../../deploy/', import.meta.url));
export const repoDir = fileURLToPath(new URL('../../../', import.meta.url));

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  rawSql?: string;
  expr?: string;
}

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  datasource?: { type: string; uid: string };
  query?: string | { rawSql?: string; query?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export interface DashboardQuery {
  /** "panel title / refId", or "variable NAME" */
  where: string;
  datasourceType: string;
  text: string;
}

export function loadDashboard(name: 'learning' | 'pipeline'): Dashboard {
  return JSON.parse(readFileSync(`${deployDir}grafana/dashboards/${name}.json`, 'utf8')) as Dashboard;
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Every query of a dashboard: panel targets and query variables. */
export function dashboardQueries(d: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const p of allPanels(d.panels)) {
    for (const t of p.targets ?? []) {
      const type = t.datasource?.type ?? p.datasource?.type ?? 'unknown';
      const text = t.rawSql ?? t.expr;
      if (text !== undefined) out.push({ where: `${p.title} / ${t.refId}`, datasourceType: type, text });
    }
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query' || v.query === undefined) continue;
    const text = typeof v.query === 'string' ? v.query : (v.query.rawSql ?? v.query.query);
    if (text !== undefined) out.push({ where: `variable ${v.name}`, datasourceType: v.datasource?.type ?? '', text });
  }
  return out;
}

export function constantVariable(d: Dashboard, name: string): string {
  const v = d.templating.list.find((x) => x.name === name && x.type === 'constant');
  if (!v || typeof v.query !== 'string') throw new Error(`dashboard ${d.uid} has no constant variable ${name}`);
  return v.query;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Expands the ClickHouse plugin's macros ($__timeFilter, $__dateFilter,
 * $__fromTime, $__toTime, ...) as its Go backend does, and Grafana variables
 * (`${name}`, `$name`, `${name:sqlstring}`) from `vars`. Throws if anything
 * starting with `$` is left, so a new macro cannot slip through untested.
 */
export function expandClickHouseSql(sql: string, range: TimeRange, vars: Record<string, string>): string {
  const from = seconds(range.fromMs);
  const to = seconds(range.toMs);
  let out = sql
    .replace(
      /\$__timeFilter\(\s*([^)]+?)\s*\)/g,
      (_m, c: string) => `${c} >= toDateTime(${from}) AND ${c} <= toDateTime(${to})`,
    )
    .replace(
      /\$__dateFilter\(\s*([^)]+?)\s*\)/g,
      (_m, c: string) => `${c} >= toDate('${date(range.fromMs)}') AND ${c} <= toDate('${date(range.toMs)}')`,
    )
    .replace(/\$__fromTime\b/g, `toDateTime(${from})`)
    .replace(/\$__toTime\b/g, `toDateTime(${to})`)
    .replace(/\$__interval_s\b/g, '60');
  out = out.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g, (m, braced: string, format: string, bare: string) => {
    const name = braced ?? bare;
    const value = vars[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${m}`);
    // Grafana's sqlstring format: quote the value, doubling single quotes.
    return format === 'sqlstring' ? `'${value.replaceAll("'", "''")}'` : value;
  });
  if (out.includes('$')) throw new Error(`unexpanded macro or variable left in: ${out}`);
  return out;
}

/**
 * Grafana's Prometheus variables replaced by values a PromQL parser accepts:
 * the range of `$__rate_interval`, the all-value of multi-value variables;
 * a `label_values(...)` variable query is reduced to its selector.
 */
export function expandPromQl(expr: string, vars: Record<string, string>): string {
  const out = expr
    // A variable's label_values(selector, label): the selector is the PromQL part.
    .replace(/^label_values\((.+),\s*\w+\)$/s, '$1')
    .replace(/\$__rate_interval\b/g, '1m')
    .replace(/\$__interval\b/g, '1m')
    .replace(/\$__range\b/g, '1h')
    .replace(/\$\{?(\w+)\}?/g, (m, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`no value for Grafana variable ${m}`);
      return value;
    });
  return out;
}

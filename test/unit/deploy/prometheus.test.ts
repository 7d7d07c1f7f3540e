// Prometheus side of deploy/: the scrape configs and alert rules pass
// promtool, the rule unit tests pass, every PromQL expression of the rules and
// of the Pipeline dashboard parses, and every metric they name is one the
// engine registers (so a renamed metric cannot leave a silent alert behind).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { enableDefaultMetrics, metricsRegistry } from '../../../src/core/metrics.js';
import { tempDir } from '../../support/index.js';
import { dashboardQueries, deployDir, expandPromQl, loadDashboard } from './dashboards.js';

// Modules that register the engine's metrics on import.
import '../../../src/engine/pipeline.js';
import '../../../src/engine/supervisor.js';
import '../../../src/views/sink.js';
import '../../../src/views/retention.js';
import '../../../src/ingest/metrics.js';
import '../../../src/processors/metrics.js';
import '../../../src/api/metrics.js';

const promDir = join(deployDir, 'prometheus');
const rulesFile = join(promDir, 'rules', 'learnstream.rules.yml');

/** Runs promtool; returns its output, or throws with the output when it fails. */
function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: promDir, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const pipelineExprs = dashboardQueries(loadDashboard('pipeline'))
  .filter((q) => q.datasourceType === 'prometheus')
  .map((q) => ({ where: q.where, expr: expandPromQl(q.text, { instance: '.*' }) }));

describe('prometheus config and rules', () => {
  it('promtool check config passes for the compose and the Kubernetes scrape configs', () => {
    for (const file of ['prometheus.yml', 'prometheus-k8s.yml']) {
      expect(promtool('check', 'config', file)).toContain('SUCCESS');
    }
  });

  it('promtool check rules passes', () => {
    expect(promtool('check', 'rules', rulesFile)).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool test rules: the alerts fire, and stay quiet, on the synthetic series as worked out', () => {
    expect(promtool('test', 'rules', join('tests', 'learnstream.rules.test.yml'))).toContain('SUCCESS');
  });

  it('covers the failure modes operators page on, each with for:, a severity and both annotations', () => {
    const names = rules.map((r) => r.alert);
    for (const required of [
      'LearnstreamConsumerLagGrowing',
      'LearnstreamNoWindowsClosed',
      'LearnstreamDeadLetterRateHigh',
      'LearnstreamSinkFailures',
      'LearnstreamCheckpointTooOld',
      'LearnstreamWatermarkLagHigh',
    ]) {
      expect(names).toContain(required);
    }
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
    }
  });

  it('every PromQL expression of the Pipeline dashboard parses (as recording rules, through promtool)', () => {
    expect(pipelineExprs.length).toBeGreaterThanOrEqual(20);
    const dir = tempDir('learnstream-promql-');
    const file = join(dir, 'dashboard-exprs.yml');
    const recording = pipelineExprs.map((e, i) => ({ record: `learnstream:dashboard_expr_${i}`, expr: e.expr }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: recording }] }));
    expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${recording.length} rules found`);
  });

  it('every learnstream_ metric named in the rules and dashboards is registered by the engine', async () => {
    enableDefaultMetrics();
    const registered = new Set<string>();
    for (const m of await metricsRegistry.getMetricsAsJSON()) {
      registered.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) registered.add(`${m.name}${s}`);
    }
    const used = [...rules.map((r) => ({ where: r.alert ?? r.record ?? '', expr: r.expr })), ...pipelineExprs];
    expect(used.length).toBeGreaterThan(0);
    for (const { where, expr } of used) {
      for (const name of expr.match(/\blearnstream_[a-z0-9_]+/g) ?? []) {
        expect(registered.has(name), `${where}: ${name}`).toBe(true);
      }
    }
  });
});

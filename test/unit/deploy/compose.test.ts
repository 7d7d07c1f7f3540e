// deploy/docker-compose.yml and the Grafana provisioning it mounts, checked
// statically (no Docker engine here): the file parses, every mounted path and
// the Dockerfile exist, the engine's port, health route, consumer group and
// store line up with Kafka, ClickHouse and the Prometheus target, secrets are
// required interpolations, and Grafana gets the data sources and dashboards
// the dashboards' queries refer to.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeSettings } from '../../../src/core/config.js';
import { dashboardQueries, deployDir, loadDashboard, repoDir } from './dashboards.js';

// biome-ignore lint/suspicious/noExplicitAny: compose and provisioning files are free-form YAML
type Yaml = any;

const compose: Yaml = parse(readFileSync(join(deployDir, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, Yaml> = compose.services;
const env = (service: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[service].environment ?? {}).map(([k, v]) => [k, String(v)]));
const engineEnv = env('engine');
const grafanaEnv = env('grafana');
const settings = describeSettings();
const secretVars = settings.map((s) => s.env).filter((e) => /SECRET|PASSWORD/.test(e));

/** Bind mounts as [host path resolved from deploy/, container path]. */
function bindMounts(service: string): [string, string][] {
  return (services[service].volumes ?? [])
    .filter((v: string) => v.startsWith('.'))
    .map((v: string) => {
      const [host, container] = v.split(':');
      return [resolve(deployDir, host as string), container as string];
    });
}

const cliText = readFileSync(join(repoDir, 'src/cli.ts'), 'utf8');
const cliCommand = (name: string) => new RegExp(`\\n\\s+'?${name}'?: \\{`).test(cliText);

describe('docker compose', () => {
  it('has Kafka (KRaft), ClickHouse, a migration one-shot, the engine, Prometheus and Grafana', () => {
    for (const s of ['kafka', 'clickhouse', 'migrate', 'engine', 'prometheus', 'grafana']) {
      expect(services[s], s).toBeDefined();
    }
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(env('kafka').KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(Object.keys(services).some((s) => /zookeeper/i.test(s))).toBe(false);
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:/);
  });

  it('builds the engine from the Dockerfile, running commands the CLI has', () => {
    for (const s of ['engine', 'migrate']) {
      const build = services[s].build;
      const context = resolve(deployDir, build.context);
      expect(existsSync(join(context, build.dockerfile)), s).toBe(true);
      expect(existsSync(join(context, 'package.json')), s).toBe(true);
    }
    const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/learnstream\.mjs"\]/);
    expect(dockerfile).toMatch(/^USER \d+:\d+$/m);
    expect(services.engine.command).toEqual(['start']);
    expect(services.migrate.command).toEqual(['migrate']);
    for (const c of ['start', 'migrate', 'simulate']) expect(cliCommand(c), c).toBe(true);
    expect(services.simulate.entrypoint.join(' ')).toContain('bin/learnstream.mjs simulate --kafka');
  });

  it('starts the engine after a successful migration, against the compose Kafka and ClickHouse', () => {
    expect(services.engine.depends_on.migrate.condition).toBe('service_completed_successfully');
    expect(services.engine.depends_on.kafka.condition).toBe('service_healthy');
    expect(engineEnv.LEARNSTREAM_CLICKHOUSE_MIGRATE).toBe('false');
    expect(engineEnv.LEARNSTREAM_SOURCE_KIND).toBe('kafka');
    expect(String(env('kafka').KAFKA_ADVERTISED_LISTENERS).split(',')).toContain(
      `PLAINTEXT://${engineEnv.KAFKA_BROKERS}`,
    );
    expect(new URL(String(engineEnv.CLICKHOUSE_URL)).hostname).toBe('clickhouse');
    expect(services.clickhouse.ports).toContain(`${new URL(String(engineEnv.CLICKHOUSE_URL)).port}:8123`);
    expect(engineEnv.LEARNSTREAM_KAFKA_GROUP_ID).toMatch(/^[\w.-]+$/);
    // The migration runs with the engine's settings: same server, database and user.
    expect(env('migrate')).toEqual(engineEnv);
    const known = new Set(settings.map((s) => s.env));
    for (const name of Object.keys(engineEnv)) expect(known.has(name), name).toBe(true);
  });

  it("engine port, health check and Prometheus target agree on the engine's listening port and routes", () => {
    const port = engineEnv.LEARNSTREAM_PORT;
    expect(engineEnv.LEARNSTREAM_SERVER_HOST).toBe('0.0.0.0');
    expect(services.engine.ports).toContain(`${port}:${port}`);
    const health = services.engine.healthcheck.test.join(' ');
    expect(health).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(readFileSync(join(repoDir, 'src/api/health.ts'), 'utf8')).toContain("app.get('/healthz'");
    const prom = parse(readFileSync(join(deployDir, 'prometheus/prometheus.yml'), 'utf8'));
    const job = prom.scrape_configs.find((s: Yaml) => s.job_name === 'learnstream');
    expect(job.static_configs[0].targets).toEqual([`engine:${port}`]);
    const graceSeconds = Number.parseInt(services.engine.stop_grace_period, 10);
    expect(graceSeconds * 1000).toBeGreaterThan(Number(engineEnv.LEARNSTREAM_SERVER_SHUTDOWN_TIMEOUT_MS));
  });

  it('requires every secret from the environment (deploy/.env), never a literal', () => {
    const raw = readFileSync(join(deployDir, 'docker-compose.yml'), 'utf8');
    for (const name of secretVars) {
      const line = raw.split('\n').find((l) => l.trim().startsWith(`${name}:`));
      expect(line, name).toBeDefined();
      expect(line, name).toMatch(/\$\{\w+:\?[^}]*\}\s*$/);
    }
    expect(grafanaEnv.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  });

  it('mounts paths that exist: Prometheus config and rules where prometheus.yml looks for them', () => {
    for (const s of Object.keys(services)) {
      for (const [host] of bindMounts(s)) expect(existsSync(host), `${s}: ${host}`).toBe(true);
    }
    const mounts = new Map(bindMounts('prometheus').map(([h, c]) => [c, h]));
    const configHost = mounts.get('/etc/prometheus/prometheus.yml');
    expect(configHost).toBe(join(deployDir, 'prometheus/prometheus.yml'));
    const prom = parse(readFileSync(configHost as string, 'utf8'));
    for (const rulesFile of prom.rule_files as string[]) {
      // rule_files are relative to the config file, inside the container.
      const inContainer = resolve('/etc/prometheus', rulesFile);
      const [dir, host] = [...mounts].find(([c]) => inContainer.startsWith(`${c}/`)) ?? [];
      expect(host, rulesFile).toBeDefined();
      expect(existsSync(join(host as string, inContainer.slice((dir as string).length))), rulesFile).toBe(true);
    }
  });
});

describe('grafana provisioning', () => {
  const mounts = new Map(bindMounts('grafana').map(([h, c]) => [c, h]));
  const provisioningDir = mounts.get('/etc/grafana/provisioning') as string;
  const datasources: Yaml[] = parse(
    readFileSync(join(provisioningDir, 'datasources/learnstream.yml'), 'utf8'),
  ).datasources;
  const providers: Yaml[] = parse(readFileSync(join(provisioningDir, 'dashboards/learnstream.yml'), 'utf8')).providers;

  it('installs the ClickHouse plugin and provisions ClickHouse and Prometheus data sources', () => {
    expect(provisioningDir).toBe(join(deployDir, 'grafana/provisioning'));
    expect(String(grafanaEnv.GF_INSTALL_PLUGINS).split(',')).toContain('grafana-clickhouse-datasource');
    const ch = datasources.find((d) => d.type === 'grafana-clickhouse-datasource');
    expect(ch.jsonData.protocol).toBe('http');
    expect(ch.jsonData.port).toBe(8123);
    expect(datasources.find((d) => d.type === 'prometheus')).toBeDefined();
  });

  it('gives Grafana every variable the data source file interpolates, pointing at the compose services', () => {
    const text = readFileSync(join(provisioningDir, 'datasources/learnstream.yml'), 'utf8');
    const used = [...text.replace(/^\s*#.*$/gm, '').matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(grafanaEnv[name], name).toBeDefined();
    expect(services[grafanaEnv.CLICKHOUSE_HOST as string]).toBeDefined();
    expect(new URL(grafanaEnv.PROMETHEUS_URL as string).hostname).toBe('prometheus');
    expect(grafanaEnv.LEARNSTREAM_CLICKHOUSE_DATABASE).toBe(engineEnv.LEARNSTREAM_CLICKHOUSE_DATABASE);
  });

  it('loads the dashboards from where they are mounted; their queries use the provisioned data sources', () => {
    const dashboardsPath = providers[0].options.path;
    const host = mounts.get(dashboardsPath);
    expect(host).toBe(join(deployDir, 'grafana/dashboards'));
    for (const f of ['learning.json', 'pipeline.json']) expect(existsSync(join(host as string, f)), f).toBe(true);
    expect(grafanaEnv.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboardsPath}/learning.json`);

    const uids = new Map(datasources.map((d) => [d.uid, d.type]));
    const uidsSeen = new Set<string>();
    for (const name of ['learning', 'pipeline'] as const) {
      const d = loadDashboard(name);
      expect(dashboardQueries(d).length, name).toBeGreaterThan(0);
      const json = JSON.stringify(d);
      for (const m of json.matchAll(/"datasource":\{"type":"([^"]+)","uid":"([^"]+)"\}/g)) {
        expect(uids.get(m[2] as string), `${name}: ${m[2]}`).toBe(m[1]);
        uidsSeen.add(m[2] as string);
      }
      // Panel ids unique, every panel inside the 24-column grid.
      const panels = d.panels as Yaml[];
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      for (const p of panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
    expect(uidsSeen).toEqual(new Set(uids.keys()));
  });
});

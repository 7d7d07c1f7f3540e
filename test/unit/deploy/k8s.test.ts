// The Kubernetes manifests in deploy/k8s: they parse, and the essentials an
// operator relies on hold — probes hit routes the engine serves on the port it
// listens on, every replica joins the same consumer group, secrets come only
// from a Secret by reference, and the migration Job runs `learnstream migrate`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { describeSettings } from '../../../src/core/config.js';
import { deployDir, repoDir } from './dashboards.js';

const k8sDir = join(deployDir, 'k8s');

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked field by field below
type Manifest = any;

const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: { file: string; doc: Manifest }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Manifest };
  }),
);
const ofKind = (kind: string): Manifest[] => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const one = (kind: string): Manifest => {
  const found = ofKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};

const deployment = one('Deployment');
const job = one('Job');
const configMaps = new Map<string, Record<string, string>>(ofKind('ConfigMap').map((c) => [c.metadata.name, c.data]));
const engine = deployment.spec.template.spec.containers[0];

/** Routes the engine registers for health and metrics (src/api/health.ts). */
const healthRoutes = [...readFileSync(join(repoDir, 'src/api/health.ts'), 'utf8').matchAll(/app\.get\('([^']+)'/g)].map(
  (m) => m[1],
);

/** Settings that are secrets: the config schema's *_SECRET and *_PASSWORD variables. */
const settings = describeSettings();
const secretVars = settings.map((s) => s.env).filter((e) => /SECRET|PASSWORD/.test(e));

interface EnvSource {
  value?: string;
  secret?: { name: string; key: string; optional?: boolean };
  other?: string;
}

/** A container's environment as the kubelet builds it: envFrom ConfigMaps, then env entries on top. */
function effectiveEnv(container: Manifest): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const from of container.envFrom ?? []) {
    const data = configMaps.get(from.configMapRef?.name);
    if (!data) throw new Error(`envFrom refers to a missing ConfigMap: ${JSON.stringify(from)}`);
    for (const [k, v] of Object.entries(data)) env.set(`${from.prefix ?? ''}${k}`, { value: String(v) });
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env.set(e.name, { value: String(e.value) });
    else if (e.valueFrom?.secretKeyRef) env.set(e.name, { secret: e.valueFrom.secretKeyRef });
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      env.set(e.name, { value: configMaps.get(ref.name)?.[ref.key] });
    } else env.set(e.name, { other: JSON.stringify(e.valueFrom) });
  }
  return env;
}

function containerPort(container: Manifest, port: string | number): number {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: Manifest) => p.name === port);
  if (!named) throw new Error(`no container port named ${port}`);
  return named.containerPort;
}

const engineEnv = effectiveEnv(engine);
const jobEnv = effectiveEnv(job.spec.template.spec.containers[0]);

describe('kubernetes manifests', () => {
  it('parse, are namespace-agnostic and are all listed in the kustomization', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(7);
    for (const { file, doc } of manifests) {
      expect(doc.apiVersion, file).toBeTruthy();
      expect(doc.metadata?.name, file).toBeTruthy();
      expect(doc.metadata?.namespace, `${file} must not pin a namespace`).toBeUndefined();
    }
    const kustomization = parse(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.namespace).toBeUndefined();
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'Job']) {
      expect(ofKind(kind).length, kind).toBeGreaterThan(0);
    }
  });

  it('kubectl kustomize renders them (when kubectl is installed)', (ctx) => {
    let out: string;
    try {
      out = execFileSync('kubectl', ['kustomize', k8sDir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ctx.skip();
      throw err;
    }
    const rendered = parseAllDocuments(out).map((d) => d.toJS() as Manifest);
    expect(rendered.map((d) => d.kind).sort()).toEqual(manifests.map((m) => m.doc.kind).sort());
    const images = rendered.flatMap((d) => d.spec?.template?.spec?.containers?.map((c: Manifest) => c.image) ?? []);
    expect(new Set(images)).toEqual(new Set(['learnstream:0.1.0']));
  });

  it('uses only settings the engine knows (no typo silently ignored)', () => {
    const known = new Set(settings.map((s) => s.env));
    const names = [...engineEnv.keys(), ...jobEnv.keys(), ...[...configMaps.values()].flatMap((d) => Object.keys(d))];
    for (const name of names) {
      if (name === 'NODE_OPTIONS') continue;
      expect(known.has(name), name).toBe(true);
    }
  });

  it('probes point at the engine health routes on the port it listens on, on all interfaces', () => {
    const listenPort = Number(engineEnv.get('LEARNSTREAM_PORT')?.value);
    expect(listenPort).toBeGreaterThan(0);
    expect(engineEnv.get('LEARNSTREAM_SERVER_HOST')?.value).toBe('0.0.0.0');
    expect(engine.livenessProbe.httpGet.path).toBe('/healthz');
    expect(engine.readinessProbe.httpGet.path).toBe('/readyz');
    for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const probe = engine[kind];
      if (!probe) continue;
      expect(healthRoutes, kind).toContain(probe.httpGet.path);
      expect(containerPort(engine, probe.httpGet.port), kind).toBe(listenPort);
    }
    const annotations = deployment.spec.template.metadata.annotations;
    expect(healthRoutes).toContain(annotations['prometheus.io/path']);
    expect(Number(annotations['prometheus.io/port'])).toBe(listenPort);
  });

  it('runs several replicas in one consumer group, with the group id a constant of the pod template', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(engineEnv.get('LEARNSTREAM_SOURCE_KIND')?.value).toBe('kafka');
    const group = engineEnv.get('LEARNSTREAM_KAFKA_GROUP_ID');
    // A literal (ConfigMap or value), not a per-pod downward-API reference: every replica gets the same.
    expect(group?.value).toMatch(/^[\w.-]+$/);
    expect(group?.other).toBeUndefined();
    expect(deployment.spec.template.spec.initContainers ?? []).toEqual([]);
    expect(deployment.spec.template.spec.containers).toHaveLength(1);
  });

  it('takes every secret from the Secret by reference; no manifest holds secret data', () => {
    expect(secretVars).toEqual(
      expect.arrayContaining(['LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET', 'LEARNSTREAM_AUTH_JWT_SECRET']),
    );
    for (const name of secretVars) {
      const source = engineEnv.get(name);
      expect(source?.secret?.name, name).toBeTruthy();
      expect(source?.secret?.optional, `${name} must be required`).not.toBe(true);
      expect(source?.value, name).toBeUndefined();
      for (const data of configMaps.values()) expect(Object.keys(data), name).not.toContain(name);
    }
    expect(jobEnv.get('LEARNSTREAM_CLICKHOUSE_PASSWORD')?.secret?.name).toBeTruthy();
    for (const secret of ofKind('Secret')) {
      expect(secret.data ?? {}, secret.metadata.name).toEqual({});
      expect(secret.stringData ?? {}, secret.metadata.name).toEqual({});
    }
    // Not even the development defaults appear anywhere.
    const text = files.map((f) => readFileSync(join(k8sDir, f), 'utf8')).join('\n');
    for (const s of settings.filter((x) => secretVars.includes(x.env) && typeof x.default === 'string' && x.default)) {
      expect(text).not.toContain(String(s.default));
    }
  });

  it('sets resources, a non-root security context and a grace period above the shutdown timeout', () => {
    for (const [what, pod] of [
      ['deployment', deployment.spec.template.spec],
      ['job', job.spec.template.spec],
    ]) {
      expect(pod.securityContext.runAsNonRoot, what).toBe(true);
      for (const c of pod.containers) {
        for (const r of ['cpu', 'memory']) {
          expect(c.resources.requests[r], `${what} request ${r}`).toBeTruthy();
          expect(c.resources.limits[r], `${what} limit ${r}`).toBeTruthy();
        }
        expect(c.securityContext.allowPrivilegeEscalation, what).toBe(false);
      }
    }
    const shutdownMs = Number(engineEnv.get('LEARNSTREAM_SERVER_SHUTDOWN_TIMEOUT_MS')?.value);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs);
  });

  it('migrates in a Job running `learnstream migrate` against the same database; replicas do not migrate', () => {
    const c = job.spec.template.spec.containers[0];
    expect([...(c.command ?? []), ...(c.args ?? [])]).toEqual(['migrate']);
    expect(c.image).toBe(engine.image);
    expect(readFileSync(join(repoDir, 'src/cli.ts'), 'utf8')).toMatch(/\n\s+migrate: \{/);
    for (const name of ['CLICKHOUSE_URL', 'LEARNSTREAM_CLICKHOUSE_DATABASE', 'LEARNSTREAM_CLICKHOUSE_USERNAME']) {
      expect(jobEnv.get(name)?.value, name).toBe(engineEnv.get(name)?.value);
    }
    expect(['OnFailure', 'Never']).toContain(job.spec.template.spec.restartPolicy);
    expect(engineEnv.get('LEARNSTREAM_CLICKHOUSE_MIGRATE')?.value).toBe('false');
  });

  it('Services and the PodDisruptionBudget select the engine pods; the metrics Service is what Prometheus resolves', () => {
    const podLabels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    // The Job's pods must not count as engine pods.
    const jobLabels = job.spec.template.metadata.labels;
    expect(Object.entries(deployment.spec.selector.matchLabels).every(([k, v]) => jobLabels[k] === v)).toBe(false);
    const listenPort = Number(engineEnv.get('LEARNSTREAM_PORT')?.value);
    for (const svc of ofKind('Service')) {
      expect(selects(svc.spec.selector), svc.metadata.name).toBe(true);
      for (const p of svc.spec.ports) expect(containerPort(engine, p.targetPort), svc.metadata.name).toBe(listenPort);
    }
    const pdb = one('PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBeLessThan(deployment.spec.replicas);

    const headless = ofKind('Service').find((s) => s.spec.clusterIP === 'None');
    const prom = parse(readFileSync(join(deployDir, 'prometheus/prometheus-k8s.yml'), 'utf8'));
    const sd = prom.scrape_configs.find((s: Manifest) => s.job_name === 'learnstream').dns_sd_configs[0];
    expect(sd.names).toEqual([headless.metadata.name]);
    expect(sd.port).toBe(listenPort);
  });
});

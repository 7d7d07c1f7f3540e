// The secrets rule: outside embedded mode on loopback, the engine refuses to
// start while a secret (pseudonym, DP noise, JWT) is its documented default,
// shorter than 32 bytes, or shared with another secret setting — anyone who
// read the README could otherwise mint an admin token or re-derive pseudonyms.
// Embedded mode bound to loopback keeps the defaults (the quick start) with a
// warning. Pure functions here; the engine calls `checkSecrets` at start.
import { type Config, configSchema, envName } from './config.js';
import { defineErrorCode, LearnstreamError } from './errors.js';

export const ConfigDefaultSecret = defineErrorCode(
  'LS_CONFIG_DEFAULT_SECRET',
  'Default or weak secrets outside embedded mode on loopback',
  500,
  false,
);

/** Fewest bytes (UTF-8) a secret may have: 256 bits, what `openssl rand -hex 32` gives as 64 characters. */
export const minSecretBytes = 32;

export const generateSecretAdvice = 'openssl rand -hex 32';

/** The settings the rule covers, as section + field of the config schema. */
export const secretSettings = [
  { section: 'privacy', field: 'pseudonymSecret' },
  { section: 'privacy', field: 'noiseSecret' },
  { section: 'auth', field: 'jwtSecret' },
] as const;

export interface SecretProblem {
  /** Environment variable of the setting, e.g. LEARNSTREAM_AUTH_JWT_SECRET. */
  env: string;
  /** Config path, e.g. auth.jwtSecret. */
  path: string;
  problem: 'default' | 'short' | 'reused';
  message: string;
}

const loopbackNames = new Set(['localhost', '::1', '[::1]']);

/** True for a bind address reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return loopbackNames.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Defaults are tolerated only by the quick-start shape: embedded source, HTTP bound to loopback. */
export function defaultSecretsTolerated(config: Pick<Config, 'source' | 'server'>): boolean {
  return config.source.kind === 'embedded' && isLoopbackHost(config.server.host);
}

type SecretValues = { privacy: { pseudonymSecret: string; noiseSecret: string }; auth: { jwtSecret: string } };

/** Every problem of the secret settings, in the order of `secretSettings`; empty when all are strong. */
export function secretProblems(config: SecretValues): SecretProblem[] {
  const defaults = configSchema.parse({}) as unknown as SecretValues;
  const read = (v: SecretValues, s: (typeof secretSettings)[number]) =>
    (v[s.section] as Record<string, string>)[s.field] as string;
  // Any documented default is public, whichever setting it is copied into.
  const published = new Set(secretSettings.map((s) => read(defaults, s)));
  const problems: SecretProblem[] = [];
  secretSettings.forEach((s, i) => {
    const env = envName(s.section, s.field);
    const path = `${s.section}.${s.field}`;
    const value = read(config, s);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (published.has(value)) {
      problems.push({ env, path, problem: 'default', message: `${env} (${path}) is the documented default` });
    } else if (bytes < minSecretBytes) {
      problems.push({
        env,
        path,
        problem: 'short',
        message: `${env} (${path}) is ${bytes} bytes; at least ${minSecretBytes}`,
      });
    } else {
      const twin = secretSettings.slice(0, i).find((t) => read(config, t) === value);
      if (twin) {
        const twinEnv = envName(twin.section, twin.field);
        problems.push({ env, path, problem: 'reused', message: `${env} (${path}) has the same value as ${twinEnv}` });
      }
    }
  });
  return problems;
}

/**
 * Applies the rule: throws LS_CONFIG_DEFAULT_SECRET naming each offending
 * variable unless the engine runs embedded on loopback; there it returns the
 * problems it tolerates, for the caller to warn about.
 */
export function checkSecrets(config: SecretValues & Pick<Config, 'source' | 'server'>): SecretProblem[] {
  const problems = secretProblems(config);
  if (problems.length === 0 || defaultSecretsTolerated(config)) return problems;
  throw new LearnstreamError(
    ConfigDefaultSecret,
    `${problems.map((p) => p.message).join('; ')}. Generate each with \`${generateSecretAdvice}\` ` +
      `(keep the pseudonym secret for good: a new one changes every pseudonym). Defaults are accepted only ` +
      `in embedded mode bound to loopback (LEARNSTREAM_SOURCE_KIND=embedded, LEARNSTREAM_SERVER_HOST=127.0.0.1); ` +
      `this engine runs ${config.source.kind} on ${config.server.host}`,
    { details: { settings: problems.map((p) => p.env), problems: problems.map((p) => p.message) } },
  );
}

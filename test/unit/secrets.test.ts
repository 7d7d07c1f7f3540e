// The secrets rule (src/core/secrets.ts): which secret values are refused, in
// which modes, and what the refusal says. Expected values are written from the
// README's rule, not read from the code.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { LearnstreamError } from '../../src/core/errors.js';
import { checkSecrets, defaultSecretsTolerated, isLoopbackHost, secretProblems } from '../../src/core/secrets.js';

// 64 hex characters each, as `openssl rand -hex 32` prints them.
const strong = {
  LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET: '0f3a9c1e5b7d2468ace0f3a9c1e5b7d2468ace0f3a9c1e5b7d2468ace0f3a9c1',
  LEARNSTREAM_PRIVACY_NOISE_SECRET: '1e5b7d2468ace0f3a9c1e5b7d2468ace0f3a9c1e5b7d2468ace0f3a9c1e5b7d24',
  LEARNSTREAM_AUTH_JWT_SECRET: '2468ace0f3a9c1e5b7d2468ace0f3a9c1e5b7d2468ace0f3a9c1e5b7d2468ace0',
};
const kafka = { LEARNSTREAM_SOURCE_KIND: 'kafka' };
const allThree = [
  'LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET',
  'LEARNSTREAM_PRIVACY_NOISE_SECRET',
  'LEARNSTREAM_AUTH_JWT_SECRET',
];

function refusal(env: Record<string, string>): LearnstreamError {
  try {
    checkSecrets(loadConfig(env));
  } catch (err) {
    if (err instanceof LearnstreamError) return err;
    throw err;
  }
  throw new Error('expected LS_CONFIG_DEFAULT_SECRET');
}

describe('secrets rule', () => {
  it('loopback: 127.0.0.0/8, ::1 and localhost; nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.org', '127.0.0.1.example.org', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('defaults are tolerated only embedded and on loopback', () => {
    expect(defaultSecretsTolerated(loadConfig({}))).toBe(true);
    expect(defaultSecretsTolerated(loadConfig({ LEARNSTREAM_SERVER_HOST: '::1' }))).toBe(true);
    expect(defaultSecretsTolerated(loadConfig(kafka))).toBe(false);
    expect(defaultSecretsTolerated(loadConfig({ LEARNSTREAM_SERVER_HOST: '0.0.0.0' }))).toBe(false);
    expect(defaultSecretsTolerated(loadConfig({ ...kafka, LEARNSTREAM_SERVER_HOST: '127.0.0.1' }))).toBe(false);
  });

  it('finds each default, each short secret and each reused one', () => {
    expect(secretProblems(loadConfig(strong))).toEqual([]);
    expect(secretProblems(loadConfig({})).map((p) => [p.env, p.problem])).toEqual(allThree.map((e) => [e, 'default']));
    // 31 bytes is short, 32 is enough; bytes, not characters: 16 × "é" is 32 bytes.
    const short = secretProblems(
      loadConfig({
        ...strong,
        LEARNSTREAM_PRIVACY_NOISE_SECRET: 'x'.repeat(31),
        LEARNSTREAM_AUTH_JWT_SECRET: 'é'.repeat(16) + 'y'.repeat(16),
      }),
    );
    expect(short).toEqual([
      {
        env: 'LEARNSTREAM_PRIVACY_NOISE_SECRET',
        path: 'privacy.noiseSecret',
        problem: 'short',
        message: 'LEARNSTREAM_PRIVACY_NOISE_SECRET (privacy.noiseSecret) is 31 bytes; at least 32',
      },
    ]);
    expect(secretProblems(loadConfig({ ...strong, LEARNSTREAM_PRIVACY_NOISE_SECRET: 'n'.repeat(32) }))).toEqual([]);
    const reused = secretProblems(
      loadConfig({ ...strong, LEARNSTREAM_AUTH_JWT_SECRET: strong.LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET }),
    );
    expect(reused.map((p) => p.message)).toEqual([
      'LEARNSTREAM_AUTH_JWT_SECRET (auth.jwtSecret) has the same value as LEARNSTREAM_PRIVACY_PSEUDONYM_SECRET',
    ]);
    // A published default copied into another setting is still a published default.
    const copied = secretProblems(
      loadConfig({ ...strong, LEARNSTREAM_PRIVACY_NOISE_SECRET: 'learnstream-dev-jwt-secret-change-me-please' }),
    );
    expect(copied.map((p) => [p.env, p.problem])).toEqual([['LEARNSTREAM_PRIVACY_NOISE_SECRET', 'default']]);
  });

  it('outside embedded-on-loopback: LS_CONFIG_DEFAULT_SECRET naming every offending variable and how to generate one', () => {
    for (const mode of [kafka, { LEARNSTREAM_SERVER_HOST: '0.0.0.0' }]) {
      const err = refusal(mode);
      expect(err.code).toBe('LS_CONFIG_DEFAULT_SECRET');
      for (const env of allThree) expect(err.message).toContain(`${env} (`);
      expect(err.message).toContain('openssl rand -hex 32');
      expect(err.details).toMatchObject({ settings: allThree });
    }
    const one = refusal({ ...kafka, ...strong, LEARNSTREAM_PRIVACY_NOISE_SECRET: 'sixteen-chars-ok' });
    expect(one.details).toEqual({
      settings: ['LEARNSTREAM_PRIVACY_NOISE_SECRET'],
      problems: ['LEARNSTREAM_PRIVACY_NOISE_SECRET (privacy.noiseSecret) is 16 bytes; at least 32'],
    });
    expect(one.message).toContain('this engine runs kafka on 127.0.0.1');
  });

  it('strong secrets start anywhere; embedded on loopback starts with defaults and reports them', () => {
    expect(checkSecrets(loadConfig({ ...kafka, ...strong, LEARNSTREAM_SERVER_HOST: '0.0.0.0' }))).toEqual([]);
    expect(checkSecrets(loadConfig({})).map((p) => p.env)).toEqual(allThree);
  });
});

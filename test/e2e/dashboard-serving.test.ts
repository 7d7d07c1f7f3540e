// Who gets the dashboard's development token, and what `/` says when the page
// was never built: the rules the README's Dashboard section promises, checked
// on a bare fastify instance with the route registered as the engine does.
import { mkdirSync, writeFileSync } from 'node:fs';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/api/auth/index.js';
import { registerDashboard } from '../../src/api/index.js';
import { loadConfig } from '../../src/core/config.js';
import { tempDir } from '../support/index.js';

const logger = pino({ level: 'silent' });

function appWith(env: Record<string, string>, assetsDir?: string) {
  const config = loadConfig({ LEARNSTREAM_AUTH_JWT_SECRET: 'serving-test-secret-0123456789abcdef', ...env });
  const app = Fastify();
  registerDashboard(app, { config, logger, ...(assetsDir ? { assetsDir } : {}) });
  return { app, config };
}

function builtAssets(): string {
  const dir = tempDir('learnstream-web-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/index.html`, '<!doctype html><title>t</title>');
  writeFileSync(`${dir}/app.js`, 'export {};');
  return dir;
}

const devToken = (app: ReturnType<typeof Fastify>, host: string) =>
  app.inject({ method: 'GET', url: '/dashboard/dev-token', headers: { host } });

describe('dashboard dev token', () => {
  it('embedded on loopback: a valid admin token for a loopback Host, never cached', async () => {
    const { app, config } = appWith({}, builtAssets());
    const res = await devToken(app, '127.0.0.1:8080');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { token } = res.json() as { token: string };
    const principal = await createTokenVerifier(config.auth).verify(token);
    expect(principal.role).toBe('admin');
    expect((await devToken(app, 'localhost')).statusCode).toBe(200);
    expect((await devToken(app, '[::1]:8080')).statusCode).toBe(200);
    expect((await devToken(app, 'evil.example:8080')).statusCode).toBe(404);
  });

  it('bound to every interface: no token, whatever the Host', async () => {
    const { app } = appWith({ LEARNSTREAM_SERVER_HOST: '0.0.0.0' }, builtAssets());
    expect((await devToken(app, '127.0.0.1:8080')).statusCode).toBe(404);
  });

  it('Kafka mode: no token', async () => {
    const { app } = appWith({ LEARNSTREAM_SOURCE_KIND: 'kafka' }, builtAssets());
    expect((await devToken(app, '127.0.0.1:8080')).statusCode).toBe(404);
  });
});

describe('dashboard page', () => {
  it('serves the built page with a same-origin policy, and assets by name only', async () => {
    const { app } = appWith({}, builtAssets());
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await app.inject({ method: 'GET', url: '/dashboard/app.js' })).headers['content-type']).toContain(
      'text/javascript',
    );
    expect((await app.inject({ method: 'GET', url: '/dashboard/..%2Fpackage.json' })).statusCode).toBe(404);
  });

  it('says how to build it when web/dist is missing', async () => {
    const { app } = appWith({}, `${tempDir('learnstream-web-')}/absent`);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
  });
});

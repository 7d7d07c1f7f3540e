// Serves the live dashboard page (web/, built into web/dist by `npm run build`)
// at `/` on the engine's HTTP server. The page itself only talks to the public
// REST API and live feed; in embedded mode on loopback it may fetch a dev token.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { defaultSecretsTolerated, isLoopbackHost } from '../core/secrets.js';
import { issueDevToken } from './auth/index.js';

/** web/dist seen from src/api (sources run by tsx) and from dist/api (compiled): both are two levels down. */
export const dashboardAssetsDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

// The page loads nothing from elsewhere: scripts, styles and connections stay on this origin.
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when the server binds only to a loopback interface. */
export const isLoopbackBind = isLoopbackHost;

/** Host header without its port; a request naming another host (DNS rebinding) is not local. */
function requestHostname(req: FastifyRequest): string {
  const host = req.headers.host ?? '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0] ?? '';
}

export interface DashboardOptions {
  config: Config;
  logger: Logger;
  /** Defaults to web/dist next to the sources. */
  assetsDir?: string;
}

/**
 * Registers `GET /`, `GET /dashboard/<asset>` and, only in embedded mode bound
 * to loopback, `GET /dashboard/dev-token` (refused unless the request's Host
 * is loopback too, so a rebinding page on another name cannot read it).
 */
export function registerDashboard(app: FastifyInstance, opts: DashboardOptions): void {
  const log = opts.logger.child({ component: 'dashboard' });
  const dir = opts.assetsDir ?? dashboardAssetsDir;
  const assets = new Map<string, Buffer>();
  if (existsSync(join(dir, 'index.html'))) {
    for (const name of readdirSync(dir)) {
      if (contentTypes[extname(name)]) assets.set(name, readFileSync(join(dir, name)));
    }
  } else {
    log.warn({ dir }, 'dashboard assets not built: run `npm run build` to serve the live dashboard at /');
  }

  const send = (reply: FastifyReply, name: string) => {
    const body = assets.get(name);
    if (!body) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    return reply
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', name === 'index.html' ? 'no-cache' : 'public, max-age=300')
      .type(contentTypes[extname(name)] as string)
      .send(body);
  };

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    if (!assets.has('index.html')) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built. Run `npm run build` and restart the engine.\n');
    }
    return send(reply, 'index.html');
  });

  // The same condition under which the engine tolerates its default secrets.
  const devTokenServed = defaultSecretsTolerated(opts.config);
  app.get('/dashboard/dev-token', { schema: { hide: true } }, async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!devTokenServed || !loopbackHosts.has(requestHostname(req))) {
      return reply.code(404).send({ code: 'LS_DASHBOARD_NO_DEV_TOKEN', message: 'no development token here' });
    }
    return reply.send({ token: await issueDevToken(opts.config.auth), role: 'admin', expiresIn: '24h' });
  });

  app.get<{ Params: { asset: string } }>('/dashboard/:asset', { schema: { hide: true } }, async (req, reply) =>
    send(reply, req.params.asset),
  );

  if (assets.has('index.html')) {
    app.addHook('onListen', async () => {
      const address = app.server.address();
      if (!address || typeof address === 'string') return;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${host}:${address.port}/`;
      log.info({ url, devToken: devTokenServed }, `live dashboard: ${url}`);
    });
  }
}

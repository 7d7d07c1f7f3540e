// The dashboard's connection to the live feed (/v1/live): authenticate with a
// first message (the token stays out of URLs and logs), subscribe to one
// tenant, hand every closed window over, reconnect with backoff and resume
// from the last resume token so no window is missed across a reconnect.
import type { LiveKind, ServerMessage, WindowMessage } from './types.js';

export type FeedState = 'connecting' | 'live' | 'offline' | 'unauthorized';

export interface LiveFeedClientOptions {
  token: () => string | undefined;
  kinds: LiveKind[];
  onWindow: (message: WindowMessage) => void;
  onState: (state: FeedState, detail?: string) => void;
}

export interface LiveFeedClient {
  /** (Re)subscribes to these tenants; resume positions are dropped, they belong to the old subscription. */
  follow(tenants: string[]): void;
  close(): void;
}

export function liveFeedUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/v1/live`;
}

/** A resume token naming no positions: the server replays every stored window of the subscription. */
export const resumeFromStart = btoa(JSON.stringify({ v: 1, p: {} }))
  .replace(/\+/g, '-')
  .replace(/\//g, '_')
  .replace(/=+$/, '');

export function createLiveFeedClient(opts: LiveFeedClientOptions): LiveFeedClient {
  let socket: WebSocket | undefined;
  let tenants: string[] = [];
  let resume: string | undefined;
  let retryMs = 1000;
  let timer: number | undefined;
  let closed = false;

  const connect = () => {
    window.clearTimeout(timer);
    const token = opts.token();
    if (!token || tenants.length === 0) return;
    opts.onState('connecting');
    const ws = new WebSocket(liveFeedUrl());
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (ev) => {
      if (socket !== ws) return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      switch (msg.type) {
        case 'welcome':
          ws.send(JSON.stringify({ type: 'subscribe', tenants, kinds: opts.kinds, ...(resume ? { resume } : {}) }));
          break;
        case 'subscribed':
          retryMs = 1000;
          resume ??= msg.resume;
          opts.onState('live');
          break;
        case 'window':
          resume = msg.resume;
          opts.onWindow(msg);
          break;
        case 'heartbeat':
        case 'replay_complete':
          if (msg.resume) resume = msg.resume;
          break;
        case 'error':
          // A resume too far behind is refused: start over from now (REST has the history).
          if (resume) resume = undefined;
          opts.onState('offline', msg.message);
          ws.close();
          break;
      }
    };
    ws.onclose = (ev) => {
      if (socket !== ws || closed) return;
      socket = undefined;
      if (ev.code === 4001) {
        opts.onState('unauthorized', ev.reason || 'token refused');
        return;
      }
      opts.onState('offline', ev.reason || `closed (${ev.code})`);
      timer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15_000);
    };
  };

  return {
    follow(next) {
      tenants = next;
      resume = undefined;
      const old = socket;
      socket = undefined;
      old?.close(1000, 'resubscribing');
      connect();
    },
    close() {
      closed = true;
      window.clearTimeout(timer);
      socket?.close(1000, 'page closed');
    },
  };
}

/**
 * The tenants with results so far, for admins (others see their own): first
 * the stored weekly-active windows of every tenant, replayed; when there are
 * none yet (the first week has not closed), the next live session windows.
 */
export function discoverTenants(token: string, timeoutMs = 8000): Promise<string[]> {
  return new Promise((resolve) => {
    const found = new Set<string>();
    const ws = new WebSocket(liveFeedUrl());
    let listening = false;
    let grace: number | undefined;
    const finish = () => {
      window.clearTimeout(timer);
      window.clearTimeout(grace);
      ws.onclose = null;
      ws.close(1000, 'discovered');
      resolve([...found].sort());
    };
    const timer = window.setTimeout(finish, timeoutMs);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as ServerMessage;
      if (msg.type === 'welcome') {
        ws.send(
          JSON.stringify({ type: 'subscribe', tenants: ['*'], kinds: ['weekly_active'], resume: resumeFromStart }),
        );
      } else if (msg.type === 'window') {
        found.add(msg.tenantId);
        // Live windows come in bursts: take the burst, then stop listening.
        if (listening && grace === undefined) grace = window.setTimeout(finish, 1500);
      } else if (msg.type === 'replay_complete' && found.size === 0 && !listening) {
        listening = true;
        ws.send(JSON.stringify({ type: 'subscribe', tenants: ['*'], kinds: ['sessions'] }));
      } else if (msg.type === 'replay_complete' || msg.type === 'error') {
        if (!listening) finish();
      }
    };
    ws.onclose = finish;
    ws.onerror = finish;
  });
}

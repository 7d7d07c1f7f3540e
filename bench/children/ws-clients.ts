// Forked by the latency run: N live-feed WebSocket clients in their own
// process, each authenticated and subscribed to every tenant's sessions. Each
// message is stamped on arrival before it is parsed; on request the stamps are
// joined with the engine's "final at" stamps into latencies.
import WebSocket from 'ws';
import { preciseNowMs } from '../children.js';

type Parent =
  | { type: 'connect'; url: string; token: string; clients: number }
  | { type: 'report'; finals: [string, number][] };

const arrivals: [number, string][][] = [];

function connect(url: string, token: string, index: number): Promise<void> {
  const mine: [number, string][] = [];
  arrivals[index] = mine;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const at = preciseNowMs();
      const msg = JSON.parse(data.toString()) as { type: string; kind?: string; partition?: number; seq?: number };
      if (msg.type === 'window') mine.push([at, `${msg.kind}:${msg.partition}:${msg.seq}`]);
      else if (msg.type === 'welcome')
        ws.send(JSON.stringify({ type: 'subscribe', tenants: ['*'], kinds: ['sessions'] }));
      else if (msg.type === 'subscribed') resolve();
      else if (msg.type === 'error') reject(new Error(data.toString()));
    });
  });
}

process.on('message', async (msg: Parent) => {
  if (msg.type === 'connect') {
    for (let i = 0; i < msg.clients; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(msg.clients, i + 50); j++) batch.push(connect(msg.url, msg.token, j));
      await Promise.all(batch);
    }
    process.send?.({ type: 'ready' });
    return;
  }
  const finals = new Map(msg.finals);
  const latencies: number[] = [];
  let messages = 0;
  for (const client of arrivals) {
    const seen = new Set<string>();
    for (const [at, key] of client) {
      messages++;
      seen.add(key);
      const final = finals.get(key);
      if (final !== undefined) latencies.push(at - final);
    }
  }
  const missing = arrivals.reduce((n, client) => n + (finals.size - new Set(client.map(([, k]) => k)).size), 0);
  process.send?.({ type: 'report', latencies, missing, messages });
});

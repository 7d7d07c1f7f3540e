// Forked by the latency run: N live-feed WebSocket clients in their own
// process, each authenticated and subscribed to every tenant's sessions. Each
// message is stamped on arrival and kept as received; it is parsed only when
// the report is asked for, so one process standing in for 1,000 clients does
// not add its own parsing to every later client's latency. On request the
// stamps are joined with the engine's "final at" stamps into latencies.
import WebSocket from 'ws';
import { preciseNowMs } from '../children.js';

type Parent =
  | { type: 'connect'; url: string; token: string; clients: number }
  | { type: 'report'; finals: [string, number][] };

type Message = { type: string; kind?: string; partition?: number; seq?: number };

/** Per client: arrival stamp and raw message, in arrival order. */
const arrivals: [number, WebSocket.RawData][][] = [];

function connect(url: string, token: string, index: number): Promise<void> {
  const mine: [number, WebSocket.RawData][] = [];
  arrivals[index] = mine;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let subscribed = false;
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data) => {
      const at = preciseNowMs();
      if (subscribed) {
        mine.push([at, data]);
        return;
      }
      const msg = JSON.parse(data.toString()) as Message;
      if (msg.type === 'window') mine.push([at, data]);
      else if (msg.type === 'welcome')
        ws.send(JSON.stringify({ type: 'subscribe', tenants: ['*'], kinds: ['sessions'] }));
      else if (msg.type === 'subscribed') {
        subscribed = true;
        resolve();
      } else if (msg.type === 'error') reject(new Error(data.toString()));
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
  let missing = 0;
  for (const client of arrivals) {
    const seen = new Set<string>();
    for (const [at, data] of client) {
      const msg = JSON.parse(data.toString()) as Message;
      if (msg.type !== 'window') continue;
      const key = `${msg.kind}:${msg.partition}:${msg.seq}`;
      messages++;
      seen.add(key);
      const final = finals.get(key);
      if (final !== undefined) latencies.push(at - final);
    }
    missing += finals.size - seen.size;
  }
  process.send?.({ type: 'report', latencies, missing, messages });
});

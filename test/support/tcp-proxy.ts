// A small TCP proxy for fault tests: forwards every byte from client to
// server, and from server to client except during a "blackhole" window, when
// the server's answers are swallowed. A request sent in that window reaches
// the server (and an insert commits there) while the client hears nothing and
// times out — the outcome it cannot know. A window can aim at the INSERTs of
// some tables only: other requests are answered as usual.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /**
   * Swallows server→client bytes for the next `ms` milliseconds: every answer, or with `inserts` only
   * the answers to INSERTs into a table it matches (the table name without its database).
   */
  blackhole(ms: number, inserts?: RegExp): void;
  /** Connections whose answers were (partly) swallowed, the bytes dropped, and the tables of INSERTs among them. */
  stats(): { connections: number; droppedConnections: number; droppedBytes: number; insertsUnanswered: string[] };
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let dropUntil = 0;
  let dropOnly: RegExp | undefined;
  let connections = 0;
  let droppedBytes = 0;
  const dropped = new WeakSet<Socket>();
  let droppedConnections = 0;
  const insertsUnanswered: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    connections++;
    sockets.add(client);
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    // The request line of the latest HTTP request on this connection, and whether its answer was dropped.
    let request = '';
    let requestDropped = false;
    /** The table of the request's INSERT (without its database), if it is one. */
    const insertTable = () =>
      /query=INSERT(?:%20|\+| )+INTO(?:%20|\+| )+([A-Za-z0-9_.]+)/i.exec(request)?.[1]?.split('.').pop();
    client.on('data', (chunk) => {
      const head = Buffer.from(chunk).subarray(0, 512).toString('latin1');
      if (/^(GET|POST|PUT|DELETE|HEAD) /.test(head)) {
        request = head.slice(0, head.indexOf('\r\n') >>> 0);
        requestDropped = false;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk) => {
      const table = insertTable();
      if (Date.now() < dropUntil && (!dropOnly || (table !== undefined && dropOnly.test(table)))) {
        droppedBytes += chunk.length;
        if (!requestDropped) {
          requestDropped = true;
          if (table !== undefined) insertsUnanswered.push(table);
        }
        if (!dropped.has(client)) {
          dropped.add(client);
          droppedConnections++;
        }
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    blackhole(ms, inserts) {
      dropUntil = Date.now() + ms;
      dropOnly = inserts;
    },
    stats: () => ({ connections, droppedConnections, droppedBytes, insertsUnanswered: [...insertsUnanswered] }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// The WebSocket live feed (/v1/live). The pipeline calls `publish` with every
// batch of results right after they are final and durable; each closed window
// becomes one JSON message, serialised once into one Buffer and written to
// every matching subscriber without waiting for any of them. Windows are
// batched per event-loop tick: every publish of one turn is flushed together
// on setImmediate, and the windows a subscription view gets from a flush (same kinds, tenants,
// learners) are framed once into one Buffer, and that same Buffer is written
// to every subscriber with that view — one write per client per batch, no
// per-client serialising or framing. A client whose unsent bytes pass
// the limit is closed (4008) — a slow client never slows the pipeline. A
// reconnecting client hands back its resume token and gets what it missed
// from the ClickHouse result tables, then the live stream, without duplicates.
// Weekly partials go out k-anonymised, or under a DP level noised like REST
// figures (partials cover disjoint learners, so one charge per tenant-week).
import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { LearnstreamError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StampedResult, WeeklyActivePartialResult } from '../processors/results.js';
import { join, type Sql, sql } from '../views/sql.js';
import type { ClickHouseStore } from '../views/store.js';
import type { AuditLog } from './audit.js';
import { canReadResults, type Principal, producerReadsNothing } from './auth/principal.js';
import { bearerToken, type TokenVerifier } from './auth/tokens.js';
import { ApiBadRequest, ApiForbidden, ApiPrivacyLevelUnknown } from './errors.js';
import {
  type ClientMessage,
  clientMessageSchema,
  closeCodes,
  dataOf,
  decodeResume,
  encodeResume,
  type LiveKind,
  learnerOf,
  type Positions,
  resultFromRow,
  tenantOf,
  textFrame,
  windowEndOf,
} from './live-messages.js';
import { liveClients, liveDroppedClients, liveMessagesSent, livePushLatency } from './metrics.js';
import type { ClosedWindowMark } from './pipeline-status.js';
import { type PrivacyLevelName, privacyLevelNames, privacyLevels } from './privacy/levels.js';
import type { PrivacyGuard } from './privacy/release.js';

export interface LiveFeedOptions {
  verifier: TokenVerifier;
  logger: Logger;
  /** Where a resume reads missed windows from; without it, resume tokens are refused. */
  store?: ClickHouseStore | undefined;
  audit?: AuditLog | undefined;
  /** k-anonymity threshold applied to tenant-level messages (weekly partials). */
  k: number;
  /** Noise and budget for subscriptions at a DP level; without it only `anonymized` is offered. */
  privacy?: PrivacyGuard | undefined;
  heartbeatMs: number;
  authTimeoutMs: number;
  maxBufferedBytes: number;
  /** Most windows one resume may replay; a client further behind should use REST. */
  maxReplay?: number;
}

export interface LiveFeed {
  /** Hands final results to the feed; never waits for a client. They go out with the rest of this event-loop tick. */
  publish(results: readonly StampedResult[], opts?: { finalAtMs?: number }): void;
  /** Serves one WebSocket connection (the /v1/live route handler). */
  accept(socket: WebSocket, req: FastifyRequest): void;
  clientCount(): number;
  lastClosedWindows(): ClosedWindowMark[];
  close(): Promise<void>;
}

const learnerKinds: ReadonlySet<LiveKind> = new Set(['sessions', 'mastery', 'late_events']);
const tables: Record<LiveKind, Sql> = {
  sessions: sql`sessions`,
  mastery: sql`mastery_snapshots`,
  weekly_active: sql`weekly_active_partials`,
  late_events: sql`late_events`,
};

interface Subscription {
  tenants: ReadonlySet<string> | 'all';
  kinds: ReadonlySet<LiveKind>;
  /** Set for learners and parents: only these learners' windows. */
  learners: ReadonlySet<string> | undefined;
  level: PrivacyLevelName;
  actor: string;
}

/** One window on its way to one client; DP windows render asynchronously (noise + budget). */
interface Outgoing {
  key: string;
  seq: number;
  kind: LiveKind;
  finalAt: number;
  render: () => string | Buffer | Promise<string>;
}

interface Client {
  socket: WebSocket;
  principal: Principal | undefined;
  subscription: Subscription | undefined;
  /** While a resume replays, live messages wait here (bounded) and are deduplicated after. */
  pending: Outgoing[] | undefined;
  /** DP subscribers: windows are rendered and sent in order on this chain. */
  chain: Promise<void>;
  inflight: number;
  alive: boolean;
  closed: boolean;
}

/**
 * The TCP socket under an open ws connection, for writing frames prepared once for many clients, or
 * undefined where ws must frame itself: a compression extension was negotiated, the connection is
 * closing, or ws stops exposing the socket (it keeps it as `_socket`). Without an extension ws writes
 * each frame straight to this socket, so a prepared frame written here keeps its place in the stream.
 */
const tcpOf = (ws: WebSocket): Socket | undefined => {
  if (ws.readyState !== 1 || ws.extensions !== '') return undefined;
  const tcp = (ws as unknown as { _socket?: Socket })._socket;
  return tcp && !tcp.destroyed ? tcp : undefined;
};

export function createLiveFeed(opts: LiveFeedOptions): LiveFeed {
  const log = opts.logger.child({ component: 'live-feed' });
  const clients = new Set<Client>();
  const positions: Positions = {};
  const lastClosed = new Map<string, ClosedWindowMark>();
  const maxReplay = opts.maxReplay ?? 10_000;
  const maxPending = 10_000;

  const sendRaw = (c: Client, payload: string | Buffer, onSent?: () => void): boolean => {
    if (c.closed) return false;
    if (c.socket.bufferedAmount + payload.length > opts.maxBufferedBytes) {
      drop(c, closeCodes.slowConsumer, 'slow consumer: send buffer limit exceeded', 'slow_consumer');
      return false;
    }
    // A prepared Buffer goes out as a text frame as it is: no per-client re-encoding.
    c.socket.send(payload, { binary: false }, onSent ? (err) => err || onSent() : undefined);
    return true;
  };

  const sendJson = (c: Client, msg: Record<string, unknown>) => sendRaw(c, JSON.stringify(msg));
  const sendError = (c: Client, err: LearnstreamError) =>
    sendJson(c, { type: 'error', status: err.status, ...err.toJSON() });

  function drop(c: Client, code: number, reason: string, metricReason: string): void {
    if (c.closed) return;
    c.closed = true;
    clients.delete(c);
    liveClients.set(clients.size);
    liveDroppedClients.inc({ reason: metricReason });
    log.warn({ reason, role: c.principal?.role }, 'live feed client dropped');
    try {
      c.socket.close(code, reason);
    } catch {
      /* already gone */
    }
    // A client that stopped reading never acknowledges the close frame: cut the socket after a grace period.
    setTimeout(() => c.socket.terminate(), 1000).unref();
  }

  const matches = (sub: Subscription, s: StampedResult): boolean => {
    if (!sub.kinds.has(s.output)) return false;
    if (sub.tenants !== 'all' && !sub.tenants.has(tenantOf(s))) return false;
    if (sub.learners) {
      const learner = learnerOf(s);
      if (learner === undefined || !sub.learners.has(learner)) return false;
    }
    return true;
  };

  /** The fields every window message starts with, whatever its data and privacy level. */
  const envelope = (s: StampedResult, replay: boolean) => ({
    type: 'window',
    kind: s.output,
    tenantId: tenantOf(s),
    partition: s.partition,
    seq: s.seq,
    final: true,
    provisional: false,
    replay,
    windowEndMs: windowEndOf(s),
  });

  const windowMessage = (s: StampedResult, resume: string, replay: boolean) =>
    JSON.stringify({ ...envelope(s, replay), data: dataOf(s, opts.k), resume });

  // Noisy partials are the same for every subscriber at a level: render each once.
  const dpCache = new Map<string, Promise<string>>();
  const dpWindowMessage = (s: StampedResult, sub: Subscription, resume: string, replay: boolean): Promise<string> => {
    const r = s.result as WeeklyActivePartialResult;
    const cacheKey = `${sub.level}|${s.partition}|${s.seq}|${replay}`;
    const cached = dpCache.get(cacheKey);
    // The resume token differs per moment; splice it into the cached body.
    if (cached) return cached.then((body) => body.replace('"resume":""', `"resume":${JSON.stringify(resume)}`));
    const fig = (name: string, value: number) => ({ key: name, value, sensitivity: 1, cohort: 'active' });
    const body = opts
      .privacy!.release({
        tenantId: r.tenantId,
        level: sub.level,
        period: r.weekStart,
        actor: sub.actor,
        query: { route: 'live-weekly', partition: s.partition, seq: s.seq },
        budgetKey: { route: 'live-weekly' },
        cohorts: [{ key: 'active', size: r.active }],
        figures: [
          fig('new', r.new),
          fig('returning', r.returning),
          fig('reactivated', r.reactivated),
          fig('churned', r.churned),
        ],
      })
      .then(
        (rel) => {
          const c = rel.cohorts.get('active')!;
          const f = (n: string) => rel.figures.get(n) ?? null;
          return {
            suppressed: c.suppressed,
            active: c.size,
            new: f('new'),
            returning: f('returning'),
            reactivated: f('reactivated'),
            churned: f('churned'),
          };
        },
        (err: unknown) => {
          if (!(err instanceof LearnstreamError) || err.status !== 429) throw err;
          return {
            suppressed: true,
            withheld: 'privacy_budget_spent',
            active: null,
            new: null,
            returning: null,
            reactivated: null,
            churned: null,
          };
        },
      )
      .then((released) =>
        JSON.stringify({
          ...envelope(s, replay),
          privacyLevel: sub.level,
          data: {
            tenantId: r.tenantId,
            weekStart: r.weekStart,
            isoWeek: r.isoWeek,
            ...released,
            sessions: null,
            learningMinutes: null,
          },
          resume: '',
        }),
      );
    dpCache.set(cacheKey, body);
    body.catch(() => dpCache.delete(cacheKey));
    if (dpCache.size > 2000) dpCache.delete(dpCache.keys().next().value as string);
    return body.then((b) => b.replace('"resume":""', `"resume":${JSON.stringify(resume)}`));
  };

  const render = (sub: Subscription, s: StampedResult, resume: string, replay: boolean): string | Promise<string> =>
    s.output === 'weekly_active' && sub.level !== 'anonymized'
      ? dpWindowMessage(s, sub, resume, replay)
      : windowMessage(s, resume, replay);

  /** Sends now, or (DP subscribers) after the windows queued before it. Never blocks the caller. */
  const dispatch = (c: Client, o: Outgoing): boolean => {
    if (c.subscription?.level === 'anonymized') return deliver(c, o.kind, o.render() as string | Buffer, o.finalAt);
    if (c.inflight >= maxPending) {
      drop(c, closeCodes.slowConsumer, 'slow consumer: too many windows waiting', 'slow_consumer');
      return false;
    }
    c.inflight++;
    c.chain = c.chain
      .then(async () => {
        if (!c.closed) deliver(c, o.kind, await o.render(), o.finalAt);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'live feed window could not be released');
        sendJson(c, {
          type: 'error',
          status: 503,
          code: 'LS_API_INTERNAL',
          message: `window ${o.key}:${o.seq} not released`,
        });
      })
      .finally(() => {
        c.inflight--;
      });
    return true;
  };

  const deliver = (c: Client, kind: LiveKind, payload: string | Buffer, finalAt: number) =>
    sendRaw(c, payload, () => {
      livePushLatency.observe((Date.now() - finalAt) / 1000);
      liveMessagesSent.inc({ kind });
    });

  /** One window of a publish: its resume token (positions as of this window) and its shared message. */
  interface Published {
    s: StampedResult;
    key: string;
    resume: string;
    payload: Buffer | undefined;
    finalAt: number;
  }

  const sharedPayload = (w: Published): Buffer => {
    w.payload ??= Buffer.from(windowMessage(w.s, w.resume, false));
    return w.payload;
  };

  /** Windows published this tick, flushed together; `positions` (and so every resume token) moves at the flush. */
  let queued: { s: StampedResult; finalAt: number }[] = [];
  let flushing: NodeJS.Immediate | undefined;

  function publish(results: readonly StampedResult[], publishOpts?: { finalAtMs?: number }): void {
    const finalAt = publishOpts?.finalAtMs ?? Date.now();
    for (const s of results) {
      lastClosed.set(`${s.output}:${s.partition}`, {
        output: s.output,
        partition: s.partition,
        seq: s.seq,
        windowEndMs: windowEndOf(s),
      });
      queued.push({ s, finalAt });
    }
    flushing ??= setImmediate(flush);
  }

  function flush(): void {
    flushing = undefined;
    const batch = queued;
    queued = [];
    const windows: Published[] = [];
    for (const { s, finalAt } of batch) {
      const key = `${s.output}:${s.partition}`;
      if ((positions[key] ?? 0) < s.seq) positions[key] = s.seq;
      if (clients.size > 0) windows.push({ s, key, resume: encodeResume(positions), payload: undefined, finalAt });
    }
    if (windows.length === 0) return;
    // The frames of one view (the windows a subscription matches), built once and shared by its clients.
    const framed = new Map<string, { frames: Buffer; sent: readonly Published[] }>();
    for (const c of [...clients]) {
      const sub = c.subscription;
      if (!sub || c.closed) continue;
      const mine: number[] = [];
      for (let i = 0; i < windows.length; i++) if (matches(sub, windows[i]!.s)) mine.push(i);
      if (mine.length === 0) continue;
      const tcp = sub.level === 'anonymized' && !c.pending ? tcpOf(c.socket) : undefined;
      if (tcp) {
        const view = mine.join(',');
        let batch = framed.get(view);
        if (!batch) {
          const sent = mine.map((i) => windows[i]!);
          batch = { frames: Buffer.concat(sent.map((w) => textFrame(sharedPayload(w)))), sent };
          framed.set(view, batch);
        }
        writeFrames(c, tcp, batch.frames, batch.sent);
        continue;
      }
      for (const i of mine) {
        const w = windows[i]!;
        const shared = w.s.output !== 'weekly_active' || sub.level === 'anonymized';
        const o: Outgoing = {
          key: w.key,
          seq: w.s.seq,
          kind: w.s.output,
          finalAt: w.finalAt,
          render: shared ? () => sharedPayload(w) : () => render(sub, w.s, w.resume, false),
        };
        if (c.pending) {
          if (c.pending.length >= maxPending) {
            drop(c, closeCodes.slowConsumer, 'slow consumer: too far behind during resume', 'slow_consumer');
            break;
          }
          c.pending.push(o);
          continue;
        }
        if (!dispatch(c, o)) break;
      }
    }
  }

  /** Writes a batch's prepared frames to one client in one write, under the same send-buffer limit as any send. */
  function writeFrames(c: Client, tcp: Socket, frames: Buffer, sent: readonly Published[]): void {
    if (c.socket.bufferedAmount + frames.length > opts.maxBufferedBytes) {
      drop(c, closeCodes.slowConsumer, 'slow consumer: send buffer limit exceeded', 'slow_consumer');
      return;
    }
    tcp.write(frames, (err) => {
      if (err) return;
      const now = Date.now();
      for (const w of sent) {
        livePushLatency.observe((now - w.finalAt) / 1000);
        liveMessagesSent.inc({ kind: w.s.output });
      }
    });
  }

  async function replay(c: Client, sub: Subscription, from: Positions): Promise<void> {
    const store = opts.store!;
    const replayed: Positions = {};
    let count = 0;
    for (const kind of sub.kinds) {
      const after: Sql[] = [];
      const known: number[] = [];
      for (const [key, seq] of Object.entries(from)) {
        const [output, partition] = key.split(':');
        if (output !== kind) continue;
        known.push(Number(partition));
        after.push(sql`(source_partition = ${Number(partition)} AND seq > ${seq})`);
      }
      // Partitions the token does not know are replayed from their first window.
      after.push(known.length ? sql`source_partition NOT IN (${join(known)})` : sql`1`);
      const tenantFilter = sub.tenants === 'all' ? sql`1` : sql`tenant_id IN (${join([...sub.tenants])})`;
      const learnerFilter = sub.learners ? sql`learner_id IN (${join([...sub.learners])})` : sql`1`;
      const rows = await store.query(
        sql`SELECT * FROM ${tables[kind]} WHERE ${tenantFilter} AND ${learnerFilter} AND (${join(after, sql` OR `)})
          ORDER BY source_partition, seq LIMIT ${maxReplay + 1}`.text,
      );
      if (count + rows.length > maxReplay) {
        throw new LearnstreamError(
          ApiBadRequest,
          `more than ${maxReplay} windows missed: read them over REST and resubscribe`,
        );
      }
      for (const row of rows) {
        const s = resultFromRow(kind, row);
        const key = `${s.output}:${s.partition}`;
        replayed[key] = Math.max(replayed[key] ?? 0, s.seq);
        const resume = encodeResume({ ...from, ...replayed });
        if (!sendRaw(c, await render(sub, s, resume, true))) return;
        count++;
      }
    }
    const waiting = c.pending ?? [];
    c.pending = undefined;
    sendJson(c, { type: 'replay_complete', replayed: count, resume: encodeResume({ ...from, ...replayed }) });
    for (const o of waiting) {
      if ((replayed[o.key] ?? 0) >= o.seq) continue;
      if (!dispatch(c, o)) return;
    }
  }

  async function subscribe(c: Client, msg: Extract<ClientMessage, { type: 'subscribe' }>): Promise<void> {
    const who = c.principal!;
    if (!(privacyLevelNames as readonly string[]).includes(msg.privacyLevel)) {
      throw new LearnstreamError(
        ApiPrivacyLevelUnknown,
        `${msg.privacyLevel} (levels: ${privacyLevelNames.join(', ')})`,
      );
    }
    const level = msg.privacyLevel as PrivacyLevelName;
    if (privacyLevels[level].epsilon && !opts.privacy) {
      throw new LearnstreamError(
        ApiBadRequest,
        `this feed offers privacy level anonymized only; read ${level} over REST`,
      );
    }
    const requested = msg.tenants ?? (who.tenantId ? [who.tenantId] : ['*']);
    if (requested.includes('*') && who.role !== 'admin') {
      throw new LearnstreamError(ApiForbidden, 'only admins may subscribe to every tenant');
    }
    const foreign = requested.filter((t) => t !== '*' && who.role !== 'admin' && t !== who.tenantId);
    if (foreign.length)
      throw new LearnstreamError(ApiForbidden, `role ${who.role} cannot read tenant ${foreign.join(', ')}`);
    const kinds = new Set<LiveKind>(msg.kinds);
    const personal = who.role === 'learner' || who.role === 'parent';
    if (personal) {
      const tenantLevel = [...kinds].filter((k) => k === 'weekly_active' || k === 'late_events');
      if (tenantLevel.length) {
        throw new LearnstreamError(
          ApiForbidden,
          `a ${who.role} may subscribe to sessions and mastery only, not ${tenantLevel.join(', ')}`,
        );
      }
    }
    const sub: Subscription = {
      tenants: requested.includes('*') ? 'all' : new Set(requested),
      kinds,
      learners: personal ? new Set(who.learnerIds) : undefined,
      level,
      actor: who.subject,
    };
    let resumeFrom: Positions | undefined;
    if (msg.resume !== undefined) {
      resumeFrom = decodeResume(msg.resume);
      if (!resumeFrom) throw new LearnstreamError(ApiBadRequest, 'resume token is not one this feed issued');
      if (!opts.store) throw new LearnstreamError(ApiBadRequest, 'this feed has no store to resume from');
    }
    if (opts.audit && [...kinds].some((k) => learnerKinds.has(k))) {
      const tenants = sub.tenants === 'all' ? ['*'] : [...sub.tenants];
      for (const tenantId of tenants) {
        for (const learnerId of personal ? who.learnerIds : ['']) {
          await opts.audit.record(who, {
            action: 'subscribe_live',
            resource: `/v1/live?kinds=${[...kinds].join(',')}`,
            tenantId,
            learnerId,
          });
        }
      }
    }
    if (c.closed) return;
    c.subscription = sub;
    if (resumeFrom) c.pending = [];
    sendJson(c, {
      type: 'subscribed',
      tenants: requested,
      kinds: [...kinds],
      privacyLevel: level,
      resume: encodeResume(positions),
    });
    if (resumeFrom) {
      try {
        await replay(c, sub, resumeFrom);
      } catch (err) {
        c.pending = undefined;
        c.subscription = undefined;
        throw err;
      }
    }
  }

  async function authenticate(c: Client, token: string): Promise<void> {
    const who = await opts.verifier.verify(token);
    if (!canReadResults(who)) throw new LearnstreamError(ApiForbidden, producerReadsNothing);
    c.principal = who;
    sendJson(c, { type: 'welcome', role: c.principal.role, heartbeatMs: opts.heartbeatMs });
  }

  async function onMessage(c: Client, raw: string): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new LearnstreamError(ApiBadRequest, 'messages are JSON objects');
    }
    const result = clientMessageSchema.safeParse(parsed);
    if (!result.success) {
      throw new LearnstreamError(ApiBadRequest, 'unknown or malformed message', {
        details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      });
    }
    const msg = result.data;
    if (msg.type === 'ping') {
      sendJson(c, { type: 'pong', at: Date.now() });
      return;
    }
    if (msg.type === 'auth') {
      if (c.principal) throw new LearnstreamError(ApiBadRequest, 'already authenticated');
      await authenticate(c, msg.token);
      return;
    }
    if (!c.principal) {
      drop(c, closeCodes.unauthenticated, 'authenticate first: {"type":"auth","token":"..."}', 'unauthenticated');
      return;
    }
    await subscribe(c, msg);
  }

  const heartbeat = setInterval(() => {
    const at = Date.now();
    const resume = encodeResume(positions);
    for (const c of clients) {
      if (!c.principal) continue;
      if (!c.alive) {
        drop(c, closeCodes.heartbeatTimeout, 'no pong within a heartbeat interval', 'heartbeat_timeout');
        continue;
      }
      c.alive = false;
      c.socket.ping();
      // A resume token must not run ahead of windows still being released for this client.
      if (!c.pending && c.inflight === 0) sendJson(c, { type: 'heartbeat', at, resume });
      else sendJson(c, { type: 'heartbeat', at });
    }
  }, opts.heartbeatMs);
  heartbeat.unref();

  return {
    publish,
    accept(socket, req) {
      const c: Client = {
        socket,
        principal: undefined,
        subscription: undefined,
        pending: undefined,
        chain: Promise.resolve(),
        inflight: 0,
        alive: true,
        closed: false,
      };
      clients.add(c);
      liveClients.set(clients.size);
      // Messages are handled one after another, so a subscribe's audit write cannot reorder with the next message.
      let chain = Promise.resolve();
      const handle = (work: () => Promise<void>) => {
        chain = chain.then(work).catch((err: unknown) => {
          if (err instanceof LearnstreamError) {
            if (err.status === 401) drop(c, closeCodes.unauthenticated, err.message.slice(0, 120), 'unauthenticated');
            else sendError(c, err);
          } else {
            log.error({ err }, 'live feed message failed');
            sendJson(c, { type: 'error', status: 500, code: 'LS_API_INTERNAL', message: 'internal error' });
          }
        });
      };
      socket.on('pong', () => {
        c.alive = true;
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) return drop(c, closeCodes.badMessage, 'text frames only', 'bad_message');
        handle(() => onMessage(c, data.toString()));
      });
      socket.on('close', () => {
        c.closed = true;
        if (clients.delete(c)) liveClients.set(clients.size);
      });
      socket.on('error', () => socket.terminate());
      const query = req.query as { token?: string } | undefined;
      const token = query?.token ?? bearerToken(req.headers.authorization);
      if (token) handle(() => authenticate(c, token));
      setTimeout(() => {
        if (!c.principal && !c.closed)
          drop(c, closeCodes.unauthenticated, 'not authenticated in time', 'unauthenticated');
      }, opts.authTimeoutMs).unref();
    },
    clientCount: () => clients.size,
    lastClosedWindows: () =>
      [...lastClosed.values()].sort((a, b) =>
        a.output < b.output ? -1 : a.output > b.output ? 1 : a.partition - b.partition,
      ),
    async close() {
      clearInterval(heartbeat);
      if (flushing) clearImmediate(flushing);
      flushing = undefined;
      queued = [];
      for (const c of [...clients]) {
        c.closed = true;
        clients.delete(c);
        c.socket.close(closeCodes.shuttingDown, 'server shutting down');
      }
      liveClients.set(0);
    },
  };
}

// A small live feed client for tests: connects with `ws`, collects every
// message (checking each against the live feed's published schema), and lets
// a test wait for messages or for the close.
import { WebSocket } from 'ws';
import { serverMessageSchema } from '../../../src/api/live-schema.js';
import { waitFor } from '../../support/index.js';

export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

export class TestLiveClient {
  readonly messages: LiveMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Messages of any client that do not match the published schema (the AsyncAPI document's). */
  static readonly offSchema: { message: unknown; issues: string }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as LiveMessage;
      const checked = serverMessageSchema.safeParse(message);
      if (!checked.success) TestLiveClient.offSchema.push({ message, issues: checked.error.message });
      this.messages.push(message);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  static async connect(baseUrl: string, token?: string): Promise<TestLiveClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/live${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const ws = new WebSocket(url);
    const client = new TestLiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (token) await client.next('welcome');
    return client;
  }

  send(msg: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  of(type: string): LiveMessage[] {
    return this.messages.filter((m) => m.type === type);
  }

  /** Waits until at least `count` messages of `type` have arrived; returns the last one. */
  async next(type: string, count = 1, timeoutMs = 10_000): Promise<LiveMessage> {
    await waitFor(() => this.of(type).length >= count, { timeoutMs, message: `${count}× ${type}` });
    return this.of(type)[count - 1]!;
  }

  async subscribe(sub: Record<string, unknown>): Promise<LiveMessage> {
    const before = this.of('subscribed').length + this.of('error').length;
    this.send({ type: 'subscribe', ...sub });
    await waitFor(() => this.of('subscribed').length + this.of('error').length > before, { timeoutMs: 10_000 });
    return this.messages.filter((m) => m.type === 'subscribed' || m.type === 'error').at(-1)!;
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeoutMs: 15_000, message: 'socket closed' });
  }

  close(): void {
    this.ws.close();
  }
}

// The live feed's server messages as zod schemas, and the AsyncAPI 3.0
// document of the whole channel (what a client sends, what the server sends)
// generated from them and from the client messages' schema — so the document
// served at /docs/asyncapi.json is the wire format the tests check messages
// against, not a description that can drift from it.
import { z } from 'zod';
import { clientMessageSchema, liveKinds } from './live-messages.js';
import { privacyLevel } from './schemas.js';

const resume = z.string().describe('Opaque resume token: reconnect with it to get the windows missed since');

export const serverMessageSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('welcome'), role: z.string(), heartbeatMs: z.number().int() })
    .describe('Sent once the connection is authenticated'),
  z
    .object({
      type: z.literal('subscribed'),
      tenants: z.array(z.string()),
      kinds: z.array(z.enum(liveKinds)),
      privacyLevel: z.string(),
      resume,
    })
    .describe('The subscription in force (tenants resolved from the role)'),
  z
    .object({
      type: z.literal('window'),
      kind: z.enum(liveKinds),
      tenantId: z.string(),
      partition: z.number().int(),
      seq: z.number().int().describe('Sequence number per partition and kind, from 1'),
      final: z.literal(true),
      provisional: z.literal(false),
      replay: z.boolean().describe('Read back from ClickHouse for a resume'),
      windowEndMs: z.number(),
      privacyLevel: privacyLevel.optional().describe('Weekly partials at a DP level: the level of their noise'),
      data: z
        .record(z.string(), z.unknown())
        .describe('The closed window: a session, a mastery snapshot, a weekly-active partial or a late event'),
      resume,
    })
    .describe('One closed window, sent right after it closes'),
  z
    .object({ type: z.literal('replay_complete'), replayed: z.number().int(), resume })
    .describe('Every window missed since the resume token was sent; live windows follow'),
  z
    .object({ type: z.literal('heartbeat'), at: z.number(), resume: resume.optional() })
    .describe('Every api.liveHeartbeatMs; carries a resume token when nothing is in flight'),
  z.object({ type: z.literal('pong'), at: z.number() }).describe("The answer to a client's ping"),
  z
    .object({
      type: z.literal('error'),
      status: z.number().int(),
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    })
    .describe('A refused message or a window that could not be released; the connection may stay open'),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** The AsyncAPI 3.0 document of /v1/live. */
export function asyncApiDocument(): Record<string, unknown> {
  const client = z.toJSONSchema(clientMessageSchema, { io: 'input' });
  const server = z.toJSONSchema(serverMessageSchema);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'learnstream live feed',
      version: '1',
      description:
        'Closed windows pushed as they close. Authenticate with ?token=, the Authorization header, or a first ' +
        'auth message; then subscribe. Close codes: 4000 bad message, 4001 unauthenticated, 4008 slow consumer, ' +
        '4009 heartbeat timeout, 1001 shutting down.',
    },
    channels: {
      live: {
        address: '/v1/live',
        messages: {
          clientMessage: { name: 'ClientMessage', contentType: 'application/json', payload: client },
          serverMessage: { name: 'ServerMessage', contentType: 'application/json', payload: server },
        },
      },
    },
    operations: {
      sendToServer: {
        action: 'receive',
        channel: { $ref: '#/channels/live' },
        messages: [{ $ref: '#/channels/live/messages/clientMessage' }],
      },
      receiveFromServer: {
        action: 'send',
        channel: { $ref: '#/channels/live' },
        messages: [{ $ref: '#/channels/live/messages/serverMessage' }],
      },
    },
  };
}

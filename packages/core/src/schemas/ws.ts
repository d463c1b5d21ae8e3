import { z } from 'zod';
import { boardDetailSchema } from './board.js';
import { idSchema } from './common.js';
import { boardEventSchema } from './event.js';

/**
 * The WebSocket protocol on /ws. Clients remember, per board, the last seq they
 * applied and subscribe with after_seq on reconnect; the server replays what
 * they missed from the log or, when too far behind, sends a snapshot.
 */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    board_id: idSchema,
    after_seq: z.int().nonnegative().optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), board_id: idSchema }),
  z.strictObject({ type: z.literal('ping') }),
  /** For clients that cannot set headers: authenticate with the first message. */
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const presenceViewerSchema = z.object({ user_id: idSchema, username: z.string() });
export type PresenceViewer = z.infer<typeof presenceViewerSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('event'),
    board_id: idSchema,
    seq: z.int().positive(),
    event: boardEventSchema,
  }),
  z.object({
    type: z.literal('snapshot'),
    board_id: idSchema,
    seq: z.int().nonnegative(),
    board: boardDetailSchema,
  }),
  z.object({
    type: z.literal('subscribed'),
    board_id: idSchema,
    seq: z.int().nonnegative(),
  }),
  z.object({
    type: z.literal('presence'),
    board_id: idSchema,
    viewers: z.array(presenceViewerSchema),
  }),
  z.object({
    type: z.literal('error'),
    code: z.string(),
    message: z.string(),
    board_id: idSchema.optional(),
  }),
  z.object({ type: z.literal('pong') }),
  z.object({
    type: z.literal('welcome'),
    user_id: idSchema,
    username: z.string(),
    /** The API instance holding the socket. */
    instance: z.string().optional(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/**
 * The subprotocol a client offers to speak the messages above from its first
 * frame. A plain connection that offers none and never sends anything gets
 * seed 001's flat task frames instead (see seedTaskEvent).
 */
export const wsSubprotocol = 'switchboard.v1';

/** WebSocket close codes we use (4000–4999 are the application's). */
export const wsCloseCodes = {
  /** The server buffered too much for a slow client; reconnect and resume with after_seq. */
  slowConsumer: 4008,
  /** The session ended (logout, expiry) or never was. */
  unauthenticated: 4001,
  /** The client sent more messages than allowed. */
  rateLimited: 4029,
  /** The instance is shutting down; reconnect (to any instance) and resume. */
  goingAway: 1001,
  /** Missed pongs: the peer looks dead. */
  deadPeer: 4000,
} as const;

import { idSchema } from '@switchboard/core';
import { z } from 'zod';

/**
 * What instances tell each other about their viewers, over the bus. Each
 * instance announces, per board, the users watching it through that instance;
 * entries live `ttl` ms unless refreshed, so a crashed instance's viewers
 * disappear by themselves.
 */
export const presenceAnnouncementSchema = z.object({
  /** The announcing process (a random id, unique per start). */
  node: z.string().min(1).max(100),
  /** Viewers per board id as [user_id, username] pairs; an empty list withdraws the board. */
  boards: z
    .record(z.string().regex(/^\d{1,15}$/), z.array(z.tuple([idSchema, z.string().max(200)])))
    .optional(),
  ttl: z.int().positive().max(600_000).optional(),
  /** The node is leaving: forget everything it announced. */
  bye: z.boolean().optional(),
  /** A node just started: everyone announces now instead of at the next heartbeat. */
  hello: z.boolean().optional(),
});
export type PresenceAnnouncement = z.infer<typeof presenceAnnouncementSchema>;

export function parsePresence(raw: string): PresenceAnnouncement | undefined {
  try {
    const result = presenceAnnouncementSchema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

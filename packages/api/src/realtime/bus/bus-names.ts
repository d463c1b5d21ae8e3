import type { SeedEventType } from '@switchboard/core';

/**
 * Names on the bus servers, derived from BUS_PREFIX so that several
 * deployments (or test files) can share one NATS or Redis without meeting.
 * Without a prefix they are the documented defaults: NATS stream SB_BOARDS
 * with subjects board.<id>, stream SB_TASKS with seed 001's tasks.<type>;
 * Redis streams sb:board:<id>.
 */
export interface BusNames {
  natsStream: string;
  natsSubject(boardId: number): string;
  natsSubjects: string;
  /** Seed 001's subjects for integrators (docs/realtime.md lists them, versioned). */
  natsTasksStream: string;
  natsTaskSubject(type: SeedEventType): string;
  natsTaskSubjects: string;
  natsPresence: string;
  redisStream(boardId: number): string;
  redisEvents: string;
  redisPresence: string;
  /** PostgreSQL NOTIFY channel for presence (per database, so no prefix needed). */
  pgPresence: string;
}

export const busPrefixPattern = /^[A-Za-z0-9_-]{0,32}$/;

export function busNames(prefix: string): BusNames {
  if (!busPrefixPattern.test(prefix)) {
    throw new Error(`bus prefix ${JSON.stringify(prefix)} must match ${busPrefixPattern}`);
  }
  const dot = prefix ? `${prefix}.` : '';
  const colon = prefix ? `${prefix}:` : '';
  const upper = prefix ? `${prefix.toUpperCase()}_` : '';
  return {
    natsStream: `${upper}SB_BOARDS`,
    natsSubject: (boardId) => `${dot}board.${boardId}`,
    natsSubjects: `${dot}board.>`,
    natsTasksStream: `${upper}SB_TASKS`,
    natsTaskSubject: (type) => `${dot}tasks.${type}`,
    natsTaskSubjects: `${dot}tasks.>`,
    natsPresence: `${dot}sb.presence`,
    redisStream: (boardId) => `${colon}sb:board:${boardId}`,
    redisEvents: `${colon}sb:events`,
    redisPresence: `${colon}sb:presence`,
    pgPresence: 'sb_presence',
  };
}

import type { SeedTaskEvent } from '@switchboard/core';

/**
 * The real-time layer's logger: plain messages, plus structured fields for
 * the lines operators (and seed 001's users) grep for. `enabled` lets a hot
 * path skip building a line nobody will see.
 */
export interface RealtimeLog {
  enabled(level: 'info'): boolean;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, err?: unknown): void;
}

/**
 * Seed 001's "Published event: tasks.created (task_id=1, board_id=1)": a task
 * event went onto the bus (the commit's NOTIFY for BUS=pg, the relay's
 * publish for nats and redis).
 */
export function logPublished(log: RealtimeLog, seed: SeedTaskEvent, bus: string): void {
  const subject = `tasks.${seed.type}`;
  log.info(`Published event: ${subject} (task_id=${seed.task_id}, board_id=${seed.board_id})`, {
    subject,
    task_id: seed.task_id,
    board_id: seed.board_id,
    bus,
  });
}

/** Seed 001's "Received event on tasks.created, broadcasting to N clients", per instance. */
export function logReceived(log: RealtimeLog, seed: SeedTaskEvent, clients: number): void {
  const subject = `tasks.${seed.type}`;
  log.info(`Received event on ${subject}, broadcasting to ${clients} clients`, {
    subject,
    task_id: seed.task_id,
    board_id: seed.board_id,
    clients,
  });
}

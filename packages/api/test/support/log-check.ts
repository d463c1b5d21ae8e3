import { type BoardEvent, boardStateFromDetail, boardStateToDetail } from '@switchboard/core';
import { expect } from 'vitest';
import type { HttpClient } from './http-client.js';
import type { TestSocket } from './ws-client.js';

/** Every event of a board from GET /api/boards/:id/events, all pages. */
export async function fullLog(http: HttpClient, boardId: number, after = 0): Promise<BoardEvent[]> {
  const out: BoardEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await http.ok('GET', `/api/boards/${boardId}/events?after=${cursor}&limit=1000`);
    out.push(...page.events);
    if (!page.has_more) return out;
    cursor = page.events.at(-1).seq;
  }
}

/**
 * The proof of gap-free delivery: the socket applied exactly the log's seqs
 * after `after`, in order, with no anomaly, and its replica equals the board
 * as the server reports it (GET /api/boards/:id).
 */
export async function expectMatchesLog(
  socket: TestSocket,
  http: HttpClient,
  boardId: number,
  after: number,
): Promise<void> {
  const log = await fullLog(http, boardId, after);
  expect(socket.anomalies).toEqual([]);
  expect(socket.applied.get(boardId) ?? []).toEqual(log.map((e) => e.seq));
  const replica = socket.replicas.get(boardId);
  if (replica) {
    const server = boardStateToDetail(
      boardStateFromDetail(await http.ok('GET', `/api/boards/${boardId}`)),
    );
    const mine = boardStateToDetail(replica);
    const pick = (d: typeof mine) => ({
      seq: d.seq,
      title: d.title,
      archived: d.archived,
      columns: d.columns,
      tasks: d.tasks,
      members: d.members,
    });
    expect(pick(mine)).toEqual(pick(server));
  }
}

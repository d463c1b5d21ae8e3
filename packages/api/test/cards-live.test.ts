import { boardStateToDetail } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from './support/cluster.js';
import { registerHttpUser, type TestUser } from './support/http-client.js';
import { TestSocket, waitUntil } from './support/ws-client.js';

/**
 * Cards are live: a watcher on another API instance receives every new kind
 * of event (each checked against core's schema on arrival), applies it with
 * the reducer, and ends up with the board the server has.
 */
let c: Cluster;
let alice: TestUser;
let bob: TestUser;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  c = await Cluster.start('cardslive', 2);
  alice = await registerHttpUser(c.at(0).url, 'alice');
  bob = await registerHttpUser(c.at(0).url, 'bob');
});
afterAll(async () => {
  for (const s of sockets) s.ws.terminate();
  await c?.close();
});

describe('cards over the WebSocket', () => {
  it('a watcher on another instance follows comments, checklists, labels, fields, archive and trash', async () => {
    const http = alice.http;
    const board = await http.ok('POST', '/api/boards', { title: 'Live' });
    await http.ok('POST', `/api/boards/${board.id}/members`, { username: bob.username });
    const socket = await TestSocket.open(c.at(1).wsUrl, { token: bob.token }, bob.id);
    sockets.push(socket);
    socket.seed(await bob.http.withBase(c.at(1).url).ok('GET', `/api/boards/${board.id}`));
    await socket.subscribeAndWait(board.id, board.seq + 1);

    const label = await http.ok('POST', `/api/boards/${board.id}/labels`, { name: 'Bug' });
    const field = await http.ok('POST', `/api/boards/${board.id}/custom-fields`, {
      name: 'Points',
      type: 'number',
    });
    const task = await http.ok('POST', '/api/tasks', {
      board_id: board.id,
      title: 'Live card',
      label_ids: [label.id],
      custom_fields: { [field.id]: 2 },
    });
    await http.ok('POST', `/api/tasks/${task.id}/comments`, { body: 'first' });
    const list = await http.ok('POST', `/api/tasks/${task.id}/checklists`, {
      title: 'L',
      items: ['a', 'b'],
    });
    await http.ok('PATCH', `/api/checklist-items/${list.items[0].id}`, { done: true });
    await http.ok('PATCH', `/api/boards/${board.id}/labels/${label.id}`, { name: 'Defect' });
    await http.ok('PATCH', `/api/boards/${board.id}/columns/${board.columns[0].id}`, {
      title: 'Backlog',
    });
    await http.ok('PATCH', `/api/tasks/${task.id}`, { archived: true });
    await http.ok('PATCH', `/api/tasks/${task.id}`, { archived: false });
    await http.ok('DELETE', `/api/tasks/${task.id}`);
    await http.ok('POST', `/api/boards/${board.id}/trash/${task.id}/restore`);
    await http.ok('DELETE', `/api/boards/${board.id}/custom-fields/${field.id}`);
    const server = await bob.http.withBase(c.at(1).url).ok('GET', `/api/boards/${board.id}`);
    await waitUntil(
      () => socket.replicas.get(board.id)!.seq === server.seq || undefined,
      'the watcher to catch up',
    );
    expect(socket.invalid).toEqual([]);
    expect(socket.anomalies).toEqual([]);
    const replica = boardStateToDetail(socket.replicas.get(board.id)!);
    expect(replica.tasks).toEqual(server.tasks);
    expect(replica.labels).toEqual(server.labels);
    expect(replica.custom_fields).toEqual(server.custom_fields);
    expect(replica.columns).toEqual(server.columns);
    const card = replica.tasks[0]!;
    expect(card).toMatchObject({
      status: 'Backlog',
      labels: ['Defect'],
      comment_count: 1,
      checklist: { done: 1, total: 2 },
      custom_fields: {},
    });
    expect(new Set(socket.events(board.id).map((e) => e.type))).toEqual(
      new Set([
        'label.created',
        'label.updated',
        'custom_field.created',
        'custom_field.deleted',
        'task.created',
        'comment.created',
        'checklist.created',
        'checklist_item.updated',
        'column.updated',
        'task.archived',
        'task.unarchived',
        'task.deleted',
        'task.restored',
      ]),
    );
  });
});

import type { PresenceViewer } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { Presence } from '../../src/realtime/hub/presence.js';
import type { PresenceAnnouncement } from '../../src/realtime/bus/presence-wire.js';

const options = { heartbeatMs: 1_000_000, ttlMs: 1_000, pushMs: 5, maxViewers: 100 };

function node(name: string, maxMessageBytes = 7_500) {
  const published: PresenceAnnouncement[] = [];
  const pushed: { boardId: number; viewers: PresenceViewer[] }[] = [];
  const presence = new Presence(
    name,
    {
      pushToViewers: (boardId, viewers) => pushed.push({ boardId, viewers }),
      publish: (m) => published.push(m),
      maxMessageBytes,
    },
    options,
  );
  return { presence, published, pushed };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Presence', () => {
  it('counts a user once however many sockets, across instances, and forgets expired instances', async () => {
    const a = node('a');
    const b = node('b');
    a.presence.join(1, 10, 'zoe');
    a.presence.join(1, 10, 'zoe');
    a.presence.join(1, 11, 'adam');
    b.presence.join(1, 10, 'zoe');
    await tick();
    for (const m of b.published) a.presence.receive(m);
    expect(a.presence.viewers(1).map((v) => v.username)).toEqual(['adam', 'zoe']);
    a.presence.leave(1, 10);
    expect(a.presence.viewers(1).map((v) => v.username)).toEqual(['adam', 'zoe']);
    a.presence.leave(1, 10);
    // zoe is still there through b.
    expect(a.presence.viewers(1).map((v) => v.username)).toEqual(['adam', 'zoe']);
    a.presence.sweep(Date.now() + 2_000);
    expect(a.presence.viewers(1).map((v) => v.username)).toEqual(['adam']);
    await tick();
    expect(a.pushed.at(-1)).toEqual({ boardId: 1, viewers: [{ user_id: 11, username: 'adam' }] });
  });

  it('withdraws a board when its last local viewer leaves, and says bye on stop', async () => {
    const a = node('a');
    const b = node('b');
    a.presence.join(5, 1, 'x');
    await tick();
    a.presence.leave(5, 1);
    await tick();
    for (const m of a.published) b.presence.receive(m);
    expect(b.presence.viewers(5)).toEqual([]);
    a.presence.join(6, 1, 'x');
    a.presence.stop();
    expect(a.published.at(-1)).toEqual({ node: 'a', bye: true });
  });

  it('splits announcements to fit the bus (PostgreSQL NOTIFY is under 8000 bytes)', async () => {
    const a = node('a', 2_000);
    for (let board = 1; board <= 40; board++) {
      for (let user = 1; user <= 5; user++)
        a.presence.join(board, user, `user-with-a-long-name-${user}`);
    }
    await tick();
    expect(a.published.length).toBeGreaterThan(1);
    for (const m of a.published) expect(JSON.stringify(m).length).toBeLessThan(2_000);
    const b = node('b');
    for (const m of a.published) b.presence.receive(m);
    for (let board = 1; board <= 40; board++) expect(b.presence.viewers(board)).toHaveLength(5);
  });

  it('answers a hello with an announcement', () => {
    const a = node('a');
    a.presence.join(1, 1, 'x');
    a.published.length = 0;
    a.presence.receive({ node: 'new', hello: true });
    expect(a.published).toHaveLength(1);
    expect(a.published[0]?.boards).toEqual({ '1': [[1, 'x']] });
  });
});

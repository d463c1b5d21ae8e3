import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { Client, type Harness } from './harness.js';

/**
 * The authorization matrix: every board route × every kind of caller. A
 * denied call must leave the board exactly as it was — every row of it, in
 * every table, and its log.
 */
export type Who = 'owner' | 'editor' | 'viewer' | 'nonMember' | 'anonymous';
export const everyone: Who[] = ['owner', 'editor', 'viewer', 'nonMember', 'anonymous'];
export type Expected = Record<Who, number>;

export const read: Expected = {
  owner: 200,
  editor: 200,
  viewer: 200,
  nonMember: 404,
  anonymous: 401,
};
export const write = (ok: number): Expected => ({
  owner: ok,
  editor: ok,
  viewer: 403,
  nonMember: 404,
  anonymous: 401,
});
export const ownerOnly = (ok: number): Expected => ({
  owner: ok,
  editor: 403,
  viewer: 403,
  nonMember: 404,
  anonymous: 401,
});

export interface RouteCase<F> {
  name: string;
  call: (c: Client, f: F) => Promise<{ status: number }>;
  expect: Expected;
}

export type Members = Record<Exclude<Who, 'anonymous'>, Client>;

/** Every row that belongs to the board, whole, in one comparable value. */
export async function boardRows(db: Db, boardId: number): Promise<string> {
  const tables = [
    'board_members',
    'columns',
    'tasks',
    'board_events',
    'labels',
    'custom_fields',
    'comments',
    'checklists',
    'checklist_items',
  ];
  const parts = tables.map(
    (table) =>
      sql`(SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM ${sql.table(table)} t WHERE t.board_id = ${boardId})`,
  );
  const { rows } = await sql<{ t: string }>`
    SELECT concat_ws('|',
      (SELECT b::text FROM boards b WHERE b.id = ${boardId}),
      (SELECT coalesce(string_agg(j::text, ';' ORDER BY j.id), '') FROM jobs j WHERE j.payload->>'board_id' = ${String(boardId)}),
      ${sql.join(parts)}) AS t`.execute(db);
  return rows[0]!.t;
}

/** One test per route and caller; denied calls are checked to change nothing. */
export function matrixTests<F extends { boardId: number }>(
  routes: RouteCase<F>[],
  setup: () => { h: Harness; members: Members; fixture: () => Promise<F> },
): void {
  for (const route of routes) {
    for (const who of everyone) {
      const expected = route.expect[who];
      it(`${route.name} as ${who} → ${expected}`, async () => {
        const { h, members, fixture } = setup();
        const f = await fixture();
        const before = await boardRows(h.deps.db, f.boardId);
        const caller = who === 'anonymous' ? new Client(h.app) : members[who];
        const res = await route.call(caller, f);
        expect(res.status).toBe(expected);
        if (expected >= 400) {
          expect(await boardRows(h.deps.db, f.boardId)).toBe(before);
          expect((res as unknown as { body: { error: { code: string } } }).body.error.code).toMatch(
            /^SB_ERR_/,
          );
        }
      });
    }
  }
}

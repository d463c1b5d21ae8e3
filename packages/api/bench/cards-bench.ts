/**
 * Cards benchmark (issue 13): how long GET of a 5 000-task board takes, and how
 * long the first comment page of a card with 500 comments takes. One API
 * instance in this process on a fresh database of its own, real HTTP on
 * loopback; the data is bulk-loaded with SQL (the write path has its own
 * benchmark). Prints medians; not a test, never fails on a number.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node --conditions=source --import tsx packages/api/bench/cards-bench.ts [--requests 30] [--chips]
 *       [--json <file>]   also write the figures for `npm run bench` (scripts/bench.mjs); this
 *                         benchmark has no reference in the run, so they are absolute only
 *       [--quick]         500 tasks, 20 comments, 3 requests: proves it runs, figures mean nothing
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initialRanks } from '@switchboard/core';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { apiConfig } from '../src/config.js';
import { createDeps } from '../src/server.js';
import { seedBigBoard, seedCardChips, seedComments } from './cards-seed.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string' },
    tasks: { type: 'string' },
    comments: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    /** Also put labels, field values, comment counts and checklist progress on the cards. */
    chips: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const requests = Number(values.requests ?? (quick ? 3 : 30));
const taskCount = Number(values.tasks ?? (quick ? 500 : 5000));
const commentCount = Number(values.comments ?? (quick ? 20 : 500));
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
function p90(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
}

/**
 * Wall time per request, and this process's CPU time per request (API and
 * client together): less swayed than wall time by other work on the machine.
 */
async function timeGet(url: string, token: string) {
  const samples: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < requests + 5; i++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpuStart);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
    bytes = body.length;
    if (i >= 5) {
      samples.push(elapsed);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  return { median: median(samples), p90: p90(samples), cpu: median(cpu), bytes };
}

async function main() {
  const name = `sb_bench_cards_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const config = apiConfig({ databaseUrl: url.toString() });
  const { deps, database } = await createDeps(config);
  const app = await buildApp(deps);
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const auth = await post('/api/auth/register', {
      username: 'bench',
      password: 'correct horse battery',
    });
    const token = auth.token as string;
    const userId = (auth.user as { id: number }).id;
    const board = (await post(
      '/api/boards',
      { title: 'Five thousand cards', columns: ['Backlog', 'To do', 'Doing', 'Review', 'Done'] },
      token,
    )) as { id: number; columns: { id: number }[] };
    const tasks = taskCount;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await seedBigBoard(client, {
        boardId: board.id,
        columnIds: board.columns.map((c) => c.id),
        userId,
        tasks,
        ranks: initialRanks(Math.ceil(tasks / board.columns.length)),
      });
      if (values.chips) await seedCardChips(client, board.id);
      const card = (await post(
        '/api/tasks',
        { board_id: board.id, title: 'A long thread' },
        token,
      )) as { id: number };
      const seeded = await seedComments(client, {
        boardId: board.id,
        taskId: card.id,
        userId,
        count: commentCount,
      });
      const boardTiming = await timeGet(`${base}/api/boards/${board.id}`, token);
      console.log(
        `GET /api/boards/:id, ${tasks} tasks${values.chips ? ' with chips' : ''}: median ${boardTiming.median.toFixed(1)} ms, ` +
          `p90 ${boardTiming.p90.toFixed(1)} ms, CPU ${boardTiming.cpu.toFixed(1)} ms, ` +
          `${(boardTiming.bytes / 1024).toFixed(0)} KiB`,
      );
      let comments: Awaited<ReturnType<typeof timeGet>> | undefined;
      if (seeded) {
        comments = await timeGet(`${base}/api/tasks/${card.id}/comments`, token);
        console.log(
          `GET /api/tasks/:id/comments (first page of ${commentCount}): median ` +
            `${comments.median.toFixed(1)} ms, p90 ${comments.p90.toFixed(1)} ms, ` +
            `CPU ${comments.cpu.toFixed(1)} ms, ` +
            `${(comments.bytes / 1024).toFixed(0)} KiB`,
        );
      }
      if (values.json) {
        const round = (n: number) => Math.round(n * 100) / 100;
        const row = (figure: string, value: number | undefined) => ({
          figure,
          unit: 'ms',
          better: 'lower',
          value: value === undefined ? null : round(value),
          reference: null,
          referenceValue: null,
          ratio: null,
        });
        const result = {
          benchmark: 'cards',
          quick,
          headline: [
            row(`GET board of ${tasks} tasks, median`, boardTiming.median),
            row(`GET board of ${tasks} tasks, CPU (API and client)`, boardTiming.cpu),
            row(`first comment page of ${commentCount}, median`, comments?.median),
          ],
          missing: [],
          details: {
            requests,
            tasks,
            comments: commentCount,
            chips: values.chips,
            board: boardTiming,
            commentPage: comments,
          },
        };
        writeFileSync(values.json, JSON.stringify(result, null, 2));
      }
    } finally {
      await client.end();
    }
  } finally {
    await app.close();
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

await main();

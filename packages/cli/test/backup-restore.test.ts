import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { apiConfig, type RunningApi, startApi } from '@switchboard/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../../../test-support/database.js';
import { databaseContent, tableCount } from './support/database-content.js';
import { ApiUser, type Seeded, seedBoards } from './support/seed.js';
import { runSwitchboard } from './support/switchboard-run.js';

/**
 * Backup and restore against real PostgreSQL databases: a product seeded
 * through its API is backed up, restored into another empty database, and
 * must come back identical — every table, the event log, the sequences —
 * and serve: new writes continue the ids and board seqs, a watcher resumes.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'sb-backup-test-'));
// Each case starts the command once or more (tsx compiles it): seconds apiece on shared cores.
const slow = 240_000;
const databases: TestDatabase[] = [];
const apis: RunningApi[] = [];
const file = path.join(dir, 'board.backup.gz');
let source: TestDatabase;
let target: TestDatabase;
let seeded: Seeded;

async function database(label: string): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  databases.push(db);
  return db;
}

async function api(url: string): Promise<RunningApi> {
  const running = await startApi(apiConfig({ databaseUrl: url }));
  apis.push(running);
  return running;
}

beforeAll(async () => {
  source = await database('bksrc');
  target = await database('bkdst');
  const running = await api(source.url);
  const alice = await ApiUser.register(running.url, 'alice');
  await ApiUser.register(running.url, 'bob');
  seeded = await seedBoards(alice, 3, 12);
  // Quiet before the snapshot: the relay's lease and cursors would move on after it.
  await running.close();
  apis.splice(apis.indexOf(running), 1);
}, 120_000);

afterAll(async () => {
  for (const a of apis) await a.close().catch(() => {});
  for (const db of databases) await db.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('switchboard backup and restore', () => {
  it(
    'round trip: identical content, sequences and event log; the restored product serves and resumes watchers',
    async () => {
      const backedUp = await runSwitchboard(['backup', '--out', file], {
        DATABASE_URL: source.url,
      });
      expect(backedUp.stderr).toMatch(
        /schema 0\d{3}-[\w-]+, \d+ tables, \d+ rows, sha256 [0-9a-f]{64}/,
      );
      expect(backedUp.code).toBe(0);
      // Not a terminal: no progress line; and the password is never printed.
      expect(backedUp.stderr).not.toContain('\r');

      const restored = await runSwitchboard(['restore', file, '--progress'], {
        DATABASE_URL: target.url,
      });
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stderr).toMatch(/restore: table \d+\/\d+ \S+ +\d+\/\d+ rows \(100%\)/);

      const before = await databaseContent(source.url);
      const after = await databaseContent(target.url);
      expect(Object.keys(before.tables).length).toBeGreaterThan(10);
      expect(before.tables.board_events!.length).toBeGreaterThan(3 * 12);
      expect(before.tables.attachment_chunks!.length).toBeGreaterThanOrEqual(6 * 2);
      expect(after).toEqual(before);

      // The restored product: new rows take new ids, the board's seq goes on.
      const served = await api(target.url);
      const alice = await ApiUser.login(served.url, 'alice');
      const board = seeded.boards[0]!;
      const ws = new WebSocket(`${served.url.replace('http', 'ws')}/ws?token=${alice.token}`, [
        'switchboard.v1',
      ]);
      const seqs: number[] = [];
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; seq?: number; board_id?: number };
        if (m.type === 'event' && m.board_id === board.id) seqs.push(m.seq!);
      });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      // A watcher that had seen up to seq - 3 before the restore resumes from there.
      ws.send(JSON.stringify({ type: 'subscribe', board_id: board.id, after_seq: board.seq - 3 }));
      const task = await alice.call<{ id: number }>('POST', '/api/tasks', {
        board_id: board.id,
        title: 'after the restore',
      });
      expect(task.id).toBeGreaterThan(Math.max(...seeded.tasks));
      const comment = await alice.call<{ id: number }>('POST', `/api/tasks/${task.id}/comments`, {
        body: 'new',
      });
      const maxComment = Math.max(
        ...before.tables.comments!.map((r) => Number(/^\((\d+),/.exec(r)![1])),
      );
      expect(comment.id).toBeGreaterThan(maxComment);
      // Files come back byte for byte, served by the restored product.
      for (const f of seeded.files.slice(0, 3)) {
        const again = await alice.bytes(f.url);
        expect(again.equals(f.bytes)).toBe(true);
      }
      const carol = await ApiUser.register(served.url, 'carol');
      expect(carol.id).toBeGreaterThan(alice.id);
      expect(carol.id).toBeGreaterThan(
        Math.max(...before.tables.users!.map((r) => Number(/^\((\d+),/.exec(r)![1]))),
      );
      const deadline = Date.now() + 15_000;
      while (seqs.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      ws.close();
      expect(seqs).toEqual([board.seq - 2, board.seq - 1, board.seq, board.seq + 1, board.seq + 2]);
    },
    slow,
  );

  it(
    'refuses a non-empty database and changes nothing (exit 2, SB_RESTORE_NOT_EMPTY)',
    async () => {
      const before = await databaseContent(target.url);
      const again = await runSwitchboard(['restore', file], { DATABASE_URL: target.url });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(
        /SB_RESTORE_NOT_EMPTY: the target database is not empty \(table \w+ has \d+ rows\)/,
      );
      expect(await databaseContent(target.url)).toEqual(before);
    },
    slow,
  );

  it(
    'refuses a backup of a newer schema (exit 2, SB_RESTORE_SCHEMA_NEWER), leaving the database empty',
    async () => {
      const content = gunzipSync(readFileSync(file));
      const newline = content.indexOf(10);
      const header = JSON.parse(content.subarray(0, newline).toString()) as {
        schemaVersion: string;
        migrations: string[];
      };
      header.migrations.push('9999-from-the-future');
      header.schemaVersion = '9999-from-the-future';
      const future = path.join(dir, 'future.backup.gz');
      writeFileSync(
        future,
        gzipSync(Buffer.concat([Buffer.from(JSON.stringify(header)), content.subarray(newline)])),
      );
      const empty = await database('bknewer');
      const result = await runSwitchboard(['restore', future], { DATABASE_URL: empty.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('SB_RESTORE_SCHEMA_NEWER');
      expect(result.stderr).toContain('9999-from-the-future');
      expect(await tableCount(empty.url)).toBe(0);
    },
    slow,
  );

  it(
    'refuses damaged files (exit 2) and leaves the database empty',
    async () => {
      const content = gunzipSync(readFileSync(file));
      // A changed byte deep in the data, re-compressed so gzip itself is content: only the checksum sees it.
      const at = content.indexOf('Seed task 2.11');
      expect(at).toBeGreaterThan(0);
      const altered = Buffer.from(content);
      altered[at + 5] = 'T'.charCodeAt(0);
      const tampered = path.join(dir, 'tampered.backup.gz');
      writeFileSync(tampered, gzipSync(altered));
      // Cut short: gzip notices.
      const truncated = path.join(dir, 'truncated.backup.gz');
      const whole = readFileSync(file);
      writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
      const notBackup = path.join(dir, 'not-a-backup.gz');
      writeFileSync(notBackup, gzipSync(Buffer.from('hello\n')));

      const cases: [string, RegExp][] = [
        [
          tampered,
          /SB_BACKUP_CHECKSUM: the content's sha256 is [0-9a-f]{64}, the file says [0-9a-f]{64}; nothing was restored/,
        ],
        [truncated, /SB_BACKUP_CORRUPT/],
        [notBackup, /SB_BACKUP_CORRUPT: the file does not start with a Switchboard backup header/],
        [path.join(dir, 'missing.gz'), /SB_BACKUP_FILE: cannot read/],
      ];
      for (const [damaged, message] of cases) {
        const empty = await database('bkbad');
        const result = await runSwitchboard(['restore', damaged], { DATABASE_URL: empty.url });
        expect(result.stderr).toMatch(message);
        expect(result.code).toBe(2);
        expect(await tableCount(empty.url)).toBe(0);
      }
    },
    slow,
  );
});

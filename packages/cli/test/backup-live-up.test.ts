import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../../../test-support/stack.js';
import { ApiUser } from './support/seed.js';
import { runSwitchboard } from './support/switchboard-run.js';

/**
 * The laptop case: `switchboard up` with its embedded PostgreSQL is backed
 * up while it runs and takes writes (no DATABASE_URL: the backup finds the
 * running server through DATA_DIR), then restored into an empty DATA_DIR,
 * where a new `up` serves the restored boards.
 */
const root = mkdtempSync(path.join(tmpdir(), 'sb-backup-live-'));
// As root, PostgreSQL runs as the postgres user, who must reach the data directories inside.
chmodSync(root, 0o755);
const sourceDir = path.join(root, 'source');
const restoredDir = path.join(root, 'restored');
const file = path.join(root, 'live.backup.gz');
const stacks: Stack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.stop().catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

interface Header {
  schemaVersion: string;
  tables: { name: string; rows: number }[];
}

function headerOf(backup: string): Header {
  const content = gunzipSync(readFileSync(backup));
  return JSON.parse(content.subarray(0, content.indexOf(10)).toString()) as Header;
}

const rowsOf = (header: Header, table: string) => header.tables.find((t) => t.name === table)!.rows;

describe('backup of a running switchboard up, restore into an empty DATA_DIR', () => {
  it('takes a consistent snapshot under writes; the restored product serves it', async () => {
    const source = await startStack({ dataDir: sourceDir, instances: 1, startTimeoutMs: 150_000 });
    stacks.push(source);
    const alice = await ApiUser.register(source.url, 'alice');
    const board = await alice.call<{ id: number }>('POST', '/api/boards', { title: 'Live' });
    for (let i = 0; i < 100; i++)
      await alice.call('POST', '/api/tasks', { board_id: board.id, title: `before ${i}` });

    // Writes go on during the backup.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await alice.call('POST', '/api/tasks', { board_id: board.id, title: `during ${written}` });
        written++;
      }
    })();
    const backedUp = await runSwitchboard(['backup', '--out', file], {
      DATABASE_URL: '',
      DATA_DIR: sourceDir,
    });
    // A restore into the running product's directory is refused, not raced.
    const inUse = await runSwitchboard(['restore', file], {
      DATABASE_URL: '',
      DATA_DIR: sourceDir,
    });
    writing = false;
    await writer;
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(backedUp.stderr).toContain('the embedded PostgreSQL of switchboard up');
    expect(inUse.code).toBe(2);
    expect(inUse.stderr).toMatch(/SB_RESTORE_IN_USE: switchboard \(pid \d+\) is running/);
    expect(written).toBeGreaterThan(0);

    const header = headerOf(file);
    const tasks = rowsOf(header, 'tasks');
    const events = rowsOf(header, 'board_events');
    expect(tasks).toBeGreaterThanOrEqual(100);
    await source.stop();

    const restored = await runSwitchboard(['restore', file], {
      DATABASE_URL: '',
      DATA_DIR: restoredDir,
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toContain(`the embedded PostgreSQL in ${restoredDir}`);

    const again = await startStack({ dataDir: restoredDir, instances: 1, startTimeoutMs: 150_000 });
    stacks.push(again);
    const back = await ApiUser.login(again.url, 'alice');
    const list = await back.call<{ total_count: number }>(
      'GET',
      `/api/tasks?board_id=${board.id}&page_size=1`,
    );
    expect(list.total_count).toBe(tasks);
    // One snapshot: the log holds exactly the events of the rows it holds, seqs 1..n without a gap.
    const page = await back.call<{ events: { seq: number }[]; last_seq: number }>(
      'GET',
      `/api/boards/${board.id}/events?after=0&limit=1000`,
    );
    expect(page.last_seq).toBe(events);
    expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
    const next = await back.call<{ id: number }>('POST', '/api/tasks', {
      board_id: board.id,
      title: 'after restore',
    });
    expect(next.id).toBeGreaterThan(tasks);
    const after = await back.call<{ last_seq: number }>(
      'GET',
      `/api/boards/${board.id}/events?after=0&limit=1`,
    );
    expect(after.last_seq).toBe(events + 1);
  }, 400_000);
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BoardDetail } from '@switchboard/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  api,
  browserTestsEnabled,
  launchBrowser,
  registerAccount,
  signedInContext,
  uniqueName,
  watchErrors,
} from './support/browser';
import { type E2EStack, startE2EStack } from './support/stack';

/** Two people on one board, and an API instance dying under one of them. */
const resultsDir = path.resolve(import.meta.dirname, '../../../../test-results');
let stack: E2EStack;
let browser: Browser;
let ann: Account;
let bob: Account;
let boardId: number;
let annContext: BrowserContext;
let annPage: Page;
let bobPage: Page;
let annErrors: string[];
/** X-Served-By of the latest WebSocket handshake of Ann's page. */
let annSocketBackend: string | null = null;
let annHandshakes = 0;

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  [stack, browser] = await Promise.all([startE2EStack({ instances: 2 }), launchBrowser()]);
  ann = await registerAccount(stack.url, uniqueName('ann'));
  bob = await registerAccount(stack.url, uniqueName('bob'));
  const board = await api<BoardDetail>(stack.url, ann, 'POST', '/api/boards', {
    title: 'Shared roadmap',
  });
  boardId = board.id;
  await api(stack.url, ann, 'POST', `/api/boards/${boardId}/members`, {
    username: bob.username,
    role: 'editor',
  });
  for (const title of ['Plan the sprint', 'Review the API']) {
    await api(stack.url, ann, 'POST', '/api/tasks', { board_id: boardId, title });
  }

  annContext = await signedInContext(browser, stack.url, ann);
  annPage = await annContext.newPage();
  annErrors = watchErrors(annPage);
  const cdp = await annContext.newCDPSession(annPage);
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketHandshakeResponseReceived', (event) => {
    const headers = event.response.headers as Record<string, string>;
    const served = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-served-by');
    annHandshakes++;
    if (served) annSocketBackend = served[1];
  });
  const bobContext = await signedInContext(browser, stack.url, bob);
  bobPage = await bobContext.newPage();
  await Promise.all([
    annPage.goto(`${stack.url}/boards/${boardId}`),
    bobPage.goto(`${stack.url}/boards/${boardId}`),
  ]);
  await Promise.all([
    annPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
    bobPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const card = (page: Page, title: string) => page.locator('.card', { hasText: title }).first();
const columnTitles = (page: Page, columnTitle: string) =>
  page
    .getByRole('region', { name: columnTitle, exact: true })
    .locator('.card .card-link')
    .allTextContents();

/** What the page shows: column title → task titles, in order. */
async function shown(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(() => {
    const out: Record<string, string[]> = {};
    for (const col of document.querySelectorAll('section.column')) {
      const title = col.querySelector('.column-title')?.textContent ?? '?';
      out[title] = [...col.querySelectorAll('.card .card-link')].map((a) => a.textContent ?? '');
    }
    return out;
  });
}

/** What the server holds, in the same shape. */
async function serverShape(): Promise<Record<string, string[]>> {
  const board = await api<BoardDetail>(stack.url, ann, 'GET', `/api/boards/${boardId}`);
  const out: Record<string, string[]> = {};
  for (const col of [...board.columns].sort((a, b) => (a.position < b.position ? -1 : 1))) {
    out[col.title] = board.tasks
      .filter((t) => t.column_id === col.id)
      .sort((a, b) => (a.position < b.position ? -1 : 1))
      .map((t) => t.title);
  }
  return out;
}

/** How many times `switchboard up` has said it restarted instance `id`. */
const restarts = (id: string) => stack.output().split(`${id} is back`).length - 1;

/**
 * Waits until `up` has restarted instance `id` (after `before` restarts) and the
 * proxy has checked it healthy since — so a test leaves two instances behind
 * (and the stack does not stop while one is still starting).
 */
async function waitForRestart(id: string, before: number): Promise<void> {
  await expect.poll(() => restarts(id), { timeout: 60_000 }).toBeGreaterThan(before);
  const backAt = Date.now();
  await expect
    .poll(
      async () => {
        const res = await fetch(`${stack.url}/admin/backends`, {
          headers: { authorization: `Bearer ${stack.adminToken}` },
        });
        const body = (await res.json()) as {
          backends: {
            id: string;
            state: string;
            stats: { last_check?: { ok: boolean; at: string } };
          }[];
        };
        const backend = body.backends.find((b) => b.id === id);
        const check = backend?.stats.last_check;
        return backend?.state === 'up' && !!check?.ok && Date.parse(check.at) > backAt;
      },
      { timeout: 30_000, interval: 250 },
    )
    .toBe(true);
}

describe.skipIf(!browserTestsEnabled)('real time', () => {
  it('shows who else is viewing', async () => {
    await annPage.getByLabel(`Also viewing: ${bob.username}`).waitFor({ timeout: 5000 });
    await bobPage.getByLabel(`Also viewing: ${ann.username}`).waitFor({ timeout: 5000 });
  }, 30_000);

  it('shows one person’s changes to the other within a second', async () => {
    // Bob adds a task through the composer; Ann sees it.
    await bobPage
      .getByRole('region', { name: 'To do', exact: true })
      .getByRole('button', { name: 'Add a task' })
      .click();
    await bobPage.keyboard.type('Write release notes');
    let started = Date.now();
    await bobPage.keyboard.press('Enter');
    await card(annPage, 'Write release notes').waitFor({ timeout: 1000 });
    const created = Date.now() - started;
    await bobPage.keyboard.press('Escape');

    // Ann moves a task with the keyboard; Bob sees it land.
    await card(annPage, 'Plan the sprint').locator('.card-link').focus();
    // dnd-kit's keyboard sensor starts listening for arrows a tick after pick-up.
    await annPage.keyboard.press('Space');
    await annPage.waitForTimeout(150);
    await annPage.keyboard.press('ArrowRight');
    await annPage.waitForTimeout(150);
    started = Date.now();
    await annPage.keyboard.press('Space');
    await expect
      .poll(() => columnTitles(bobPage, 'In progress'), { timeout: 1000, interval: 25 })
      .toEqual(['Plan the sprint']);
    const moved = Date.now() - started;

    // Bob completes one; Ann sees the check.
    started = Date.now();
    await card(bobPage, 'Review the API').getByRole('checkbox').click();
    await expect
      .poll(
        () => card(annPage, 'Review the API').getByRole('checkbox').getAttribute('aria-checked'),
        { timeout: 1000, interval: 25 },
      )
      .toBe('true');
    const completed = Date.now() - started;
    console.log(`propagation: create ${created} ms, move ${moved} ms, complete ${completed} ms`);
  }, 30_000);

  it('shows a conflicting edit and lets the user keep theirs', async () => {
    const board = await api<BoardDetail>(stack.url, ann, 'GET', `/api/boards/${boardId}`);
    const target = board.tasks.find((t) => t.title === 'Review the API')!;
    await card(annPage, 'Review the API').locator('.card-link').click();
    const dialog = annPage.getByRole('dialog');
    const title = dialog.getByLabel('Task title');
    await title.click();
    // Bob renames it while Ann is typing.
    await api(stack.url, bob, 'PATCH', `/api/tasks/${target.id}`, {
      title: 'Review the public API',
    });
    await card(annPage, 'Review the public API').waitFor({ timeout: 2000 });
    await title.fill('Review the API docs');
    await title.press('Enter');
    const conflict = annPage.getByRole('dialog', { name: 'Someone else changed this first' });
    await conflict.waitFor({ timeout: 5000 });
    await conflict.locator('td.theirs', { hasText: 'Review the public API' }).waitFor();
    await conflict.locator('td.mine', { hasText: 'Review the API docs' }).waitFor();
    mkdirSync(resultsDir, { recursive: true });
    await annPage.screenshot({ path: path.join(resultsDir, 'conflict.png') });
    await conflict.getByRole('button', { name: 'Keep my change' }).click();
    await expect
      .poll(async () => {
        const t = await api<{ title: string }>(stack.url, ann, 'GET', `/api/tasks/${target.id}`);
        return t.title;
      })
      .toBe('Review the API docs');
    await card(bobPage, 'Review the API docs').waitFor({ timeout: 2000 });
    await annPage.keyboard.press('Escape');
    await annPage.waitForURL(new RegExp(`/boards/${boardId}$`));
  }, 30_000);

  it('moves on when the instance holding the socket goes away (SIGTERM: 1001), and misses nothing', async () => {
    const victimId = annSocketBackend as string;
    expect(victimId).toMatch(/^api-\d+$/);
    const victim = stack.apiPids().get(victimId) as number;
    expect(victim).toBeGreaterThan(0);
    const restartsBefore = restarts(victimId);
    const handshakesBefore = annHandshakes;
    const boardLoads: string[] = [];
    const onRequest = (r: { url(): string; method(): string }) => {
      if (new URL(r.url()).pathname === `/api/boards/${boardId}` && r.method() === 'GET') {
        boardLoads.push(r.url());
      }
    };
    annPage.on('request', onRequest);

    const stoppedAt = Date.now();
    // What a rolling update does to an instance: it closes its sockets with 1001 and exits.
    process.kill(victim, 'SIGTERM');
    await expect.poll(() => annHandshakes, { timeout: 15_000 }).toBeGreaterThan(handshakesBefore);
    const movedAfter = Date.now() - stoppedAt;
    expect(annSocketBackend).not.toBe(victimId);
    await annPage.locator('.conn-live').waitFor({ timeout: 15_000 });

    await api(stack.url, bob, 'POST', '/api/tasks', {
      board_id: boardId,
      title: 'Roll the update',
    });
    await card(annPage, 'Roll the update').waitFor({ timeout: 5000 });
    await expect.poll(() => shown(annPage), { timeout: 10_000 }).toEqual(await serverShape());
    // Resumed on the other instance from its last seq, never by reloading the board.
    expect(boardLoads).toEqual([]);
    annPage.off('request', onRequest);
    console.log(
      `instance ${victimId} stopped (SIGTERM): socket on ${annSocketBackend} after ${movedAfter} ms`,
    );

    // `switchboard up` starts it again: leave two instances for the next test.
    await waitForRestart(victimId, restartsBefore);
  }, 120_000);

  it('recovers when the API instance holding the socket dies, and misses nothing', async () => {
    expect(annSocketBackend).toMatch(/^api-\d+$/);
    const victim = stack.apiPids().get(annSocketBackend as string);
    expect(victim).toBeGreaterThan(0);
    await annPage.evaluate(
      () => ((window as unknown as { __noReload: boolean }).__noReload = true),
    );
    const handshakesBefore = annHandshakes;
    const boardLoads: string[] = [];
    annPage.on('request', (r) => {
      if (new URL(r.url()).pathname === `/api/boards/${boardId}` && r.method() === 'GET') {
        boardLoads.push(r.url());
      }
    });

    const victimId = annSocketBackend as string;
    const restartsBefore = restarts(victimId);
    const killedAt = Date.now();
    process.kill(victim as number, 'SIGKILL');
    await annPage.locator('.conn-reconnecting, .conn-offline, .conn-connecting').waitFor({
      timeout: 10_000,
    });

    // Bob keeps working meanwhile (his requests go to the surviving instance).
    for (const title of ['Fix the flaky test', 'Tag v1.2', 'Email the beta users']) {
      await api(stack.url, bob, 'POST', '/api/tasks', { board_id: boardId, title });
    }
    const board = await api<BoardDetail>(stack.url, bob, 'GET', `/api/boards/${boardId}`);
    const done = board.columns.find((c) => c.title === 'Done')!;
    const tag = board.tasks.find((t) => t.title === 'Tag v1.2')!;
    await api(stack.url, bob, 'PATCH', `/api/tasks/${tag.id}`, { column_id: done.id });
    const notes = board.tasks.find((t) => t.title === 'Write release notes')!;
    expect(notes).toBeDefined();
    await api(stack.url, bob, 'PATCH', `/api/tasks/${notes.id}`, {
      title: 'Write the release notes',
    });

    await annPage.locator('.conn-live').waitFor({ timeout: 30_000 });
    const liveAgain = Date.now() - killedAt;
    const expected = await serverShape();
    await expect.poll(() => shown(annPage), { timeout: 10_000 }).toEqual(expected);
    console.log(
      `instance ${annSocketBackend} killed: live again after ${liveAgain} ms, board complete after ${Date.now() - killedAt} ms`,
    );
    expect(
      await annPage.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload),
    ).toBe(true);
    // Resumed from its last seq (replay or the event log), never by reloading the board.
    expect(boardLoads).toEqual([]);
    expect(annHandshakes).toBeGreaterThan(handshakesBefore);

    // Live again: a new change still arrives within a second.
    const started = Date.now();
    await api(stack.url, bob, 'POST', '/api/tasks', {
      board_id: boardId,
      title: 'After the storm',
    });
    await card(annPage, 'After the storm').waitFor({ timeout: 1000 });
    console.log(`after recovery, a new task reached Ann in ${Date.now() - started} ms`);
    expect(annErrors.filter((e) => !/WebSocket|ERR_CONNECTION|502|503/.test(e))).toEqual([]);
    // Not stopping the stack while `up` is still restarting the instance.
    await waitForRestart(victimId, restartsBefore);
  }, 90_000);
});

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BoardDetail } from '@switchboard/core';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  api,
  browserTestsEnabled,
  launchBrowser,
  uniqueName,
  watchErrors,
} from './support/browser';
import { type E2EStack, startE2EStack } from './support/stack';

/** One user's whole path through the app, in a real Chromium against `switchboard up`. */
let stack: E2EStack;
let browser: Browser;
let page: Page;
let errors: string[];
let account: Account;
let boardId: number;
const resultsDir = path.resolve(import.meta.dirname, '../../../../test-results');

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  [stack, browser] = await Promise.all([startE2EStack(), launchBrowser()]);
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  errors = watchErrors(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A column by its exact title (each column is a region labelled by its title). */
const column = (title: string) => page.getByRole('region', { name: title, exact: true });
const card = (title: string) => page.locator('.card', { hasText: title }).first();
const cardTitles = (col: Locator) => col.locator('.card .card-link').allTextContents();

async function serverBoard(): Promise<BoardDetail> {
  return api<BoardDetail>(stack.url, account, 'GET', `/api/boards/${boardId}`);
}

async function columnOfTask(title: string): Promise<string> {
  const board = await serverBoard();
  const task = board.tasks.find((t) => t.title === title);
  return board.columns.find((c) => c.id === task?.column_id)?.title ?? 'none';
}

/** Drags with real mouse events, in small steps, as a person would. */
async function mouseDrag(from: Locator, to: Locator, offsetY = 0) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag source or target not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2 + offsetY, { steps: 20 });
  await page.waitForTimeout(150);
  await page.mouse.up();
}

describe.skipIf(!browserTestsEnabled)('board flow', () => {
  it('registers through the form and creates a board', async () => {
    await page.goto(stack.url);
    await page.waitForURL(/\/login/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    // The server's own schema rejects a short password before any request.
    const username = uniqueName('ann');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toMatch(/8/);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${stack.url}/`);
    await page.getByText('No boards yet').waitFor();

    const login = await fetch(`${stack.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse battery' }),
    });
    const { user, token } = (await login.json()) as { user: { id: number }; token: string };
    account = { id: user.id, username, token };

    await page.getByLabel('New board').fill('Launch plan');
    await page.getByRole('button', { name: 'Create board' }).click();
    await page.waitForURL(/\/boards\/\d+$/);
    boardId = Number(/\/boards\/(\d+)/.exec(page.url())?.[1]);
    await expect.poll(() => page.locator('section.column').count()).toBe(3);
    await page.locator('.conn-live').waitFor({ timeout: 10_000 });
  }, 60_000);

  it('adds tasks inline and shows them at once', async () => {
    await column('To do').getByRole('button', { name: 'Add a task' }).click();
    for (const title of [
      'Write the announcement',
      'Fix the signup bug',
      'Update the pricing page',
    ]) {
      await page.keyboard.type(title);
      await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Escape');
    await expect
      .poll(() => cardTitles(column('To do')))
      .toEqual(['Write the announcement', 'Fix the signup bug', 'Update the pricing page']);
    await expect.poll(async () => (await serverBoard()).tasks.length).toBe(3);
    await expect.poll(() => column('To do').locator('.count').textContent()).toBe('3');
  }, 30_000);

  it('moves a task to another column with the mouse', async () => {
    await mouseDrag(card('Write the announcement'), column('In progress').locator('.column-body'));
    await expect.poll(() => cardTitles(column('In progress'))).toEqual(['Write the announcement']);
    await expect.poll(() => columnOfTask('Write the announcement')).toBe('In progress');
  }, 30_000);

  it('reorders within a column with the mouse', async () => {
    await mouseDrag(card('Update the pricing page'), card('Fix the signup bug'), -12);
    await expect
      .poll(() => cardTitles(column('To do')))
      .toEqual(['Update the pricing page', 'Fix the signup bug']);
    await expect
      .poll(async () => {
        const board = await serverBoard();
        const todo = board.columns.find((c) => c.title === 'To do')!;
        return board.tasks
          .filter((t) => t.column_id === todo.id)
          .sort((a, b) => (a.position < b.position ? -1 : 1))
          .map((t) => t.title);
      })
      .toEqual(['Update the pricing page', 'Fix the signup bug']);
  }, 30_000);

  it('moves a task with the keyboard alone (Space, arrows, Space)', async () => {
    await card('Fix the signup bug').locator('.card-link').focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(200);
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    await expect.poll(() => cardTitles(column('In progress'))).toContain('Fix the signup bug');
    await expect.poll(() => columnOfTask('Fix the signup bug')).toBe('In progress');
    // The live region told a screen reader where it went.
    const announced = await page.locator('[id^="DndLiveRegion"]').textContent();
    expect(announced).toMatch(/Dropped/);
  }, 30_000);

  it('completes a task from its card', async () => {
    const check = card('Update the pricing page').getByRole('checkbox');
    await check.click();
    await expect.poll(() => check.getAttribute('aria-checked')).toBe('true');
    await expect
      .poll(
        async () =>
          (await serverBoard()).tasks.find((t) => t.title === 'Update the pricing page')?.completed,
      )
      .toBe(true);
  }, 30_000);

  it('edits a task in its dialog (own URL), rendering Markdown safely', async () => {
    await card('Fix the signup bug').locator('.card-link').click();
    await page.waitForURL(/\/tasks\/\d+$/);
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Add a more detailed description…' }).click();
    await dialog
      .getByLabel('Description (Markdown)')
      .fill(
        'Steps:\n\n1. **Open** the form\n2. Submit\n\n<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>',
      );
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.locator('.markdown strong', { hasText: 'Open' }).waitFor();
    expect(await dialog.locator('.markdown script').count()).toBe(0);
    expect(await dialog.locator('.markdown img').getAttribute('onerror')).toBeNull();
    expect(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).toBeUndefined();

    // A label typed on the card is created on the board and switched on here.
    await dialog.getByLabel('New label').fill('bug');
    await page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'bug', pressed: true }).waitFor();
    await dialog.getByRole('button', { name: account.username }).click();
    await expect
      .poll(async () => {
        const t = (await serverBoard()).tasks.find((x) => x.title === 'Fix the signup bug');
        return [t?.labels, t?.assignee_ids, t?.description.startsWith('Steps:')];
      })
      .toEqual([['bug'], [account.id], true]);
    await page.keyboard.press('Escape');
    await page.waitForURL(new RegExp(`/boards/${boardId}$`));
    await card('Fix the signup bug').locator('.label-chip', { hasText: 'bug' }).waitFor();
  }, 30_000);

  it('filters by label', async () => {
    await page.keyboard.press('/');
    await page.keyboard.type('#bug');
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    await page.getByText('1 matching').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.card').count()).toBe(3);
  }, 30_000);

  it('refuses a move over the WIP limit, says so, and puts the task back', async () => {
    await column('Done').getByRole('button', { name: 'Column actions: Done' }).click();
    await page.getByRole('menuitem', { name: 'Set WIP limit…' }).click();
    await page.getByLabel('Most tasks allowed in this column').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => column('Done').locator('.count').textContent()).toBe('0 / 1');
    await expect
      .poll(async () => (await serverBoard()).columns.find((c) => c.title === 'Done')?.wip_limit)
      .toBe(1);

    await mouseDrag(card('Update the pricing page'), column('Done').locator('.column-body'));
    await expect.poll(() => cardTitles(column('Done'))).toEqual(['Update the pricing page']);
    await expect.poll(() => columnOfTask('Update the pricing page')).toBe('Done');
    await column('Done').getByText('At the WIP limit').waitFor();

    await mouseDrag(card('Write the announcement'), column('Done').locator('.column-body'));
    // The toast (the drag's live region says the same words).
    await page.locator('.toast', { hasText: /“Done” is at its WIP limit of 1/ }).waitFor();
    await expect.poll(() => cardTitles(column('In progress'))).toContain('Write the announcement');
    expect(await columnOfTask('Write the announcement')).toBe('In progress');
  }, 30_000);

  it('deletes with undo, and deletes for real when the toast expires', async () => {
    await card('Write the announcement').locator('.card-link').focus();
    await page.keyboard.press('Delete');
    await expect.poll(() => card('Write the announcement').count()).toBe(0);
    await page.getByRole('button', { name: 'Undo' }).click();
    await card('Write the announcement').waitFor();
    expect((await serverBoard()).tasks).toHaveLength(3);

    await card('Write the announcement').locator('.card-link').focus();
    const deleted = page.waitForResponse(
      (r) => r.request().method() === 'DELETE' && /\/api\/tasks\/\d+$/.test(r.url()),
      { timeout: 15_000 },
    );
    await page.keyboard.press('Delete');
    expect((await deleted).status()).toBe(204);
    expect((await serverBoard()).tasks.map((t) => t.title)).not.toContain('Write the announcement');
  }, 30_000);

  it('shows which backend served each request, and looks like a product', async () => {
    // Populate the board a little for the screenshot.
    const board = await serverBoard();
    const [todo, doing] = board.columns;
    const add = (title: string, columnId: number, extra: object = {}) =>
      api(stack.url, account, 'POST', '/api/tasks', {
        board_id: boardId,
        column_id: columnId,
        title,
        ...extra,
      });
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    await add('Draft the press kit', todo!.id, { labels: ['marketing'], due_at: soon });
    await add('Load-test the proxy', doing!.id, {
      labels: ['infra', 'perf'],
      assignee_ids: [account.id],
    });
    await add('Rotate the admin token', todo!.id, {
      labels: ['security'],
      description: 'Quarterly.',
    });
    await expect.poll(() => page.locator('.card').count()).toBe(5);

    await page.keyboard.press('.');
    const panel = page.getByRole('region', { name: /backends that served them/ });
    await panel.waitFor();
    await expect
      .poll(() => panel.locator('.backend-chip').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(/^api-\d/)]));
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'board.png') });
    await page.keyboard.press('.');
    expect(errors).toEqual([]);
  }, 30_000);
});

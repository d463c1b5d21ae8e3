import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BoardDetail, Label, Task } from '@switchboard/core';
import type { Browser, Page } from 'playwright-core';
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

/**
 * Issue 13 in the browser: comments, checklists, activity, archive and trash,
 * labels, dates and custom fields — each used by Ann (owner) while Bob (editor)
 * watches the same board in another browser context, so every scenario also
 * proves the change arrives live. Screenshots of each new panel go to
 * test-results/cards-*.png.
 */
const resultsDir = path.resolve(import.meta.dirname, '../../../../test-results');
let stack: E2EStack;
let browser: Browser;
let ann: Account;
let bob: Account;
let board: BoardDetail;
let annPage: Page;
let bobPage: Page;
let annErrors: string[];
let bobErrors: string[];

const boardUrl = () => `${stack.url}/boards/${board.id}`;
const taskUrl = (id: number) => `${stack.url}/boards/${board.id}/tasks/${id}`;
const card = (page: Page, title: string) => page.locator('.card', { hasText: title }).first();
const dialog = (page: Page) => page.locator('dialog.task-dialog');

async function newTask(title: string, extra: Record<string, unknown> = {}): Promise<Task> {
  return api<Task>(stack.url, ann, 'POST', '/api/tasks', { board_id: board.id, title, ...extra });
}

async function serverTask(id: number): Promise<Task> {
  return api<Task>(stack.url, ann, 'GET', `/api/tasks/${id}`);
}

/** Both pages on the board, live. */
async function bothOnBoard(): Promise<void> {
  await Promise.all([annPage.goto(boardUrl()), bobPage.goto(boardUrl())]);
  await Promise.all([
    annPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
    bobPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
  ]);
}

async function shot(page: Page, name: string, dark = true): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(resultsDir, `cards-${name}-light.png`) });
  if (dark) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(resultsDir, `cards-${name}-dark.png`) });
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  [stack, browser] = await Promise.all([startE2EStack({ instances: 2 }), launchBrowser()]);
  ann = await registerAccount(stack.url, uniqueName('ann'));
  bob = await registerAccount(stack.url, uniqueName('bob'));
  board = await api<BoardDetail>(stack.url, ann, 'POST', '/api/boards', { title: 'Launch' });
  await api(stack.url, ann, 'POST', `/api/boards/${board.id}/members`, {
    username: bob.username,
    role: 'editor',
  });
  const annContext = await signedInContext(browser, stack.url, ann);
  const bobContext = await signedInContext(browser, stack.url, bob);
  annPage = await annContext.newPage();
  bobPage = await bobContext.newPage();
  annErrors = watchErrors(annPage);
  bobErrors = watchErrors(bobPage);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe.skipIf(!browserTestsEnabled)(
  'cards in the browser (issue 13)',
  { timeout: 90_000 },
  () => {
    it('comments: @mention autocomplete, rendered mentions, edit and delete own, task-list boxes, live', async () => {
      const task = await newTask('Fix login');
      await bothOnBoard();
      await annPage.goto(taskUrl(task.id));
      const box = dialog(annPage).getByRole('combobox', { name: 'Write a comment' });
      await box.click();
      await box.pressSequentially(`Looks good, @${bob.username.slice(0, 3)}`);
      const option = annPage.getByRole('option', { name: bob.username });
      await option.waitFor();
      expect(await option.getAttribute('aria-selected')).toBe('true');
      await box.press('Enter');
      expect(await box.inputValue()).toBe(`Looks good, @${bob.username} `);
      await box.pressSequentially('please **check**');
      await box.press('Control+Enter');

      // Ann's own write shows once: the POST's answer and its event are one comment.
      const annComments = dialog(annPage).locator('.comment');
      await expect.poll(() => annComments.count()).toBe(1);
      await expect
        .poll(() => card(annPage, 'Fix login').locator('.comment-chip').textContent())
        .toMatch(/^1/);
      await annPage.waitForTimeout(300);
      expect(await annComments.count()).toBe(1);

      // Bob: the count on the card face, then the comment with the mention marked up.
      await expect
        .poll(() => card(bobPage, 'Fix login').locator('.comment-chip').textContent(), {
          timeout: 10_000,
        })
        .toMatch(/^1/);
      await bobPage.goto(taskUrl(task.id));
      const bobComment = dialog(bobPage).locator('.comment').first();
      await expect
        .poll(() => bobComment.locator('.mention').textContent())
        .toBe(`@${bob.username}`);
      expect(await bobComment.locator('strong', { hasText: 'check' }).count()).toBe(1);
      // Not Bob's comment: he may not edit it (nor delete: an editor, not an owner).
      expect(await bobComment.getByRole('button', { name: /^Edit comment/ }).count()).toBe(0);
      expect(await bobComment.getByRole('button', { name: /^Delete comment/ }).count()).toBe(0);

      // Ann edits hers; Bob sees the new text live.
      const annComment = annComments.first();
      await annComment.getByRole('button', { name: /^Edit comment/ }).click();
      const edit = annComment.getByRole('combobox', { name: 'Edit comment' });
      await edit.fill('Edited: ship it');
      await annComment.getByRole('button', { name: 'Save' }).click();
      await expect
        .poll(() => bobComment.locator('.comment-body').textContent(), { timeout: 10_000 })
        .toContain('Edited: ship it');
      await expect.poll(() => bobComment.textContent()).toContain('(edited)');

      // Bob comments too; then Ann deletes hers.
      const bobBox = dialog(bobPage).getByRole('combobox', { name: 'Write a comment' });
      await bobBox.fill('On it:\n\n- [ ] tests\n- [ ] deploy');
      await dialog(bobPage).getByRole('button', { name: 'Comment', exact: true }).click();
      await expect.poll(() => annComments.count(), { timeout: 10_000 }).toBe(2);

      // A task-list box in Bob's comment: Ann (not its author, but a writer) ticks it;
      // the comment's text changes and Bob's box follows, live.
      const bobsOnAnn = annComments.filter({ hasText: 'On it' });
      await bobsOnAnn.getByRole('checkbox', { name: 'deploy' }).check();
      await expect
        .poll(
          async () => {
            const page = await api<{ comments: { body: string }[] }>(
              stack.url,
              ann,
              'GET',
              `/api/tasks/${task.id}/comments?limit=10`,
            );
            return page.comments.map((c) => c.body);
          },
          { timeout: 10_000 },
        )
        .toContain('On it:\n\n- [ ] tests\n- [x] deploy');
      await expect
        .poll(
          () =>
            dialog(bobPage)
              .locator('.comment', { hasText: 'On it' })
              .getByRole('checkbox', { name: 'deploy' })
              .isChecked(),
          { timeout: 10_000 },
        )
        .toBe(true);
      await shot(annPage, 'comments');
      await annComment.getByRole('button', { name: /^Delete comment/ }).click();
      await annPage.getByRole('button', { name: 'Delete comment', exact: true }).click();
      await expect
        .poll(() => dialog(bobPage).locator('.comment').count(), { timeout: 10_000 })
        .toBe(1);
      await expect.poll(async () => (await serverTask(task.id)).comment_count).toBe(1);
    });

    it('checklists: add, tick, rename, reorder (buttons, mouse drag, keyboard drag), progress on the card; task-list boxes tick', async () => {
      const task = await newTask('Release notes', {
        description: 'Steps:\n\n- [ ] draft\n- [ ] review\n\n```\n- [ ] not a box\n```',
      });
      await bothOnBoard();
      await annPage.goto(taskUrl(task.id));
      const d = dialog(annPage);
      await d.getByRole('button', { name: 'Add checklist' }).click();
      await d.getByLabel('Checklist title').fill('Before launch');
      await d.getByRole('button', { name: 'Add', exact: true }).click();
      const list = d.getByRole('group', { name: 'Checklist Before launch' });
      for (const item of ['Write docs', 'Tag release', 'Announce']) {
        await list.getByLabel('New item in Before launch').fill(item);
        await list.getByLabel('New item in Before launch').press('Enter');
        await list.getByRole('checkbox', { name: item }).waitFor();
      }
      // Bob's card face: 0/3, live.
      await expect
        .poll(() => card(bobPage, 'Release notes').locator('.checklist-chip').textContent(), {
          timeout: 10_000,
        })
        .toContain('0/3');

      // Bob ticks one in his dialog; Ann sees the box and the chip.
      await bobPage.goto(taskUrl(task.id));
      const bobList = dialog(bobPage).getByRole('group', { name: 'Checklist Before launch' });
      await bobList.getByRole('checkbox', { name: 'Tag release' }).check();
      await expect
        .poll(() => list.getByRole('checkbox', { name: 'Tag release' }).isChecked(), {
          timeout: 10_000,
        })
        .toBe(true);
      await expect
        .poll(() => card(annPage, 'Release notes').locator('.checklist-chip').textContent())
        .toContain('1/3');

      // Ann moves "Announce" up; Bob's order follows.
      await list.getByRole('button', { name: 'Move Announce up' }).click();
      const bobOrder = () => bobList.locator('.checklist-item-title').allTextContents();
      await expect
        .poll(bobOrder, { timeout: 10_000 })
        .toEqual(['Write docs', 'Announce', 'Tag release']);

      // Ann renames an item.
      await list.getByRole('button', { name: 'Item actions: Write docs' }).click();
      await annPage.getByRole('menuitem', { name: 'Rename' }).click();
      await list.getByLabel('Item title').fill('Write the docs');
      await list.getByLabel('Item title').press('Enter');
      await expect
        .poll(bobOrder, { timeout: 10_000 })
        .toEqual(['Write the docs', 'Announce', 'Tag release']);

      // Ann drags "Announce" to the top with the mouse by its handle; Bob's order follows.
      const handle = (title: string) => list.getByRole('button', { name: `Drag ${title}` });
      const from = (await handle('Announce').boundingBox())!;
      const to = (await list.getByRole('checkbox', { name: 'Write the docs' }).boundingBox())!;
      await annPage.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
      await annPage.mouse.down();
      await annPage.mouse.move(from.x + from.width / 2, from.y - 6, { steps: 4 });
      await annPage.mouse.move(from.x + from.width / 2, to.y + 2, { steps: 12 });
      await annPage.waitForTimeout(150);
      await annPage.mouse.up();
      await expect
        .poll(bobOrder, { timeout: 10_000 })
        .toEqual(['Announce', 'Write the docs', 'Tag release']);

      // And back to the bottom with the keyboard alone: Space, two arrows down, Space.
      await handle('Announce').focus();
      await annPage.keyboard.press('Space');
      await annPage.waitForTimeout(150);
      await annPage.keyboard.press('ArrowDown');
      await annPage.waitForTimeout(150);
      await annPage.keyboard.press('ArrowDown');
      await annPage.waitForTimeout(150);
      await annPage.keyboard.press('Space');
      await expect
        .poll(bobOrder, { timeout: 10_000 })
        .toEqual(['Write the docs', 'Tag release', 'Announce']);
      // The dialog stayed open through the keyboard drag.
      await list.waitFor();

      // A Markdown task-list box in the description: Ann ticks "review", the text changes.
      const review = d.locator('.description-view').getByRole('checkbox', { name: 'review' });
      expect(await review.isEnabled()).toBe(true);
      await review.check();
      await expect
        .poll(async () => (await serverTask(task.id)).description, { timeout: 10_000 })
        .toBe('Steps:\n\n- [ ] draft\n- [x] review\n\n```\n- [ ] not a box\n```');
      await expect
        .poll(
          () =>
            dialog(bobPage)
              .locator('.description-view')
              .getByRole('checkbox', { name: 'review' })
              .isChecked(),
          { timeout: 10_000 },
        )
        .toBe(true);
      await shot(annPage, 'checklists');

      // An item becomes a card of its own: on Bob's board, and out of his checklist.
      await list.getByRole('button', { name: 'Item actions: Announce' }).click();
      await annPage.getByRole('menuitem', { name: 'Turn into a card' }).click();
      await expect.poll(bobOrder, { timeout: 10_000 }).toEqual(['Write the docs', 'Tag release']);
      await bobPage.goto(boardUrl());
      await card(bobPage, 'Announce').waitFor({ timeout: 10_000 });
      await expect
        .poll(() => card(bobPage, 'Release notes').locator('.checklist-chip').textContent())
        .toContain('1/2');
    });

    it('history and activity: a card history tab and a live board activity panel', async () => {
      const task = await newTask('Write blog post');
      await bothOnBoard();
      await bobPage.getByRole('button', { name: 'Activity' }).click();
      const panel = bobPage.getByRole('complementary', { name: 'Activity' });
      await panel.getByRole('list', { name: 'Board activity' }).waitFor();
      await expect
        .poll(() => panel.textContent())
        .toContain(`${ann.username} created Write blog post`);

      // Ann renames and moves the card: Bob's panel says so in words, live.
      await api(stack.url, ann, 'PATCH', `/api/tasks/${task.id}`, { title: 'Write the blog post' });
      await api(stack.url, ann, 'PATCH', `/api/tasks/${task.id}`, { status: 'Done' });
      await expect
        .poll(() => panel.locator('.activity-entry').first().textContent(), { timeout: 10_000 })
        .toMatch(new RegExp(`${ann.username} moved Write the blog post from To do to Done`));
      await expect.poll(() => panel.textContent()).toMatch(/renamed/);
      await shot(bobPage, 'activity');

      // The card's history tab: its own events only, newest first, live as well.
      await annPage.goto(taskUrl(task.id));
      await dialog(annPage).getByRole('tab', { name: 'History' }).click();
      const history = dialog(annPage).getByRole('list', { name: 'Card history' });
      await expect.poll(() => history.locator('.activity-entry').count()).toBe(3);
      await api(stack.url, bob, 'POST', `/api/tasks/${task.id}/comments`, { body: 'Nice' });
      await expect
        .poll(() => history.locator('.activity-entry').first().textContent(), { timeout: 10_000 })
        .toContain(bob.username);
      await expect.poll(() => history.locator('.activity-entry').count()).toBe(4);
    });

    it('archive and trash: archive and restore cards and columns, trash restore and delete forever', async () => {
      const keep = await newTask('Archive me');
      const gone = await newTask('Trash me');
      const forever = await newTask('Delete me for good');
      await bothOnBoard();

      // Ann archives a card from its dialog: it leaves both boards at once.
      await annPage.goto(taskUrl(keep.id));
      await dialog(annPage).getByRole('button', { name: 'Archive' }).click();
      await expect.poll(() => card(annPage, 'Archive me').count()).toBe(0);
      await expect.poll(() => card(bobPage, 'Archive me').count(), { timeout: 10_000 }).toBe(0);

      // Bob (editor) opens Archived, restores it; it is back on Ann's board.
      await bobPage.getByRole('button', { name: 'Board actions' }).click();
      await bobPage.getByRole('menuitem', { name: 'Archived cards and columns…' }).click();
      const archive = bobPage.locator('dialog.archive-dialog');
      await archive.getByRole('button', { name: 'Restore card Archive me' }).click();
      await expect.poll(() => card(annPage, 'Archive me').count(), { timeout: 10_000 }).toBe(1);

      // Deleted cards go to the trash; Bob's open trash shows them live.
      await archive.getByRole('tab', { name: /Trash/ }).click();
      await api(stack.url, ann, 'DELETE', `/api/tasks/${gone.id}`);
      await api(stack.url, ann, 'DELETE', `/api/tasks/${forever.id}`);
      const trash = archive.getByRole('list', { name: 'Trash' });
      await expect.poll(() => trash.locator('li').count(), { timeout: 10_000 }).toBe(2);
      // An editor restores but does not delete for good.
      expect(await trash.getByRole('button', { name: /forever$/ }).count()).toBe(0);
      await shot(bobPage, 'trash');
      await trash.getByRole('button', { name: 'Restore Trash me' }).click();
      await expect.poll(() => card(annPage, 'Trash me').count(), { timeout: 10_000 }).toBe(1);

      // Ann (owner) deletes the other forever; Bob's list empties live.
      await annPage.getByRole('button', { name: 'Board actions' }).click();
      await annPage.getByRole('menuitem', { name: 'Trash…' }).click();
      const annTrash = annPage.locator('dialog.archive-dialog');
      await annTrash.getByRole('button', { name: 'Delete Delete me for good forever' }).click();
      await annPage.getByRole('button', { name: 'Delete forever', exact: true }).click();
      await expect.poll(() => trash.locator('li').count(), { timeout: 10_000 }).toBe(0);
      await expect
        .poll(
          async () =>
            (
              await api<{ entries: unknown[] }>(
                stack.url,
                ann,
                'GET',
                `/api/boards/${board.id}/trash`,
              )
            ).entries.length,
        )
        .toBe(0);
      await annTrash.getByRole('button', { name: 'Close' }).click();
      await bobPage.locator('dialog.archive-dialog').getByRole('button', { name: 'Close' }).click();

      // A column: archived from its menu, gone from Bob's board, restored by Bob.
      const column = await api<{ id: number }>(
        stack.url,
        ann,
        'POST',
        `/api/boards/${board.id}/columns`,
        {
          title: 'Someday',
        },
      );
      await newTask('Maybe later', { column_id: column.id });
      const someday = (page: Page) => page.getByRole('region', { name: 'Someday', exact: true });
      await someday(bobPage).waitFor({ timeout: 10_000 });
      await annPage.getByRole('button', { name: 'Column actions: Someday' }).click();
      await annPage.getByRole('menuitem', { name: 'Archive column' }).click();
      await expect.poll(() => someday(bobPage).count(), { timeout: 10_000 }).toBe(0);
      await bobPage.getByRole('button', { name: 'Board actions' }).click();
      await bobPage.getByRole('menuitem', { name: 'Archived cards and columns…' }).click();
      await archive.getByRole('button', { name: 'Restore column Someday' }).click();
      await expect.poll(() => card(annPage, 'Maybe later').count(), { timeout: 10_000 }).toBe(1);
      await archive.getByRole('button', { name: 'Close' }).click();
    });

    it('labels: create, assign, rename and recolour everywhere, filter, delete', async () => {
      const task = await newTask('Crash on save');
      await newTask('Polish icons');
      await bothOnBoard();
      await annPage.getByRole('button', { name: 'Board actions' }).click();
      await annPage.getByRole('menuitem', { name: 'Labels…' }).click();
      const labels = annPage.locator('dialog.labels-dialog');
      await labels.getByLabel('Label name').fill('Bug');
      await labels
        .getByRole('radiogroup', { name: 'Colour', exact: true })
        .locator('.lc-red')
        .click();
      await labels.getByRole('button', { name: 'Create label' }).click();
      await labels.getByRole('list', { name: 'Board labels' }).getByText('Bug').waitFor();
      await labels.getByRole('button', { name: 'Close' }).click();

      // Assign it on the card; Bob sees the chip in the palette's red.
      await annPage.goto(taskUrl(task.id));
      await dialog(annPage).getByRole('button', { name: 'Bug' }).click();
      await expect
        .poll(() =>
          dialog(annPage).getByRole('button', { name: 'Bug' }).getAttribute('aria-pressed'),
        )
        .toBe('true');
      const bobChip = card(bobPage, 'Crash on save').locator('.label-chip');
      await expect.poll(() => bobChip.textContent(), { timeout: 10_000 }).toBe('Bug');
      expect(await bobChip.getAttribute('class')).toContain('lc-red');

      // Rename and recolour: one change, every card shows it.
      const label = (
        await api<{ labels: Label[] }>(stack.url, ann, 'GET', `/api/boards/${board.id}/labels`)
      ).labels[0]!;
      await annPage.goto(boardUrl());
      await annPage.getByRole('button', { name: 'Board actions' }).click();
      await annPage.getByRole('menuitem', { name: 'Labels…' }).click();
      await labels.getByRole('button', { name: 'Edit label Bug' }).click();
      await labels.getByLabel('Name of Bug').fill('Defect');
      await labels.getByRole('radiogroup', { name: 'Colour of Bug' }).locator('.lc-purple').click();
      await expect
        .poll(() => bobChip.getAttribute('class'), { timeout: 10_000 })
        .toContain('lc-purple');
      await labels.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => bobChip.textContent(), { timeout: 10_000 }).toBe('Defect');
      await shot(annPage, 'labels');
      await labels.getByRole('button', { name: 'Close' }).click();

      // Bob filters by the label from its menu.
      await bobPage.getByRole('button', { name: 'Filter by label' }).click();
      await bobPage.getByRole('menuitem', { name: 'Defect' }).click();
      await expect.poll(() => bobPage.locator('#board-filter').inputValue()).toBe('#defect');
      await expect.poll(() => bobPage.locator('#filter-count').textContent()).toBe('1 matching');
      expect(await card(bobPage, 'Crash on save').isVisible()).toBe(true);
      expect(await card(bobPage, 'Polish icons').isVisible()).toBe(false);
      await bobPage.locator('#board-filter').fill('');

      // Delete with confirmation: off the card everywhere.
      await annPage.getByRole('button', { name: 'Board actions' }).click();
      await annPage.getByRole('menuitem', { name: 'Labels…' }).click();
      await labels.getByRole('button', { name: 'Delete label Defect' }).click();
      await annPage.getByRole('button', { name: 'Delete label', exact: true }).click();
      await expect.poll(() => bobChip.count(), { timeout: 10_000 }).toBe(0);
      expect((await serverTask(task.id)).label_ids).not.toContain(label.id);
      await labels.getByRole('button', { name: 'Close' }).click();
    });

    it('dates: start and due with a time, overdue and due-soon chips, filter', async () => {
      const late = await newTask('Pay invoice');
      const inTwoHours = new Date(Date.now() + 2 * 3_600_000);
      await newTask('Call the bank', {
        due: {
          date: inTwoHours.toISOString().slice(0, 10),
          time: inTwoHours.toISOString().slice(11, 16),
          time_zone: 'UTC',
        },
      });
      await newTask('No date');
      await bothOnBoard();
      await expect
        .poll(() => card(bobPage, 'Call the bank').locator('.due-chip').textContent())
        .toMatch(/^Due soon:?.*Due soon/);

      await annPage.goto(taskUrl(late.id));
      const d = dialog(annPage);
      const yesterday = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
      await d.getByLabel('Start', { exact: true }).fill('2026-01-05');
      await d.getByLabel('Due', { exact: true }).fill(yesterday);
      await d.getByLabel('Time', { exact: true }).fill('09:30');
      await d.getByLabel('Time', { exact: true }).blur();
      await expect
        .poll(async () => (await serverTask(late.id)).due, { timeout: 10_000 })
        .toMatchObject({ date: yesterday, time: '09:30' });
      expect((await serverTask(late.id)).start_date).toBe('2026-01-05');
      await expect
        .poll(() => card(bobPage, 'Pay invoice').locator('.due-chip').getAttribute('class'), {
          timeout: 10_000,
        })
        .toContain('due-overdue');
      await shot(annPage, 'dates', false);

      await bobPage.getByRole('button', { name: 'Filter by due date' }).click();
      await bobPage.getByRole('menuitem', { name: 'Overdue' }).click();
      await expect.poll(() => bobPage.locator('#filter-count').textContent()).toBe('1 matching');
      expect(await card(bobPage, 'Pay invoice').isVisible()).toBe(true);
      await bobPage.locator('#board-filter').fill('due:soon');
      await expect.poll(() => bobPage.locator('#filter-count').textContent()).toBe('1 matching');
      expect(await card(bobPage, 'Call the bank').isVisible()).toBe(true);
      await bobPage.locator('#board-filter').fill('');
    });

    it('custom fields: define on the board, set on a card, shown on the face, filter', async () => {
      const task = await newTask('Migrate database');
      await newTask('Update logo');
      await bothOnBoard();
      await annPage.getByRole('button', { name: 'Board actions' }).click();
      await annPage.getByRole('menuitem', { name: 'Custom fields…' }).click();
      const fields = annPage.locator('dialog.fields-dialog');
      await fields.getByLabel('Field name').fill('Priority');
      await fields.getByLabel('Field type').selectOption('single_select');
      await fields.getByLabel('Choices, one per line').fill('High\nLow');
      await fields.getByRole('button', { name: 'Add field' }).click();
      await fields.getByRole('list', { name: 'Custom fields' }).getByText('High, Low').waitFor();
      await fields.getByLabel('Field name').fill('Points');
      await fields.getByLabel('Field type').selectOption('number');
      await fields.getByRole('button', { name: 'Add field' }).click();
      await fields.getByRole('list', { name: 'Custom fields' }).getByText('Points').waitFor();
      await shot(annPage, 'fields', false);
      await fields.getByRole('button', { name: 'Close' }).click();

      await annPage.goto(taskUrl(task.id));
      const d = dialog(annPage);
      await d.getByLabel('Priority').selectOption({ label: 'High' });
      await d.getByLabel('Points').fill('5');
      await d.getByLabel('Points').press('Enter');
      const face = card(bobPage, 'Migrate database').locator('.card-fields');
      await expect.poll(() => face.textContent(), { timeout: 10_000 }).toBe('PriorityHighPoints5');
      await shot(annPage, 'card-dialog');

      // A bad value never reaches the server as such: the number input refuses letters.
      await bobPage.locator('#board-filter').fill('field:priority=high');
      await expect.poll(() => bobPage.locator('#filter-count').textContent()).toBe('1 matching');
      expect(await card(bobPage, 'Update logo').isVisible()).toBe(false);
      await bobPage.locator('#board-filter').fill('');
      await shot(bobPage, 'board');

      // The phone width: the board with the new chips, and the activity panel.
      await bobPage.setViewportSize({ width: 390, height: 844 });
      await bobPage.screenshot({ path: path.join(resultsDir, 'cards-board-390.png') });
      await bobPage.setViewportSize({ width: 1400, height: 860 });
    });

    it('cards across boards: duplicate, copy to another board, move there (live), card link', async () => {
      const sprint = await api<BoardDetail>(stack.url, ann, 'POST', '/api/boards', {
        title: 'Sprint 12',
      });
      await api(stack.url, ann, 'POST', `/api/boards/${sprint.id}/members`, {
        username: bob.username,
        role: 'editor',
      });
      const task = await newTask('Write release notes', { labels: ['Docs'] });
      await api(stack.url, ann, 'POST', `/api/tasks/${task.id}/comments`, { body: 'Draft is up' });
      await api(stack.url, ann, 'POST', `/api/tasks/${task.id}/checklists`, {
        title: 'Steps',
        items: ['draft', 'review'],
      });
      await bothOnBoard();

      // Duplicate on this board: Bob sees the second card arrive.
      await annPage.goto(taskUrl(task.id));
      await dialog(annPage).getByRole('button', { name: 'Copy…' }).click();
      const copy = annPage.locator('dialog.transfer-dialog');
      await copy.getByLabel('Title').fill('Write release notes (web)');
      await expect.poll(() => copy.getByLabel('Board').inputValue()).toBe(String(board.id));
      await shot(annPage, 'copy-dialog', false);
      await copy.getByRole('button', { name: 'Copy', exact: true }).click();
      await annPage
        .locator('.toast', { hasText: 'Duplicated “Write release notes (web)”' })
        .waitFor();
      await card(bobPage, 'Write release notes (web)').waitFor({ timeout: 10_000 });

      // Copy to the other board without the comments.
      await dialog(annPage).getByRole('button', { name: 'Copy…' }).click();
      await copy.getByLabel('Board').selectOption({ label: 'Sprint 12' });
      await expect
        .poll(() => copy.getByLabel('Column').locator('option').count())
        .toBeGreaterThan(0);
      await copy.getByLabel(/Keep comments/).uncheck();
      await copy.getByRole('button', { name: 'Copy', exact: true }).click();
      await annPage
        .locator('.toast', { hasText: 'Copied “Write release notes” to Sprint 12' })
        .waitFor();
      const onSprint = async () =>
        (await api<BoardDetail>(stack.url, ann, 'GET', `/api/boards/${sprint.id}`)).tasks;
      await expect
        .poll(async () =>
          (await onSprint()).map((t) => [t.title, t.labels, t.comment_count, t.checklist]),
        )
        .toEqual([['Write release notes', ['Docs'], 0, { done: 0, total: 2 }]]);

      // Move it there: Ann's dialog closes, Bob's board loses the card live.
      await dialog(annPage).getByRole('button', { name: 'Move to board…' }).click();
      const move = annPage.locator('dialog.transfer-dialog');
      await expect.poll(() => move.getByLabel('Board').inputValue()).toBe(String(sprint.id));
      await move.getByRole('button', { name: 'Move', exact: true }).click();
      await annPage
        .locator('.toast', { hasText: 'Moved “Write release notes” to Sprint 12' })
        .waitFor();
      await expect.poll(() => dialog(annPage).count()).toBe(0);
      await expect
        .poll(() => bobPage.locator('.card', { hasText: /^Write release notes$/ }).count(), {
          timeout: 10_000,
        })
        .toBe(0);
      expect(await card(bobPage, 'Write release notes (web)').isVisible()).toBe(true);
      expect((await serverTask(task.id)).board_id).toBe(sprint.id);

      // The toast's Open, and a card link (/boards/:id/cards/:id), open it on its new board.
      await annPage.goto(`${stack.url}/boards/${sprint.id}/cards/${task.id}`);
      const moved = dialog(annPage);
      await moved.locator('.comment', { hasText: 'Draft is up' }).waitFor();
      await moved.getByRole('tab', { name: 'History' }).click();
      await expect
        .poll(() => moved.locator('.activity-entry').first().textContent(), { timeout: 10_000 })
        .toMatch(/moved Write release notes here from Launch/);
    });

    it('attachments: picker, drop and paste; a cover on the card face, live; preview; never run as the app', async () => {
      const task = await newTask('Design review');
      await bothOnBoard();
      await annPage.goto(taskUrl(task.id));
      const d = dialog(annPage);
      const files = d.getByRole('list', { name: 'Files' });

      // The picker: an image and a text file.
      const picture = Buffer.from(
        await annPage.evaluate(() => {
          const canvas = document.createElement('canvas');
          canvas.width = 800;
          canvas.height = 450;
          const ctx = canvas.getContext('2d')!;
          ctx.fillStyle = '#1e78c8';
          ctx.fillRect(0, 0, 800, 450);
          ctx.fillStyle = '#fff';
          ctx.fillRect(60, 60, 300, 120);
          return canvas.toDataURL('image/png').split(',')[1]!;
        }),
        'base64',
      );
      await d.locator('input[type=file]').setInputFiles([
        { name: 'mockup.png', mimeType: 'image/png', buffer: picture },
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') },
      ]);
      // Uploaded side by side: listed in the order the server took them.
      const names = async () => (await files.locator('.attachment-name').allTextContents()).sort();
      await expect.poll(names).toEqual(['mockup.png', 'notes.txt']);
      // The first image is the cover: Bob's card shows it, live, with the count.
      const bobCover = card(bobPage, 'Design review').locator('.card-cover img');
      await expect
        .poll(() => bobCover.getAttribute('src'), { timeout: 10_000 })
        .toMatch(/^\/api\/attachments\/\d+\/thumbnail$/);
      await expect
        .poll(() => card(bobPage, 'Design review').locator('.attachment-chip').textContent())
        .toContain('2');
      expect(await bobCover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(
        0,
      );

      // Drop a file onto the dialog, then paste an image (a screenshot, say).
      await annPage.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['a,b\n1,2\n'], 'data.csv', { type: 'text/csv' }));
        document.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
        document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
      });
      await annPage.evaluate(async () => {
        const canvas = document.createElement('canvas');
        canvas.width = 120;
        canvas.height = 80;
        const ctx = canvas.getContext('2d')!;
        ctx.fillStyle = '#c33';
        ctx.fillRect(0, 0, 120, 80);
        const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'));
        const dt = new DataTransfer();
        dt.items.add(new File([blob], 'image.png', { type: 'image/png' }));
        document.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: dt, cancelable: true }),
        );
      });
      await expect
        .poll(names, { timeout: 10_000 })
        .toEqual(['data.csv', 'image.png', 'mockup.png', 'notes.txt']);

      // Choose the pasted image as the cover; Bob's card follows.
      const pasted = files.locator('.attachment-row', { hasText: 'image.png' });
      await pasted.getByRole('button', { name: 'Make cover' }).click();
      const pastedId = await pasted.getAttribute('data-attachment-id');
      await expect
        .poll(() => bobCover.getAttribute('src'), { timeout: 10_000 })
        .toBe(`/api/attachments/${pastedId}/thumbnail`);

      // Preview the image; download the text file.
      await files.getByRole('button', { name: 'Preview mockup.png' }).click();
      const preview = annPage.locator('.attachment-preview img');
      await expect
        .poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBe(800);
      await shot(annPage, 'attachment-preview', false);
      // Escape closes the preview only, not the card under it.
      await annPage.keyboard.press('Escape');
      await expect.poll(() => annPage.locator('.attachment-preview').count()).toBe(0);
      expect(await d.isVisible()).toBe(true);
      const [download] = await Promise.all([
        annPage.waitForEvent('download'),
        files
          .locator('.attachment-row', { hasText: 'notes.txt' })
          .getByRole('link', { name: 'Download' })
          .click(),
      ]);
      expect(download.suggestedFilename()).toBe('notes.txt');
      await shot(annPage, 'attachments');

      // An uploaded HTML page never runs in the app's origin, even loaded in a frame.
      const evilUrl = await annPage.evaluate(async (taskId) => {
        const res = await fetch(`/api/attachments?task_id=${taskId}&name=evil.html`, {
          method: 'POST',
          headers: { 'content-type': 'text/html' },
          body: '<script>parent.__xss = 1; localStorage.setItem("xss", "1")</script>',
        });
        return ((await res.json()) as { url: string }).url;
      }, task.id);
      await annPage.evaluate((url) => {
        const frame = document.createElement('iframe');
        frame.src = url;
        document.body.append(frame);
      }, evilUrl);
      await annPage.waitForTimeout(1000);
      expect(
        await annPage.evaluate(() => [
          (window as unknown as { __xss?: number }).__xss,
          localStorage.getItem('xss'),
        ]),
      ).toEqual([undefined, null]);

      // Bob deletes the text file (after confirming); Ann's list follows.
      await bobPage.goto(taskUrl(task.id));
      const bobFiles = dialog(bobPage).getByRole('list', { name: 'Files' });
      await bobFiles.getByRole('button', { name: 'Delete notes.txt' }).click();
      await bobPage.getByRole('button', { name: 'Delete file' }).click();
      await expect
        .poll(() => files.locator('.attachment-name').allTextContents(), { timeout: 10_000 })
        .not.toContain('notes.txt');
    });

    it('left no page errors', () => {
      expect(annErrors).toEqual([]);
      expect(bobErrors).toEqual([]);
    });
  },
);

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type BoardDetail, limits } from '@switchboard/core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  api,
  browserTestsEnabled,
  launchBrowser,
  registerAccount,
  signedInContext,
  uniqueName,
} from './support/browser';
import { type E2EStack, startE2EStack } from './support/stack';

/**
 * The web app defects a first-time user met in Chromium (issue 10, items
 * 15–21), each pinned by what the page does, with screenshots in light and
 * dark and at phone width in test-results/.
 */
const resultsDir = path.resolve(import.meta.dirname, '../../../../test-results');
let stack: E2EStack;
let browser: Browser;
let ann: Account;
let bob: Account;
let boardId: number;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  [stack, browser] = await Promise.all([startE2EStack({ instances: 2 }), launchBrowser()]);
  [ann, bob] = await Promise.all([
    registerAccount(stack.url, uniqueName('alan')),
    registerAccount(stack.url, uniqueName('alice')),
  ]);
  const board = await api<BoardDetail>(stack.url, ann, 'POST', '/api/boards', {
    title: 'Polish',
  });
  boardId = board.id;
  await api(stack.url, ann, 'POST', `/api/boards/${boardId}/members`, {
    username: bob.username,
    role: 'editor',
  });
  for (const title of ['Sketch the flow', 'Write the copy']) {
    await api(stack.url, ann, 'POST', '/api/tasks', { board_id: boardId, title });
  }
  context = await signedInContext(browser, stack.url, ann);
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Light and dark at the current size, then light at phone width (390 px) when asked. */
async function screenshots(
  target: Page,
  name: string,
  options: { phone?: () => Promise<void> } = {},
) {
  mkdirSync(resultsDir, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await target.emulateMedia({ colorScheme });
    // Let colour transitions finish.
    await target.waitForTimeout(300);
    await target.screenshot({ path: path.join(resultsDir, `${name}-${colorScheme}.png`) });
  }
  await target.emulateMedia({ colorScheme: 'light' });
  if (options.phone) {
    const size = target.viewportSize();
    await target.setViewportSize({ width: 390, height: 844 });
    await options.phone();
    await target.screenshot({ path: path.join(resultsDir, `${name}-390.png`) });
    if (size) await target.setViewportSize(size);
  }
}

async function openBoard(): Promise<void> {
  await page.goto(`${stack.url}/boards/${boardId}`);
  await page.locator('.conn-live').waitFor({ timeout: 15_000 });
  // The socket can be live before the board has replaced its skeleton.
  await page.locator('section.column').first().waitFor();
}

const column = (title: string) => page.getByRole('region', { name: title, exact: true });
const card = (title: string) => page.locator('.card', { hasText: title }).first();

async function boardDetail(): Promise<BoardDetail> {
  return api<BoardDetail>(stack.url, ann, 'GET', `/api/boards/${boardId}`);
}

/** Is `inner` entirely inside `outer` on screen? */
async function within(inner: Locator, outer: Locator): Promise<boolean> {
  const [a, b] = await Promise.all([inner.boundingBox(), outer.boundingBox()]);
  if (!a || !b) return false;
  return (
    a.x >= b.x - 0.5 &&
    a.y >= b.y - 0.5 &&
    a.x + a.width <= b.x + b.width + 0.5 &&
    a.y + a.height <= b.y + b.height + 0.5
  );
}

describe.skipIf(!browserTestsEnabled)('web app defects (issue 10, items 15–21)', () => {
  it('20: /login and /register log no console error for being signed out', async () => {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const anon = await fresh.newPage();
    const problems: string[] = [];
    anon.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    anon.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await anon.goto(`${stack.url}/login`);
    await anon.getByRole('button', { name: 'Sign in' }).waitFor();
    await anon.goto(`${stack.url}/register`);
    await anon.getByRole('button', { name: 'Create account' }).waitFor();
    await anon.waitForTimeout(300);
    expect(problems).toEqual([]);
    await screenshots(anon, 'register');
    await fresh.close();
  }, 30_000);

  it('15: empty live charts span the last minutes up to now; a drained backend’s actions stay in view', async () => {
    const admin = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await admin.goto(`${stack.url}/backends`);
    await admin.evaluate(
      (token) => sessionStorage.setItem('switchboard.adminToken', token),
      stack.adminToken,
    );
    // Polls pass until one has answered with the backends; later ones wait: the charts
    // then have a single sample and no rate to draw.
    let answered = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await admin.route('**/admin/backends', async (route) => {
      if (answered) await held;
      try {
        const response = await route.fetch();
        if (response.ok()) answered = true;
        await route.fulfill({ response });
      } catch {
        // The page is gone by the time a held poll is let through.
      }
    });
    const drained = await fetch(`${stack.url}/admin/backends/api-1/drain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(drained.ok).toBe(true);
    await admin.goto(`${stack.url}/backends`);
    const row = admin.locator('tr[data-backend="api-1"]');
    await row.getByRole('button', { name: 'Undrain' }).waitFor();
    const charts = admin.locator('.chart');
    await expect.poll(() => charts.count()).toBe(2);
    const now = Date.now() / 1000;
    for (const chart of await charts.all()) {
      await expect.poll(() => chart.getAttribute('data-x-max')).not.toBeNull();
      const min = Number(await chart.getAttribute('data-x-min'));
      const max = Number(await chart.getAttribute('data-x-max'));
      expect(Math.abs(max - now)).toBeLessThan(120);
      expect(max - min).toBeLessThanOrEqual(300);
      expect(max - min).toBeGreaterThan(0);
    }
    await admin.getByText('Collecting samples…').first().waitFor();

    const wrap = admin.locator('.table-wrap');
    const actionsInView = async () => {
      for (const r of await admin.locator('tr[data-backend]').all()) {
        for (const name of [/^(Drain|Undrain)$/, /^Check$/, /^Remove /]) {
          if (!(await within(r.getByRole('button', { name }), wrap))) return false;
        }
      }
      return true;
    };
    expect(await actionsInView()).toBe(true);
    await screenshots(admin, 'admin-drained', {
      phone: async () => {
        await admin.waitForTimeout(200);
        // The page itself never scrolls sideways; the table does, its actions stay put.
        expect(
          await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        ).toBe(true);
        expect(await actionsInView()).toBe(true);
      },
    });
    release();
    await admin.unroute('**/admin/backends');
    await fetch(`${stack.url}/admin/backends/api-1/undrain`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    await admin.close();
  }, 60_000);

  it('21: Markdown task lists keep their check boxes (tickable by writers, issue 13); nothing else gets through', async () => {
    await openBoard();
    await card('Sketch the flow').locator('.card-link').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Add a more detailed description…' }).click();
    await dialog
      .getByLabel('Description (Markdown)')
      .fill(
        [
          'Before launch:',
          '',
          '- [x] Draft the copy',
          '- [ ] Review it',
          '',
          '<input type="text" value="x" onfocus="window.__xss=1">',
          '<input type="checkbox" onclick="window.__xss=2" name="a" form="f" style="width:900px">',
        ].join('\n'),
      );
    await dialog.getByRole('button', { name: 'Save' }).click();
    const boxes = dialog.locator('.markdown input');
    await expect.poll(() => boxes.count()).toBe(3);
    const described = await boxes.evaluateAll((els) =>
      els.map((el) => ({
        type: el.getAttribute('type'),
        checked: (el as HTMLInputElement).checked,
        disabled: (el as HTMLInputElement).disabled,
        attributes: [...el.attributes].map((a) => a.name).sort(),
      })),
    );
    expect(described.map((d) => d.type)).toEqual(['checkbox', 'checkbox', 'checkbox']);
    expect(described.map((d) => d.checked)).toEqual([true, false, false]);
    // The two task-list boxes are live for a writer; the raw HTML one stays read-only.
    expect(described.map((d) => d.disabled)).toEqual([false, false, true]);
    for (const d of described) {
      expect(
        d.attributes.every((a) =>
          ['aria-label', 'checked', 'class', 'disabled', 'type'].includes(a),
        ),
      ).toBe(true);
    }
    await dialog.locator('.markdown li', { hasText: 'Review it' }).waitFor();
    expect(
      await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
    ).toBeUndefined();
    await screenshots(page, 'task-list', {
      phone: async () => {
        await dialog.locator('.markdown li', { hasText: 'Draft the copy' }).waitFor();
      },
    });
    await page.keyboard.press('Escape');
    await page.waitForURL(new RegExp(`/boards/${boardId}$`));
  }, 30_000);

  it('16: the conflict dialog keeps a long unbroken word inside and field names whole', async () => {
    const board = await boardDetail();
    const target = board.tasks.find((t) => t.title === 'Write the copy')!;
    await card('Write the copy').locator('.card-link').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Add a more detailed description…' }).click();
    const long = 'Supercalifragilistic'.repeat(12);
    await dialog.getByLabel('Description (Markdown)').fill(`Mine: ${long}`);
    // Someone else saves first.
    await api(stack.url, bob, 'PATCH', `/api/tasks/${target.id}`, {
      title: `Write the copy ${'x'.repeat(150)}`,
      description: `Theirs: ${long}`,
    });
    await card('Write the copy xxx').waitFor({ timeout: 5000 });
    await dialog.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByRole('dialog', { name: 'Someone else changed this first' });
    await conflict.waitFor({ timeout: 5000 });
    const layout = await conflict.evaluate((el) => {
      const overflowing = [...el.querySelectorAll('p, th, td, h2')]
        .filter((n) => n.scrollWidth > n.clientWidth + 1)
        .map((n) => n.textContent?.slice(0, 30));
      const field = [...el.querySelectorAll('th[scope="row"]')].find(
        (th) => th.textContent === 'Description',
      );
      const range = document.createRange();
      if (field) range.selectNodeContents(field);
      return {
        overflowing,
        dialogFits: el.scrollWidth <= el.clientWidth + 1,
        fieldLines: field ? range.getClientRects().length : 0,
      };
    });
    expect(layout).toEqual({ overflowing: [], dialogFits: true, fieldLines: 1 });
    await screenshots(page, 'conflict-long-word', {
      phone: async () => {
        await conflict.waitFor();
        expect(
          await conflict.evaluate((el) =>
            [...el.querySelectorAll('p, th, td')].every((n) => n.scrollWidth <= n.clientWidth + 1),
          ),
        ).toBe(true);
        for (const button of await conflict.getByRole('button').all()) {
          expect(await within(button, conflict)).toBe(true);
        }
      },
    });
    await conflict.getByRole('button', { name: 'Use the newest version' }).click();
    await expect.poll(() => conflict.count()).toBe(0);
  }, 40_000);

  it('18: the composer stops at the title limit with a counter, and asks before Esc drops a draft', async () => {
    await openBoard();
    const todo = column('To do');
    await todo.getByRole('button', { name: 'Add a task' }).click();
    const composer = todo.getByLabel('New task title in To do');
    await composer.waitFor();
    await page.keyboard.insertText('Plan '.repeat(60));
    expect((await composer.inputValue()).length).toBe(limits.taskTitleMax);
    const counter = todo.locator('.composer-count');
    expect(await counter.textContent()).toBe(`${limits.taskTitleMax} / ${limits.taskTitleMax}`);
    await screenshots(page, 'composer-limit');

    await page.keyboard.press('Escape');
    const ask = todo.getByRole('alertdialog', { name: 'Discard this draft?' });
    await ask.waitFor();
    await screenshots(page, 'composer-discard');
    expect((await composer.inputValue()).length).toBe(limits.taskTitleMax);
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    await expect.poll(() => composer.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await ask.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => composer.count()).toBe(0);
    // Nothing was added on the way.
    expect((await boardDetail()).tasks).toHaveLength(2);

    // An empty composer still closes at once.
    await todo.getByRole('button', { name: 'Add a task' }).click();
    await composer.waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => composer.count()).toBe(0);
  }, 30_000);

  it('17: a full column says no while the card is over it, and the words agree after the drop', async () => {
    const board = await boardDetail();
    const done = board.columns.find((c) => c.title === 'Done')!;
    const doing = board.columns.find((c) => c.title === 'In progress')!;
    await api(stack.url, ann, 'PATCH', `/api/boards/${boardId}/columns/${done.id}`, {
      wip_limit: 1,
    });
    const sketch = board.tasks.find((t) => t.title === 'Sketch the flow')!;
    await api(stack.url, ann, 'PATCH', `/api/tasks/${sketch.id}`, { column_id: done.id });
    const copy = board.tasks.find((t) => t.title.startsWith('Write the copy'))!;
    await api(stack.url, ann, 'PATCH', `/api/tasks/${copy.id}`, { column_id: doing.id });
    await openBoard();
    await expect.poll(() => column('Done').locator('.count').textContent()).toBe('1 / 1');

    const moves: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH' && /\/api\/tasks\/\d+$/.test(r.url())) moves.push(r.url());
    });
    const from = await card('Write the copy').boundingBox();
    const to = await column('Done').locator('.column-body').boundingBox();
    if (!from || !to) throw new Error('card or column not visible');
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2 + 8, from.y + from.height / 2 + 8, { steps: 4 });
    await page.mouse.move(to.x + to.width / 2, to.y + 40, { steps: 20 });
    // Before the drop: the column says it is full, the card stays home, the words agree.
    await column('Done').locator('.wip-refused').waitFor();
    await expect.poll(() => column('Done').getAttribute('class')).toContain('drop-refused');
    expect(await column('Done').locator('.card').count()).toBe(1);
    const live = page.locator('[id^="DndLiveRegion"]');
    await expect.poll(() => live.textContent()).toMatch(/“Done” is at its WIP limit of 1/);
    await screenshots(page, 'wip-refused-drag');
    await page.mouse.up();

    await expect.poll(() => live.textContent()).toMatch(/^Not moved: “Done” is at its WIP limit/);
    expect(await live.textContent()).not.toMatch(/Dropped/);
    await page.getByText('“Done” is at its WIP limit of 1: the task stays where it was.').waitFor();
    expect(moves).toEqual([]);
    expect(
      await column('In progress').locator('.card', { hasText: 'Write the copy' }).count(),
    ).toBe(1);
    expect(await column('Done').getAttribute('class')).not.toContain('drop-refused');
  }, 40_000);

  it('19: the header holds still when “Saving…” or other viewers appear; initials stay legible', async () => {
    await openBoard();
    const header = page.locator('.board-header');
    const positions = () =>
      header.evaluate((el) => {
        const at = (selector: string) => {
          const r = el.querySelector(selector)?.getBoundingClientRect();
          return r ? [Math.round(r.left), Math.round(r.top)] : null;
        };
        return {
          title: at('.title-wrap, .board-title'),
          filter: at('.filter'),
          members: at('.members-button'),
          menu: at('.board-header-group > :last-child'),
        };
      });
    const before = await positions();
    expect(before.title && before.filter && before.members && before.menu).toBeTruthy();

    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/tasks/*', async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    await card('Sketch the flow').getByRole('checkbox').click();
    await header.getByText('Saving…').waitFor();
    expect(await positions()).toEqual(before);
    release();
    await header.getByText('Saving…').waitFor({ state: 'detached' });
    await page.unroute('**/api/tasks/*');

    const bobContext = await signedInContext(browser, stack.url, bob);
    const bobPage = await bobContext.newPage();
    await bobPage.goto(`${stack.url}/boards/${boardId}`);
    await header.locator('.presence .avatar').waitFor({ timeout: 10_000 });
    expect(await positions()).toEqual(before);

    // No avatar (or its ring) covers the initials of the one before it.
    const covered = await header.evaluate((el) => {
      const problems: string[] = [];
      for (const stack of el.querySelectorAll('.avatar-stack')) {
        const avatars = [...stack.children] as HTMLElement[];
        for (let i = 0; i + 1 < avatars.length; i++) {
          const range = document.createRange();
          range.selectNodeContents(avatars[i] as HTMLElement);
          const text = range.getBoundingClientRect();
          const next = (avatars[i + 1] as HTMLElement).getBoundingClientRect();
          const ring = parseFloat(
            getComputedStyle(avatars[i + 1] as HTMLElement)
              .boxShadow.split(' ')
              .at(-1) ?? '0',
          );
          if (text.width > 0 && next.left - (Number.isFinite(ring) ? ring : 0) < text.right) {
            problems.push(`${avatars[i]?.textContent} under ${avatars[i + 1]?.textContent}`);
          }
        }
      }
      return problems;
    });
    expect(covered).toEqual([]);
    await screenshots(page, 'header-presence', {
      phone: async () => {
        await header.waitFor();
        expect(
          await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        ).toBe(true);
      },
    });
    await bobContext.close();
  }, 40_000);
});

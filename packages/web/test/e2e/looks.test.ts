import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BoardDetail } from '@switchboard/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUnsplash, startFakeUnsplash } from '../../../../test-support/fake-unsplash.js';
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
 * Board backgrounds in the browser: Ann (owner) picks a colour, then an
 * Unsplash photo found through the picker's search, while Bob (editor) watches
 * the same board in another browser context and sees each change live. The
 * stack's Unsplash is a local stand-in (UNSPLASH_API_URL); the photos' image
 * URLs stay on images.unsplash.com and are answered by the browser contexts
 * with a drawn landscape, since the machine cannot reach Unsplash.
 * Screenshots: test-results/looks-*.png, light and dark, and at 390 px.
 */
const resultsDir = path.resolve(import.meta.dirname, '../../../../test-results');
let stack: E2EStack;
let browser: Browser;
let fake: FakeUnsplash;
let ann: Account;
let bob: Account;
let board: BoardDetail;
let annPage: Page;
let bobPage: Page;
let annErrors: string[];
let bobErrors: string[];
const imageRequests: string[] = [];

const landscape = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1000" viewBox="0 0 1600 1000">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f7c9a0"/><stop offset="1" stop-color="#6d8fb8"/></linearGradient></defs>
<rect width="1600" height="1000" fill="url(#sky)"/>
<circle cx="1180" cy="260" r="90" fill="#fff3d6"/>
<path d="M0 700 L300 360 L520 620 L800 300 L1100 640 L1350 420 L1600 620 L1600 1000 L0 1000Z" fill="#3c4f6b"/>
<path d="M0 820 L400 600 L760 800 L1100 640 L1600 860 L1600 1000 L0 1000Z" fill="#24384f"/>
<rect y="880" width="1600" height="120" fill="#2d4a5e"/>
</svg>`;

/** Answers images.unsplash.com in a context with the drawn landscape (no egress here). */
async function serveUnsplashImages(context: BrowserContext): Promise<void> {
  await context.route('https://images.unsplash.com/**', async (route) => {
    imageRequests.push(route.request().url());
    await route.fulfill({ status: 200, contentType: 'image/svg+xml', body: landscape });
  });
}

const boardUrl = () => `${stack.url}/boards/${board.id}`;
const boardPage = (page: Page) => page.locator('.board-page');

async function bothOnBoard(): Promise<void> {
  await Promise.all([annPage.goto(boardUrl()), bobPage.goto(boardUrl())]);
  await Promise.all([
    annPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
    bobPage.locator('.conn-live').waitFor({ timeout: 15_000 }),
  ]);
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(resultsDir, `looks-${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function openPicker(page: Page) {
  await page.getByRole('button', { name: 'Board actions' }).click();
  await page.getByRole('menuitem', { name: 'Background…' }).click();
  const picker = page.locator('dialog.background-dialog');
  await picker.waitFor();
  return picker;
}

beforeAll(async () => {
  if (!browserTestsEnabled) return;
  fake = await startFakeUnsplash();
  [stack, browser] = await Promise.all([
    startE2EStack({
      instances: 2,
      env: {
        UNSPLASH_ACCESS_KEY: fake.accessKey,
        UNSPLASH_API_URL: fake.url,
        UNSPLASH_SEARCHES_PER_MINUTE: '1000',
      },
    }),
    launchBrowser(),
  ]);
  ann = await registerAccount(stack.url, uniqueName('ann'));
  bob = await registerAccount(stack.url, uniqueName('bob'));
  board = await api<BoardDetail>(stack.url, ann, 'POST', '/api/boards', { title: 'Holiday' });
  await api(stack.url, ann, 'POST', `/api/boards/${board.id}/members`, {
    username: bob.username,
    role: 'editor',
  });
  const cols = board.columns;
  for (const [i, title] of ['Book flights', 'Pack', 'Find a sitter for the cat'].entries()) {
    await api(stack.url, ann, 'POST', '/api/tasks', {
      board_id: board.id,
      title,
      column_id: cols[i % cols.length]!.id,
    });
  }
  const annContext = await signedInContext(browser, stack.url, ann);
  const bobContext = await signedInContext(browser, stack.url, bob);
  await Promise.all([serveUnsplashImages(annContext), serveUnsplashImages(bobContext)]);
  annPage = await annContext.newPage();
  bobPage = await bobContext.newPage();
  annErrors = watchErrors(annPage);
  bobErrors = watchErrors(bobPage);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await fake?.close();
});

describe.skipIf(!browserTestsEnabled)(
  'board backgrounds in the browser',
  { timeout: 120_000 },
  () => {
    it('a colour picked by Ann shows on her board and live on Bob’s', async () => {
      await bothOnBoard();
      const picker = await openPicker(annPage);
      await picker.getByRole('button', { name: 'Teal' }).click();
      await expect.poll(() => boardPage(annPage).getAttribute('class')).toContain('has-background');
      expect(await boardPage(annPage).getAttribute('style')).toContain('--board-bg: #0F766E');
      await expect
        .poll(() => boardPage(bobPage).getAttribute('style'), { timeout: 10_000 })
        .toContain('--board-bg: #0F766E');
      expect(await picker.getByRole('button', { name: 'Teal' }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      await shot(annPage, 'picker-colour');
      await annPage.keyboard.press('Escape');
      await shot(bobPage, 'colour-bob');

      // A gradient too, then on to photos.
      const again = await openPicker(annPage);
      await again.getByRole('button', { name: 'Dusk' }).click();
      await expect
        .poll(() => boardPage(bobPage).getAttribute('style'), { timeout: 10_000 })
        .toContain('linear-gradient');
      await annPage.keyboard.press('Escape');
      await shot(bobPage, 'gradient-bob');
    });

    it('a photo found through the Unsplash search, with attribution, live on Bob’s board', async () => {
      const picker = await openPicker(annPage);
      await picker.getByRole('searchbox', { name: 'Search photos' }).fill('nature');
      await picker.getByRole('button', { name: 'Search' }).click();
      const tiles = picker.locator('.unsplash-tile');
      await expect.poll(() => tiles.count()).toBe(3);
      const credit = tiles.first().locator('.unsplash-credit');
      expect(await credit.textContent()).toBe('Photo by Ada Peak on Unsplash');
      expect(await credit.getByRole('link', { name: 'Ada Peak' }).getAttribute('href')).toBe(
        'https://unsplash.com/@adapeak?utm_source=switchboard&utm_medium=referral',
      );
      expect(await credit.getByRole('link', { name: 'Unsplash' }).getAttribute('href')).toContain(
        'utm_source=switchboard&utm_medium=referral',
      );
      await shot(annPage, 'picker-search');

      await tiles
        .first()
        .getByRole('button', { name: 'a lake below snowy mountains by Ada Peak' })
        .click();
      await expect
        .poll(() => boardPage(annPage).getAttribute('class'), { timeout: 10_000 })
        .toContain('has-photo');
      await expect
        .poll(() => boardPage(bobPage).getAttribute('class'), { timeout: 10_000 })
        .toContain('has-photo');
      const style = (await boardPage(bobPage).getAttribute('style')) ?? '';
      expect(style).toContain('--board-bg: #2d4a5e');
      expect(style).toContain('https://images.unsplash.com/photo-mtn-Lake_01');
      expect(await bobPage.locator('.board-photo-credit').textContent()).toBe(
        'Photo by Ada Peak on Unsplash',
      );
      expect(fake.downloads('mtn-Lake_01')).toBe(1);
      await expect
        .poll(() => imageRequests.some((u) => u.includes('photo-mtn-Lake_01')))
        .toBe(true);
      await annPage.keyboard.press('Escape');
      await shot(annPage, 'photo-ann');
      await shot(bobPage, 'photo-bob');

      // At 390 px: the board and the picker still fit.
      await bobPage.setViewportSize({ width: 390, height: 844 });
      await shot(bobPage, 'photo-390');
      const narrow = await openPicker(bobPage);
      await narrow.getByRole('searchbox', { name: 'Search photos' }).fill('forest');
      await narrow.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => narrow.locator('.unsplash-tile').count()).toBe(1);
      await shot(bobPage, 'picker-390');
      await bobPage.keyboard.press('Escape');

      // The boards page previews each board's background on its tile.
      await annPage.goto(`${stack.url}/`);
      const tile = annPage.locator('.board-tile', { hasText: 'Holiday' });
      await expect.poll(() => tile.getAttribute('class')).toContain('has-bg');
      await shot(annPage, 'boards-page');

      // No background again: both boards go back to the theme's canvas.
      await annPage.goto(boardUrl());
      await annPage.locator('.conn-live').waitFor({ timeout: 15_000 });
      const last = await openPicker(annPage);
      await last.getByRole('button', { name: 'No background' }).click();
      await expect
        .poll(() => boardPage(bobPage).getAttribute('class'), { timeout: 10_000 })
        .not.toContain('has-background');
      expect(fake.downloads('mtn-Lake_01')).toBe(1);
      expect(annErrors).toEqual([]);
      expect(bobErrors).toEqual([]);
    });
  },
);

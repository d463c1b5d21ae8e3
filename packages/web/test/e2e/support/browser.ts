import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Browser tests need Debian's Chromium (`.ci/run` installs it). Without it they
 * skip, loudly — except in CI, where a missing browser is a failure.
 */
export const browserTestsEnabled = existsSync(executablePath) || process.env.CI === 'true';
if (!browserTestsEnabled) {
  console.warn(
    `SKIPPING browser tests: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export interface Account {
  id: number;
  username: string;
  token: string;
}

/** Registers over the API (faster than the form, which has its own test). */
export async function registerAccount(baseUrl: string, username: string): Promise<Account> {
  const res = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  if (res.status !== 201)
    throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: number }; token: string };
  return { id: body.user.id, username, token: body.token };
}

/** A browser context signed in as `account` (its session cookie set). */
export async function signedInContext(
  browser: Browser,
  baseUrl: string,
  account: Account,
  viewport = { width: 1400, height: 860 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.addCookies([{ name: 'sb_session', value: account.token, url: baseUrl }]);
  return context;
}

/** Collects page errors so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|404|409|422)/.test(m.text())) {
      errors.push(`console: ${m.text()}`);
    }
  });
  return errors;
}

export async function api<T>(
  baseUrl: string,
  account: Account,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${account.token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const uniqueName = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 8)}`;

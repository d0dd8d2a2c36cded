// Debian's Chromium driven by playwright-core for the console's tests: headless, no sandbox (root in CI), no
// network but 127.0.0.1 (the background services Chromium calls are off), a fresh profile each time; CSP
// violations and page errors collected so that a test can require none.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Browser tests run where Chromium is installed, and must run in CI (.ci/run installs it). */
export const haveBrowser = existsSync(CHROMIUM) || process.env.CI === 'true';

export interface Watched {
  page: Page;
  /** CSP violations and uncaught page errors, as the browser reported them */
  problems: string[];
}

export async function launch(): Promise<{ browser: Browser; close(): Promise<void> }> {
  // playwright gives each launch a fresh temporary profile of its own
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export async function watchedPage(browser: Browser, viewport = { width: 1400, height: 900 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Watched> {
  // the system's colour scheme as the page sees it (prefers-color-scheme); light unless a test asks for dark
  const ctx = await browser.newContext({ viewport, colorScheme });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply|evaluate|connect)/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`error: ${e.message}`));
  // anything but this server is refused (the console fetches nothing from elsewhere)
  await ctx.route((url) => !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url.href), (r) => {
    problems.push(`off-host request: ${r.request().url()}`);
    return r.abort();
  });
  return { page, problems };
}

/** Opens `path` of the console and logs in through its form as `user` (the page then shows `path`). */
export async function loginInPage(page: Page, base: string, path: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

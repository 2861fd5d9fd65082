// Real headless Chromium for tests, found the same way the product finds it, but always the full
// browser (the product prefers the headless shell, which has no back/forward cache: the simulated
// portal's tests of caching need the browser that has one).
import type { Browser } from 'playwright-core';
import { findBrowser } from '../../src/browser/find-browser.ts';
import { launchChromium } from '../../src/browser/launch.ts';

export function launchTestBrowser(): Promise<Browser> {
  const { executablePath } = findBrowser(process.env.BROWSER_PATH || undefined);
  return launchChromium({ headless: process.env.HEADLESS !== 'false', executablePath });
}

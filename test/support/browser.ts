// Real headless Chromium for tests, found the same way the product finds it.
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../src/browser/launch.ts';

export function launchTestBrowser(): Promise<Browser> {
  return launchChromium({ headless: process.env.HEADLESS !== 'false' });
}

import type { Page } from 'playwright-core';
import { settleWithin } from '../engine/time-limits.ts';
import { targetIdOf } from './page-target.ts';

/** How long a close may take before the browser is asked again. */
const ASK_AGAIN_AFTER_MS = 1000;
/** Times the browser is asked again before the page is given up (it then lives until its context closes). */
const MAX_ASKS_AGAIN = 8;

/**
 * Closes `page`; true once it is closed. Chromium can acknowledge a close that meets a navigation
 * commit without closing anything, and Playwright then waits for ever (and never asks again): such
 * a page, its renderer process and its memory would stay until the browser ends. So the browser is
 * asked again, every second, a few times. Bounded: at most about 25 s (each ask is bounded too).
 */
export async function closePage(page: Page): Promise<boolean> {
  if (page.isClosed()) return true;
  const closing = page.close().catch(() => undefined);
  for (let asked = 0; asked <= MAX_ASKS_AGAIN; asked += 1) {
    if (await settleWithin(closing, ASK_AGAIN_AFTER_MS)) return page.isClosed();
    if (asked < MAX_ASKS_AGAIN) await settleWithin(askBrowserToClose(page), 2 * ASK_AGAIN_AFTER_MS);
  }
  return page.isClosed();
}

async function askBrowserToClose(page: Page): Promise<void> {
  const browser = page.context().browser();
  if (!browser || page.isClosed()) return;
  try {
    const targetId = await targetIdOf(page);
    if (!targetId) return;
    const browserSession = await browser.newBrowserCDPSession();
    await browserSession.send('Target.closeTarget', { targetId }).catch(() => undefined);
    await browserSession.detach().catch(() => undefined);
  } catch {
    // The page went away meanwhile, or this browser speaks no CDP: nothing more to ask.
  }
}

import type { Page } from 'playwright-core';
import { withTimeout } from '../engine/time-limits.ts';

/** Learning a tab's id may take this long; without it, callers take the slower way. */
const LEARN_TIMEOUT_MS = 2000;

const known = new WeakMap<Page, Promise<string | null>>();

/**
 * The DevTools target id of `page` (the id the browser knows the tab by, which Playwright does not
 * show), learned once per page; null when this browser does not tell it within 2 s.
 */
export function targetIdOf(page: Page): Promise<string | null> {
  let id = known.get(page);
  if (!id) {
    id = withTimeout(learn(page), LEARN_TIMEOUT_MS, 'learning the tab id').catch(() => null);
    known.set(page, id);
  }
  return id;
}

async function learn(page: Page): Promise<string | null> {
  const session = await page.context().newCDPSession(page);
  try {
    const { targetInfo } = (await session.send('Target.getTargetInfo')) as { targetInfo: { targetId: string } };
    return targetInfo.targetId;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

// Code that runs inside the portal's pages, through plain `page.evaluate`.
//
// Why not Playwright's locators and waitForFunction here: each of them needs Playwright's injected
// script, built again in every new document (a vehicle page, a popup), and waitForFunction looks
// again only 100 ms after a navigation, while element waits back off to one look every 500 ms.
// On the hot path of every vehicle that added up to more CPU than the page itself and to half a
// second of latency. Each function below is self-contained: it is sent to the page as source.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { TaskFailure } from '../../engine/failure.ts';

/** Something a page shows: an element by CSS selector, or a button by its text. */
export type Target = string | { button: string };

export type Landing = 'expected' | 'login' | 'license';

export interface LandingQuery {
  expected: Target;
  /** `expected` counts only while nothing matches this selector (rows still marked stale, say). */
  without?: string;
  login: string;
  license: string;
  /** How long to look, in ms. */
  ms: number;
}

/** Resolves with what the page shows (the license page, the login form, or `expected`), or null after `ms`. */
function landingIn(query: LandingQuery): Promise<Landing | null> {
  const shown = (element: Element | null | undefined) =>
    !!element && element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
  const find = (target: Target) =>
    typeof target === 'string'
      ? document.querySelector(target)
      : [...document.querySelectorAll('button, input[type="button"], input[type="submit"]')].find(
          (element) =>
            ((element as HTMLElement).innerText || (element as HTMLInputElement).value || '').trim() === target.button,
        );
  const look = (): Landing | null => {
    if (shown(find(query.license))) return 'license';
    if (shown(find(query.login))) return 'login';
    if (query.without && document.querySelector(query.without)) return null;
    // While the document is still parsing, its scripts (the grid's functions) may not be there yet.
    if (document.readyState === 'loading') return null;
    return shown(find(query.expected)) ? 'expected' : null;
  };
  // Looks again when the document changes (and every 250 ms, for changes no mutation reports),
  // instead of polling: waiting tabs then cost the CPU almost nothing.
  return new Promise((resolve) => {
    let settled = false;
    const finish = (found: Landing | null) => {
      if (settled) return;
      settled = true;
      observer.disconnect();
      clearInterval(every);
      clearTimeout(deadline);
      document.removeEventListener('readystatechange', check);
      resolve(found);
    };
    const check = () => {
      const found = look();
      if (found) finish(found);
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    document.addEventListener('readystatechange', check);
    const every = setInterval(check, 250);
    const deadline = setTimeout(() => finish(look()), query.ms);
    check();
  });
}

/** Resolves with the document's title once it starts with `prefix`, or null after `ms`. */
function titleIn({ prefix, ms }: { prefix: string; ms: number }): Promise<string | null> {
  const end = Date.now() + ms;
  return new Promise((resolve) => {
    const tick = () => {
      if (document.title.startsWith(prefix)) resolve(document.title);
      else if (Date.now() >= end) resolve(null);
      else setTimeout(tick, 15);
    };
    tick();
  });
}

const NAVIGATED = /Execution context was destroyed|navigat|Cannot find context/i;
const AFTER_NAVIGATION_MS = 25;
/** One look inside the page lasts at most this long, so an ended attempt stops looking soon. */
const LOOK_SLICE_MS = 2000;

export interface Look {
  timeoutMs: number;
  /** Names the wait in the failure message. */
  what: string;
  /** Stops looking at once (the attempt is over). */
  signal?: AbortSignal;
}

/**
 * Runs a looking function in the page until it finds something, looking again in the new
 * document whenever the page navigates meanwhile. Throws a hang failure after `timeoutMs`.
 */
async function lookInPage<A, R>(page: Page, look: (arg: A & { ms: number }) => Promise<R | null>, arg: A, wait: Look) {
  const deadline = Date.now() + wait.timeoutMs;
  for (let left = wait.timeoutMs; left > 0; left = deadline - Date.now()) {
    wait.signal?.throwIfAborted();
    try {
      // The generic signature of evaluate cannot follow A through its Unboxed<> mapping.
      const found = await page.evaluate(look as (arg: unknown) => Promise<R | null>, {
        ...arg,
        ms: Math.min(left, LOOK_SLICE_MS),
      });
      if (found !== null) return found as R;
    } catch (error) {
      if (!(error instanceof Error) || !NAVIGATED.test(error.message)) throw error;
      await sleep(AFTER_NAVIGATION_MS); // a page that keeps navigating must not make this spin
    }
  }
  throw new TaskFailure('hang', `${wait.what}: nothing happened within ${Math.round(wait.timeoutMs / 1000)} s`);
}

export function awaitLanding(page: Page, query: Omit<LandingQuery, 'ms'>, wait: Look): Promise<Landing> {
  return lookInPage(page, landingIn, query, wait);
}

export function awaitTitle(page: Page, prefix: string, wait: Look): Promise<string> {
  return lookInPage(page, titleIn, { prefix }, wait);
}

/** Dispatches a click on the first element matching `target`. False when there is none. */
export function clickIn(page: Page, target: Target): Promise<boolean> {
  return page.evaluate((wanted) => {
    const element =
      typeof wanted === 'string'
        ? document.querySelector(wanted)
        : [...document.querySelectorAll('button, input[type="button"], input[type="submit"]')].find(
            (candidate) =>
              ((candidate as HTMLElement).innerText || (candidate as HTMLInputElement).value || '').trim() ===
              wanted.button,
          );
    (element as HTMLElement | null)?.click();
    return !!element;
  }, target);
}

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

/**
 * Something a page shows: an element by CSS selector, or a button by its text; `attached`: an
 * element by CSS selector that counts once it is in the document, shown or not.
 */
export type Target = string | { button: string } | { attached: string };

export type Landing = 'expected' | 'login' | 'license';

export interface LandingQuery {
  expected: Target;
  /** `expected` counts only while nothing matches this selector (rows still marked stale, say). */
  without?: string;
  /** The login form and the license checkbox: when shown, the page is that one instead. */
  login?: string;
  license?: string;
  /** How long to look, in ms. */
  ms: number;
}

/** Nothing was found within the look, in a document loaded this many ms ago. */
interface Loaded {
  loadedMs: number;
}

/**
 * Resolves with what the page shows (the license page, the login form, or `expected`); after `ms`
 * with how long ago the document finished loading, or null while it is still loading.
 */
function landingIn(query: LandingQuery): Promise<Landing | Loaded | null> {
  const shown = (element: Element | null | undefined) =>
    !!element && element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
  const find = (target: Target) =>
    typeof target === 'string'
      ? document.querySelector(target)
      : 'attached' in target
        ? document.querySelector(target.attached)
        : [...document.querySelectorAll('button, input[type="button"], input[type="submit"]')].find(
            (element) =>
              ((element as HTMLElement).innerText || (element as HTMLInputElement).value || '').trim() ===
              target.button,
          );
  const loaded = (): Loaded | null => {
    if (document.readyState !== 'complete') return null;
    const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const end = entry?.loadEventEnd ?? 0;
    return { loadedMs: end > 0 ? performance.now() - end : 0 };
  };
  const look = (): Landing | null => {
    if (query.license && shown(find(query.license))) return 'license';
    if (query.login && shown(find(query.login))) return 'login';
    if (query.without && document.querySelector(query.without)) return null;
    // While the document is still parsing, its scripts (the grid's functions) may not be there yet.
    if (document.readyState === 'loading') return null;
    const expected = query.expected;
    if (typeof expected === 'object' && 'attached' in expected) return find(expected) ? 'expected' : null;
    return shown(find(expected)) ? 'expected' : null;
  };
  // Looks again when the document changes (and every 250 ms, for changes no mutation reports),
  // instead of polling: waiting tabs then cost the CPU almost nothing.
  return new Promise((resolve) => {
    let settled = false;
    const finish = (found: Landing | Loaded | null) => {
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
    const deadline = setTimeout(() => finish(look() ?? loaded()), query.ms);
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

/** When a page counts as settled: loaded and without network activity for `quietMs`. */
export interface Settle {
  quietMs: number;
  /** How long the page has had no request in flight (0 while one is). */
  quietForMs(): number;
}

/** Looks are this short while a page may settle, so that settling is seen soon. */
const SETTLE_SLICE_MS = 500;

/**
 * Waits until the page shows `expected`, the login form or the license checkbox and says which.
 * With `settle`: 'settled' when none of them shows on a page that loaded and has been quiet (no
 * request in flight, no navigation) for `settle.quietMs`. Throws a hang failure after `timeoutMs`.
 */
export async function awaitLanding(
  page: Page,
  query: Omit<LandingQuery, 'ms'>,
  wait: Look,
  settle?: Settle,
): Promise<Landing | 'settled'> {
  const deadline = Date.now() + wait.timeoutMs;
  for (let left = wait.timeoutMs; left > 0; left = deadline - Date.now()) {
    wait.signal?.throwIfAborted();
    const ms = Math.min(left, settle ? SETTLE_SLICE_MS : LOOK_SLICE_MS);
    let found: Landing | Loaded | null;
    try {
      found = await page.evaluate(landingIn, { ...query, ms });
    } catch (error) {
      if (!(error instanceof Error) || !NAVIGATED.test(error.message)) throw error;
      await sleep(AFTER_NAVIGATION_MS);
      continue;
    }
    if (typeof found === 'string') return found;
    if (settle && found && found.loadedMs >= settle.quietMs && settle.quietForMs() >= settle.quietMs) return 'settled';
  }
  throw new TaskFailure('hang', `${wait.what}: nothing happened within ${Math.round(wait.timeoutMs / 1000)} s`);
}

export function awaitTitle(page: Page, prefix: string, wait: Look): Promise<string> {
  return lookInPage(page, titleIn, { prefix }, wait);
}

/** The window property where `keepReportAddress` keeps the address. */
const KEPT = 'bookoutReportAddress';

/**
 * From now on, a `window.open` of this document for an address that contains `part` keeps the
 * address (absolute) instead of opening a tab, and returns null as a blocked popup does; so does a
 * click on a link to such an address that would open a new tab (its default action is cancelled;
 * the page's own click handlers still run). Every other address opens as before. Called again, it
 * forgets the kept address.
 */
function keepAddressesOf({ part, kept }: { part: string; kept: string }): void {
  const store = window as unknown as Record<string, { address: string | null }>;
  if (store[kept]) {
    store[kept].address = null;
    return;
  }
  const slot = { address: null as string | null };
  Object.defineProperty(window, kept, { value: slot });
  const isReport = (address: string) => address.toLowerCase().includes(part.toLowerCase());
  const keep = (address: string) => {
    slot.address = new URL(address, location.href).href;
    window.dispatchEvent(new Event(kept));
  };
  const open = window.open;
  window.open = function (this: Window, url?: string | URL, target?: string, features?: string) {
    const address = url === undefined ? '' : String(url);
    if (!isReport(address)) return open.call(this, url, target, features);
    keep(address);
    return null;
  };
  const sameTab = ['', '_self', '_parent', '_top'];
  window.addEventListener(
    'click',
    (event) => {
      const link = event.composedPath().find((node) => node instanceof HTMLAnchorElement);
      if (!link || link.hasAttribute('download') || !isReport(link.href)) return;
      const target = link.target || document.querySelector('base[target]')?.getAttribute('target') || '';
      if (sameTab.includes(target.toLowerCase())) return; // it would load in this tab: not a report tab
      event.preventDefault();
      keep(link.href);
    },
    true,
  );
}

/** Resolves with the address `keepAddressesOf` kept, or null after `ms`. */
function keptAddressIn({ kept, ms }: { kept: string; ms: number }): Promise<string | null> {
  const slot = (window as unknown as Record<string, { address: string | null } | undefined>)[kept];
  return new Promise((resolve) => {
    if (slot?.address) return resolve(slot.address);
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener(kept, done);
      resolve(slot?.address ?? null);
    };
    const timer = setTimeout(done, ms);
    window.addEventListener(kept, done);
  });
}

/** Makes `page` keep report addresses containing `part` instead of opening a tab for them (see keepAddressesOf). */
export async function keepReportAddress(page: Page, part: string): Promise<void> {
  await page.evaluate(keepAddressesOf, { part, kept: KEPT });
}

/** The address `keepReportAddress` kept once the page asked to open it. Throws a hang failure after the timeout. */
export function awaitReportAddress(page: Page, wait: Look): Promise<string> {
  return lookInPage(page, keptAddressIn, { kept: KEPT }, wait);
}

/** Dispatches a click on the first element matching `target`. False when there is none. */
export function clickIn(page: Page, target: string | { button: string }): Promise<boolean> {
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

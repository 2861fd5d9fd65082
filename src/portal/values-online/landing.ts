import type { Page, Request, Response } from 'playwright-core';
import { failureFromNetworkError, failureFromStatus } from '../../browser/web-failures.ts';
import { TaskFailure } from '../../engine/failure.ts';
import { awaitLanding, type Landing, type Look, type Target } from './in-page.ts';
import { missingFact, settleOf, TAB_SETTLE_MS } from './page-facts.ts';
import { SELECTORS, type FactName } from './selectors.ts';

export type { Landing, Target } from './in-page.ts';

/**
 * While an action runs, turns an error answer into a rejection: an HTTP error or network failure
 * of the tab's main document or of an AJAX call (the grid's callbacks), and a network failure of
 * one of the portal's scripts (they define the grid's and the reports' functions). Requests to
 * other sites (analytics and the like) are not the portal's and are ignored.
 */
export function watchForErrors(page: Page, what: string): { failed: Promise<never>; stop(): void } {
  let reject: (failure: TaskFailure) => void = () => undefined;
  const failed = new Promise<never>((_, fail) => (reject = fail));
  failed.catch(() => undefined);
  const isMainDocument = (request: Request) => request.isNavigationRequest() && request.frame() === page.mainFrame();
  const isPortal = (request: Request) => sameOrigin(request.url(), page.url());
  const isAjax = (request: Request) => ['xhr', 'fetch'].includes(request.resourceType()) && isPortal(request);
  const isScript = (request: Request) => request.resourceType() === 'script' && isPortal(request);
  const onResponse = (response: Response) => {
    const request = response.request();
    if (!isMainDocument(request) && !isAjax(request)) return;
    const failure = failureFromStatus(response.status(), response.headers(), what);
    if (failure) reject(failure);
  };
  const onRequestFailed = (request: Request) => {
    const errorText = request.failure()?.errorText ?? '';
    // ERR_ABORTED: a navigation replaced by another one or by a download; not a failure.
    if (errorText.includes('ERR_ABORTED')) return;
    if (isMainDocument(request) || isAjax(request) || isScript(request))
      reject(failureFromNetworkError(errorText, what));
  };
  page.on('response', onResponse);
  page.on('requestfailed', onRequestFailed);
  return {
    failed,
    stop: () => {
      page.off('response', onResponse);
      page.off('requestfailed', onRequestFailed);
    },
  };
}

/**
 * A wait started before the action that should end it (a navigation, a popup, a download). Marked
 * as handled, so that when the action fails first the wait's own later timeout cannot crash the process.
 */
export function armed<V>(wait: Promise<V>): Promise<V> {
  wait.catch(() => undefined);
  return wait;
}

/** Runs `action` and rejects as soon as the page gets an error answer. */
export async function failFastOnErrors<V>(page: Page, what: string, action: () => Promise<V>): Promise<V> {
  const watch = watchForErrors(page, what);
  try {
    return await Promise.race([action(), watch.failed]);
  } finally {
    watch.stop();
  }
}

export interface LandingWait {
  timeoutMs: number;
  /** `expected` counts only while nothing matches this selector (rows still marked stale, say). */
  without?: string;
  signal?: AbortSignal;
  /**
   * The fact of section A that `expected` is. With it, a page that loaded and stays quiet for
   * `settleMs` (default TAB_SETTLE_MS) without it is 'settled' instead of waited on until the timeout.
   */
  fact?: FactName;
  settleMs?: number;
  /** Look for `expected` alone (not for the login form and the license checkbox). */
  only?: boolean;
}

/**
 * Waits until the page shows `expected` (and nothing matches `without`), the login form or the
 * license checkbox, and says which; 'settled' when it loaded without any (only with `wait.fact`).
 * Looks again in the new document when the page navigates.
 */
export function waitForLanding(page: Page, expected: Target, wait: LandingWait): Promise<Landing | 'settled'> {
  const what = `waiting for ${
    typeof expected === 'string'
      ? expected
      : 'attached' in expected
        ? expected.attached
        : `the ${expected.button} button`
  }`;
  const others = wait.only ? {} : { login: SELECTORS.username, license: SELECTORS.licenseCheckbox };
  const query = { expected, without: wait.without, ...others };
  const look: Look = { timeoutMs: wait.timeoutMs, what, signal: wait.signal };
  const settle = wait.fact ? settleOf(page, wait.settleMs ?? TAB_SETTLE_MS) : undefined;
  return awaitLanding(page, query, look, settle);
}

/** 'login' or 'license' when `html` is that page of the portal (an answer that should have been something else). */
export function portalPageIn(html: string): Exclude<Landing, 'expected'> | null {
  if (html.includes(SELECTORS.licenseCheckbox.slice(1))) return 'license';
  if (html.includes(SELECTORS.username.slice(1)) && html.includes(SELECTORS.password.slice(1))) return 'login';
  return null;
}

/** The failure for landing on the login or license page in the middle of the work. */
export function sessionLost(landing: Exclude<Landing, 'expected'>, where: string): TaskFailure {
  return landing === 'login'
    ? new TaskFailure('session', `${where}: the portal showed the login page (the session ended)`)
    : new TaskFailure('session', `${where}: the portal showed the license page again`);
}

/**
 * `waitForLanding` that insists on `expected`: a session failure on the login or license page; with
 * `wait.fact`, a PageChanged failure naming it when the page settled without it.
 */
export async function expectLanding(page: Page, expected: Target, where: string, wait: LandingWait): Promise<void> {
  const landing = await waitForLanding(page, expected, wait);
  if (landing === 'settled') throw await missingFact(page, wait.fact!, where);
  if (landing !== 'expected') throw sessionLost(landing, where);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { closePage } from '../../browser/close-page.ts';
import { TaskFailure } from '../../engine/failure.ts';
import { settleWithin } from '../../engine/time-limits.ts';
import { LoginRefused, type Credentials, type PortalEvents, type SignInResult } from '../portal.ts';
import { clearFilters } from './inventory-page.ts';
import type { Landing } from './in-page.ts';
import { armed, expectLanding, failFastOnErrors, waitForLanding } from './landing.ts';
import { followActivity, missingFact, SESSION_SETTLE_MS } from './page-facts.ts';
import { ACTIVE_SESSION_TEXT, PATHS, SELECTORS } from './selectors.ts';

/** Tries to log out before giving up (the next run then takes the session back). */
const LOGOUT_ATTEMPTS = 4;
/** Closing the control tab may take this long (a tab that never closes goes with the browser). */
const CLOSE_CONTROL_TAB_MS = 5000;

export interface SessionDeps {
  origin: string;
  credentials: Credentials;
  newPage: () => Promise<Page>;
  isBrowserAlive: () => boolean;
  events: PortalEvents;
  timeoutMs: number;
}

/**
 * The one login shared by every tab. Uses its own control tab for login, the license page,
 * the inventory export and logout.
 */
export class ValuesOnlineSession {
  #deps: SessionDeps;
  #page: Page | null = null;
  #loggingOut: Promise<void> | null = null;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
  }

  url(path: string): string {
    return new URL(path, this.#deps.origin).toString();
  }

  /** The control tab, opened again when it was closed (for example by a browser relaunch). */
  async controlPage(): Promise<Page> {
    if (!this.#page || this.#page.isClosed()) {
      this.#page = await this.#deps.newPage();
      this.#page.setDefaultTimeout(this.#deps.timeoutMs);
      followActivity(this.#page);
    }
    return this.#page;
  }

  /** Closes the control tab while the worker tabs do the work (it opens again when needed): one renderer less. */
  async closeControlPage(): Promise<void> {
    const page = this.#page;
    this.#page = null;
    if (page) await settleWithin(closePage(page), CLOSE_CONTROL_TAB_MS);
  }

  /**
   * Ends on the inventory page with a live session: uses restored cookies when they are still
   * valid, otherwise logs in (once), and ticks the license page when it shows up.
   */
  async ensureSignedIn(): Promise<SignInResult> {
    const page = await this.controlPage();
    let loggedIn = false;
    for (let round = 0; round < 4; round += 1) {
      const landing = await this.openInventory(page);
      if (landing === 'expected') return loggedIn ? 'logged-in' : 'already';
      if (landing === 'license') {
        await this.acceptLicense(page);
      } else {
        if (loggedIn) throw new TaskFailure('fatal', 'the portal showed the login page again right after a login');
        await this.login(page);
        loggedIn = true;
      }
    }
    throw new TaskFailure('fatal', 'could not reach the inventory page after login and license');
  }

  /**
   * Opens the inventory and says where it landed: the inventory, the license page or the login
   * form. A page that loaded without any of them throws (PageChanged, naming what is missing).
   */
  async openInventory(page: Page, timeoutMs = this.#deps.timeoutMs): Promise<Landing> {
    return this.#open(page, PATHS.inventory, SELECTORS.stockNumberInput, 'stockNumberInput', timeoutMs);
  }

  async #open(
    page: Page,
    path: string,
    expected: string,
    fact: 'stockNumberInput' | 'logoutButton',
    timeoutMs: number,
  ): Promise<Landing> {
    const where = fact === 'logoutButton' ? 'logging out' : 'opening the inventory';
    return failFastOnErrors(page, where, async () => {
      await page.goto(this.url(path), { waitUntil: 'domcontentloaded', timeout: timeoutMs });
      const landing = await waitForLanding(page, expected, { timeoutMs, fact, settleMs: SESSION_SETTLE_MS });
      if (landing === 'settled') throw await missingFact(page, fact, where);
      return landing;
    });
  }

  /** Opens the start page (the login form) unless the page shows the form already; every field must be there. */
  async openLoginForm(page: Page): Promise<void> {
    const timeoutMs = this.#deps.timeoutMs;
    if (!(await page.locator(SELECTORS.username).isVisible())) {
      await failFastOnErrors(page, 'opening the login page', () =>
        page.goto(this.url(PATHS.start), { waitUntil: 'domcontentloaded', timeout: timeoutMs }),
      );
    }
    for (const fact of ['username', 'password', 'loginButton'] as const) {
      const wait = { timeoutMs, fact, settleMs: SESSION_SETTLE_MS, only: true };
      await expectLanding(page, SELECTORS[fact], 'opening the login page', wait);
    }
  }

  /** One login attempt, verified. The session is reported open the moment the portal accepts it. */
  async login(page: Page): Promise<void> {
    await this.openLoginForm(page);
    await page.locator(SELECTORS.username).fill(this.#deps.credentials.username);
    await page.locator(SELECTORS.password).fill(this.#deps.credentials.password);
    this.#deps.events.loginSent();
    await failFastOnErrors(page, 'logging in', async () => {
      const navigated = armed(this.#mainFrameNavigation(page));
      await page.locator(SELECTORS.loginButton).click();
      await navigated;
      await page.waitForLoadState('domcontentloaded');
    });
    if (await page.locator(SELECTORS.username).isVisible()) throw this.#refusal(await page.locator('body').innerText());
    await this.#deps.events.sessionOpened();
    this.#deps.events.info('logged in');
  }

  #mainFrameNavigation(page: Page) {
    const isMain = (frame: unknown) => frame === page.mainFrame();
    return page.waitForEvent('framenavigated', { predicate: isMain, timeout: this.#deps.timeoutMs });
  }

  #refusal(pageText: string): LoginRefused {
    const said = portalMessage(pageText);
    const quote = said ? ` The portal said: "${said}"` : '';
    if (ACTIVE_SESSION_TEXT.test(pageText)) {
      return new LoginRefused(
        'active-session',
        'The portal refused the login: this user already has an active session (another bookout run, or someone ' +
          `logged in in a browser). Log out there, or wait about 5 minutes, then run again.${quote}`,
      );
    }
    return new LoginRefused(
      'credentials',
      'The portal refused the user name or password (JD_USER / JD_PASS). bookout tried once only, so the account ' +
        `is not locked; correct them and run again.${quote}`,
    );
  }

  /** Ticking the box navigates by itself: click, then wait for that navigation (never verify the tick). */
  async acceptLicense(page: Page): Promise<void> {
    await failFastOnErrors(page, 'accepting the license', async () => {
      const navigated = armed(this.#mainFrameNavigation(page));
      await page.locator(SELECTORS.licenseCheckbox).click();
      await navigated;
      await page.waitForLoadState('domcontentloaded');
    });
    this.#deps.events.info('accepted the license agreement');
  }

  /**
   * Waits until the portal answers HTTP again (any status), probing its start page with growing
   * pauses (1 s doubling to 30 s) and saying once a minute what it does. Fatal after `maxMs`;
   * rejects at once when `signal` aborts.
   */
  async waitUntilReachable(probe: () => Promise<void>, maxMs: number, signal?: AbortSignal): Promise<void> {
    const started = Date.now();
    const deadline = started + maxMs;
    let saidAt = 0;
    for (let pause = 1000; ; pause = Math.min(pause * 2, 30_000)) {
      signal?.throwIfAborted();
      try {
        return await probe();
      } catch {
        const now = Date.now();
        if (now + pause > deadline) {
          throw new TaskFailure('fatal', `the portal could not be reached for ${Math.round(maxMs / 60_000)} minutes`);
        }
        if (now - saidAt >= 60_000) {
          saidAt = now;
          this.#deps.events.info(waitingLine(this.#deps.origin, pause, deadline));
        }
        await sleep(pause, undefined, { signal });
      }
    }
  }

  /**
   * Logs out of whatever session the browser holds (a few tries if the portal is disturbed), within
   * `withinMs` in all. Safe at any time, also after errors: it does not trust what this process
   * believes (a login whose answer never came may still have opened a session), it asks the portal.
   */
  logout(withinMs: number): Promise<void> {
    // One logout at a time: a second caller (a second Ctrl-C) waits for the first one, within its own limit.
    this.#loggingOut ??= this.#logoutWithin(withinMs).finally(() => {
      this.#loggingOut = null;
    });
    return withinTime(this.#loggingOut, withinMs);
  }

  async #logoutWithin(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#logoutOnce(Math.max(500, Math.min(this.#deps.timeoutMs, deadline - Date.now())));
      } catch (error) {
        const asked = error instanceof TaskFailure ? error.retryAfterMs : undefined;
        const wait = Math.min(asked ?? 1000 * attempt, 30_000);
        const changed = error instanceof TaskFailure && error.kind === 'changed'; // no try will find it
        if (changed || attempt >= LOGOUT_ATTEMPTS || !this.#deps.isBrowserAlive() || Date.now() + wait >= deadline)
          throw error;
        // A session left open locks the next run out: worth a few tries, as slowly as the portal asks.
        await sleep(wait);
      }
    }
  }

  async #logoutOnce(timeoutMs: number): Promise<void> {
    if (!this.#deps.isBrowserAlive()) return;
    const page = await this.controlPage();
    // The logout button is in the header of every page: logging out needs nothing else of the inventory.
    const open = () => this.#open(page, PATHS.inventory, SELECTORS.logoutButton, 'logoutButton', timeoutMs);
    let landing = await open();
    if (landing === 'license') {
      await this.acceptLicense(page);
      landing = await open();
    }
    if (landing === 'login') return; // no session open
    // Leave the grid as a person expects it: the filter the tabs set is stored on the server.
    if (timeoutMs > 10_000) await clearFilters(page, timeoutMs, false).catch(() => false);
    await failFastOnErrors(page, 'logging out', async () => {
      await page.locator(SELECTORS.logoutButton).click({ timeout: timeoutMs });
      await page.locator(SELECTORS.username).waitFor({ state: 'visible', timeout: timeoutMs });
    });
    this.#deps.events.info('logged out');
  }
}

/** `work`, or a failure after `ms` (the work goes on). */
async function withinTime(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TaskFailure('hang', `logging out took longer than ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function waitingLine(origin: string, pauseMs: number, deadline: number): string {
  const until = new Date(deadline).toTimeString().slice(0, 5);
  return `the portal cannot be reached at ${origin}; trying again in ${Math.round(pauseMs / 1000)} s, giving up at ${until}`;
}

/** A short excerpt of what the login page said. */
function portalMessage(pageText: string): string {
  const line = pageText
    .split('\n')
    .map((text) => text.trim())
    .find((text) => /active session|invalid|incorrect|failed|locked|try again/i.test(text));
  return line ? line.slice(0, 200) : '';
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import type { BrowserHost } from '../browser/browser-host.ts';
import { UserError } from '../errors.ts';
import { TaskFailure } from '../engine/failure.ts';
import { toAscii } from '../ui/text.ts';
import { clearFilters, exportInventoryCsv } from './inventory-page.ts';
import { armed, failFastOnErrors, waitForLanding } from './landing.ts';
import { ACTIVE_SESSION_TEXT, PATHS, SELECTORS } from './selectors.ts';

/** Tries to log out before giving up (the next run then takes the session back). */
const LOGOUT_ATTEMPTS = 4;

export interface Credentials {
  username: string;
  password: string;
}

/** The portal refused the login. Never retried: a second wrong attempt could lock the account. */
export class LoginRefused extends UserError {
  override name = 'LoginRefused';
  readonly reason: 'credentials' | 'active-session';
  constructor(reason: 'credentials' | 'active-session', message: string) {
    super(message, 3);
    this.reason = reason;
  }
}

export interface SessionEvents {
  info(message: string): void;
}

/**
 * The one login shared by every tab. Uses its own control tab for login, the license page,
 * the inventory export and logout.
 */
export class PortalSession {
  readonly origin: string;
  #host: BrowserHost;
  #credentials: Credentials;
  #events: SessionEvents;
  #timeoutMs: number;
  #page: Page | null = null;
  logins = 0;
  recoveries = 0;

  constructor(host: BrowserHost, origin: string, credentials: Credentials, events: SessionEvents, timeoutMs = 60_000) {
    this.#host = host;
    this.origin = origin;
    this.#credentials = credentials;
    this.#events = events;
    this.#timeoutMs = timeoutMs;
  }

  url(path: string): string {
    return new URL(path, this.origin).toString();
  }

  /** The control tab, opened again when it was closed (for example by a browser relaunch). */
  async controlPage(): Promise<Page> {
    if (!this.#page || this.#page.isClosed()) this.#page = await this.#host.newPage();
    return this.#page;
  }

  /** Closes the control tab while the worker tabs do the work (it opens again when needed): one renderer less. */
  async closeControlPage(): Promise<void> {
    const page = this.#page;
    this.#page = null;
    await page?.close().catch(() => undefined);
  }

  /**
   * Ends on the inventory page with a live session: uses restored cookies when they are still
   * valid, otherwise logs in (once), and ticks the license page when it shows up.
   */
  async ensureSignedIn(): Promise<'already' | 'logged-in'> {
    const page = await this.controlPage();
    let loggedIn = false;
    for (let round = 0; round < 4; round += 1) {
      const landing = await this.#openInventory(page);
      if (landing === 'expected') {
        await this.#host.rememberCookies();
        return loggedIn ? 'logged-in' : 'already';
      }
      if (landing === 'license') {
        await this.#acceptLicense(page);
      } else {
        if (loggedIn)
          throw new TaskFailure('fatal', 'the portal showed the login page again right after a successful login');
        await this.#login(page);
        loggedIn = true;
      }
    }
    throw new TaskFailure('fatal', 'could not reach the inventory page after login and license');
  }

  /** The engine's session recovery: called once while every tab waits. */
  async recover(): Promise<void> {
    this.recoveries += 1;
    const result = await this.ensureSignedIn();
    this.#events.info(
      result === 'logged-in' ? 'signed in again; all tabs resume' : 'session checked and fine; all tabs resume',
    );
  }

  /**
   * Waits until the portal answers HTTP again (any status), probing its start page with growing
   * pauses (1 s doubling to 30 s). Fatal after `maxMs`; rejects at once when `signal` aborts.
   */
  async waitUntilReachable(maxMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + maxMs;
    for (let pause = 1000; ; pause = Math.min(pause * 2, 30_000)) {
      signal?.throwIfAborted();
      try {
        const answer = await this.#host.context.request.get(this.url(PATHS.start), {
          timeout: 10_000,
          maxRedirects: 0,
          failOnStatusCode: false,
        });
        await answer.dispose();
        return;
      } catch {
        if (Date.now() + pause > deadline) {
          throw new TaskFailure('fatal', `the portal could not be reached for ${Math.round(maxMs / 60_000)} minutes`);
        }
        await sleep(pause, undefined, { signal });
      }
    }
  }

  /** Clears the grid's stored filters (the export follows them), then exports all columns as CSV to `path`. */
  async exportInventory(path: string, timeoutMs: number): Promise<{ clearedFilter: boolean }> {
    await this.ensureSignedIn();
    const page = await this.controlPage();
    const clearedFilter = await clearFilters(page, this.#timeoutMs);
    await exportInventoryCsv(page, path, timeoutMs);
    return { clearedFilter };
  }

  async #openInventory(page: Page) {
    return failFastOnErrors(page, 'opening the inventory', async () => {
      await page.goto(this.url(PATHS.inventory), { waitUntil: 'domcontentloaded', timeout: this.#timeoutMs });
      return waitForLanding(page, SELECTORS.stockNumberInput, this.#timeoutMs);
    });
  }

  /** One login attempt, verified. */
  async #login(page: Page): Promise<void> {
    if (!(await page.locator(SELECTORS.username).isVisible())) {
      await failFastOnErrors(page, 'opening the login page', () =>
        page.goto(this.url(PATHS.start), { waitUntil: 'domcontentloaded', timeout: this.#timeoutMs }),
      );
    }
    await page.locator(SELECTORS.username).fill(this.#credentials.username);
    await page.locator(SELECTORS.password).fill(this.#credentials.password);
    this.logins += 1;
    await failFastOnErrors(page, 'logging in', async () => {
      const navigated = armed(
        page.waitForEvent('framenavigated', {
          predicate: (frame) => frame === page.mainFrame(),
          timeout: this.#timeoutMs,
        }),
      );
      await page.locator(SELECTORS.loginButton).click();
      await navigated;
      await page.waitForLoadState('domcontentloaded');
    });
    if (await page.locator(SELECTORS.username).isVisible()) throw this.#refusal(await page.locator('body').innerText());
    this.#events.info('logged in');
  }

  #refusal(pageText: string): LoginRefused {
    const said = portalMessage(pageText);
    if (ACTIVE_SESSION_TEXT.test(pageText)) {
      return new LoginRefused(
        'active-session',
        'The portal refused the login: this user already has an active session (another bookout run, or someone logged in ' +
          `in a browser). Log out there, or wait about 5 minutes, then run again.${said ? ` The portal said: "${said}"` : ''}`,
      );
    }
    return new LoginRefused(
      'credentials',
      'The portal refused the user name or password (JD_USER / JD_PASS). bookout tried once only, so the account is not ' +
        `locked; correct them in .env and run again.${said ? ` The portal said: "${said}"` : ''}`,
    );
  }

  /** Ticking the box navigates by itself: click, then wait for that navigation (never verify the tick). */
  async #acceptLicense(page: Page): Promise<void> {
    await failFastOnErrors(page, 'accepting the license', async () => {
      const navigated = armed(
        page.waitForEvent('framenavigated', {
          predicate: (frame) => frame === page.mainFrame(),
          timeout: this.#timeoutMs,
        }),
      );
      await page.locator(SELECTORS.licenseCheckbox).click();
      await navigated;
      await page.waitForLoadState('domcontentloaded');
    });
    this.#events.info('accepted the license agreement');
  }

  /**
   * Logs out of whatever session the browser holds (a few tries if the portal is disturbed). Safe at
   * any time, also after errors: it does not trust what this process believes (a login whose answer
   * never came may still have opened a session), it asks the portal.
   */
  async logout(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#logoutOnce();
      } catch (error) {
        if (attempt >= LOGOUT_ATTEMPTS || !this.#host.isAlive()) throw error;
        // A session left open locks the next run out: worth a few tries, as slowly as the portal asks.
        const asked = error instanceof TaskFailure ? error.retryAfterMs : undefined;
        await sleep(Math.min(asked ?? 1000 * attempt, 30_000));
      }
    }
  }

  async #logoutOnce(): Promise<void> {
    if (!this.#host.isAlive()) return;
    const page = await this.controlPage();
    const landing = await this.#openInventory(page);
    if (landing === 'license') await this.#acceptLicense(page);
    if (landing !== 'login') {
      if (landing === 'license') await this.#openInventory(page);
      // Leave the grid as a person expects it: the filter the tabs set is stored on the server.
      await clearFilters(page, this.#timeoutMs).catch(() => false);
      await failFastOnErrors(page, 'logging out', async () => {
        await page.locator(SELECTORS.logoutButton).click({ timeout: this.#timeoutMs });
        await page.locator(SELECTORS.username).waitFor({ state: 'visible', timeout: this.#timeoutMs });
      });
      this.#events.info('logged out');
    }
  }
}

/** A short, printable excerpt of what the login page said. */
function portalMessage(pageText: string): string {
  const line = pageText
    .split('\n')
    .map((text) => text.trim())
    .find((text) => /active session|invalid|incorrect|failed|locked|try again/i.test(text));
  return line ? toAscii(line).slice(0, 200) : '';
}

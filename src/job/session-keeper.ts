import type { AccountBrowser } from '../browser/browser-host.ts';
import { messageOf } from '../engine/failure.ts';
import type { SessionVault } from '../session/session-store.ts';
import type { Log } from '../ui/console.ts';
import { SESSION_SAVE_EVERY_MS } from './policy.ts';

/**
 * Keeps the account's open portal session in the per-user session store: put back into the browser
 * at start (a session an earlier run could not close), saved the moment a login is accepted and
 * again every minute, forgotten at logout. Its failures are logged, never fatal.
 */
export class SessionKeeper {
  #store: SessionVault;
  #host: AccountBrowser;
  #log: Log;
  #timer: NodeJS.Timeout | undefined;
  #warned = false;
  #restored = false;
  #opened = false;

  constructor(store: SessionVault, host: AccountBrowser, log: Log) {
    this.#store = store;
    this.#host = host;
    this.#log = log;
  }

  /** Puts a saved session's cookies into the browser. True when there was one. */
  async restore(): Promise<boolean> {
    const cookies = await this.#store.load();
    if (!cookies) return false;
    this.#restored = true;
    await this.#host.restoreCookies(cookies);
    this.#log.detail('put back the portal session of an earlier run');
    return true;
  }

  /**
   * False while no session can be open: none was put back and no login was even tried (the portal
   * was never reached, say). Then there is nothing to log out of.
   */
  get mayHaveSession(): boolean {
    return this.#restored || this.#opened;
  }

  /** True once a login was sent in this process (whatever its answer). */
  get loginSent(): boolean {
    return this.#opened;
  }

  /** A login is about to be sent: from now on a session may be open, whatever the answer. */
  loginTried(): void {
    this.#opened = true;
  }

  async save(): Promise<void> {
    try {
      const cookies = await this.#host.rememberCookies();
      if (cookies.length > 0) await this.#store.save(cookies);
    } catch (error) {
      if (!this.#warned) this.#log.warn(`could not save the portal session (${messageOf(error)})`);
      this.#warned = true;
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.save(), SESSION_SAVE_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The session is closed: nothing of it stays. */
  async forget(): Promise<void> {
    try {
      await this.#store.clear();
    } catch (error) {
      this.#log.warn(`could not delete the saved portal session ${this.#store.where} (${messageOf(error)})`);
    }
  }
}

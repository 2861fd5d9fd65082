import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { settleWithin } from '../engine/time-limits.ts';
import { launchChromium, type LaunchOptions } from './launch.ts';
import { RequestInterceptor } from './request-interceptor.ts';

/** Closing the browser may take this long; after that bookout goes on without waiting for it. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Owns the one browser and its one context (one login shared by all tabs). When the browser
 * dies, `relaunch()` starts a new one and puts the last known cookies back, so the session
 * survives without a second login.
 */
export class BrowserHost {
  readonly options: LaunchOptions;
  /** Request rules of the browser; they carry over to a relaunched one. */
  readonly interceptor = new RequestInterceptor();
  #browser: Browser | null = null;
  #context: BrowserContext | null = null;
  #cookies: Cookie[] = [];
  #closing = false;

  constructor(options: LaunchOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    this.#browser = await launchChromium(this.options);
    this.#context = await this.#browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    this.#context.setDefaultTimeout(60_000);
    await this.interceptor.attach(this.#browser);
    if (this.#cookies.length > 0) await this.#context.addCookies(this.#cookies);
  }

  /** Starts the browser unless it runs (a start that failed half-way is cleaned up first). */
  async ensureStarted(): Promise<void> {
    if (this.isAlive() && this.#context) return;
    await this.#closeBrowser();
    await this.start();
  }

  /** True while the browser process is connected. */
  isAlive(): boolean {
    return !!this.#browser?.isConnected() && !this.#closing;
  }

  get context(): BrowserContext {
    if (!this.#context) throw new Error('the browser is not started');
    return this.#context;
  }

  newPage(): Promise<Page> {
    return this.context.newPage();
  }

  /** The context's cookies now (remembered, so a relaunch can restore them). */
  async rememberCookies(): Promise<Cookie[]> {
    if (this.isAlive()) this.#cookies = await this.context.cookies();
    return this.#cookies;
  }

  /** Puts cookies into the context (and keeps them for a relaunch), for example a saved session. */
  async restoreCookies(cookies: Cookie[]): Promise<void> {
    this.#cookies = cookies;
    if (this.#context) await this.#context.addCookies(cookies);
  }

  /** Closes what is left of the browser and starts a new one with the remembered cookies. */
  async relaunch(): Promise<void> {
    await this.#closeBrowser();
    await this.start();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#closeBrowser();
  }

  async #closeBrowser(): Promise<void> {
    const browser = this.#browser;
    this.#browser = null;
    this.#context = null;
    if (browser) await settleWithin(browser.close(), CLOSE_TIMEOUT_MS);
  }
}

import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { launchChromium, type LaunchOptions } from './launch.ts';
import { RequestInterceptor, type InterceptorOptions } from './request-interceptor.ts';

/**
 * Owns the one browser and its one context (one login shared by all tabs). When the browser
 * dies, `relaunch()` starts a new one and puts the last known cookies back, so the session
 * survives without a second login.
 */
export class BrowserHost {
  readonly options: LaunchOptions;
  #browser: Browser | null = null;
  #context: BrowserContext | null = null;
  /** Request rules of the browser; they carry over to a relaunched one. */
  readonly interceptor: RequestInterceptor;
  #cookies: Cookie[] = [];
  #closing = false;
  relaunches = 0;

  constructor(options: LaunchOptions, interceptorOptions: InterceptorOptions = {}) {
    this.options = options;
    this.interceptor = new RequestInterceptor(interceptorOptions);
  }

  async start(): Promise<void> {
    this.#browser = await launchChromium(this.options);
    this.#context = await this.#browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    this.#context.setDefaultTimeout(60_000);
    await this.interceptor.attach(this.#browser, this.#context);
    if (this.#cookies.length > 0) await this.#context.addCookies(this.#cookies);
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

  /** Copies the context's cookies so a relaunch can restore them. Call after login. */
  async rememberCookies(): Promise<Cookie[]> {
    if (this.isAlive()) this.#cookies = await this.context.cookies();
    return this.#cookies;
  }

  /** Cookies to restore, for example from a previous process. */
  setCookies(cookies: Cookie[]): void {
    this.#cookies = cookies;
  }

  /** Closes what is left of the browser and starts a new one with the remembered cookies. */
  async relaunch(): Promise<void> {
    await this.#closeBrowser();
    this.relaunches += 1;
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
    await browser?.close().catch(() => undefined);
  }
}

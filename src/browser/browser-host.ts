import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { settleWithin } from '../engine/time-limits.ts';
import { launchChromium, type LaunchOptions } from './launch.ts';
import { InterceptionHub, type RequestInterceptor } from './request-interceptor.ts';

/** Closing the browser may take this long; after that bookout goes on without waiting for it. */
const CLOSE_TIMEOUT_MS = 5000;

/** One account's view of the browser: its own context (its cookie jar is the session) and request rules. */
export interface AccountBrowser {
  /** Request rules of this context; they carry over to a relaunched browser. */
  readonly interceptor: RequestInterceptor;
  readonly context: BrowserContext;
  /** Launches the browser if needed and opens the context. */
  start(): Promise<void>;
  /** Starts unless the browser runs with the context open (a start that failed half-way is cleaned up first). */
  ensureStarted(): Promise<void>;
  /** True while the browser process is connected and the context open. */
  isAlive(): boolean;
  /** The context's cookies now (remembered, so a relaunch can restore them). */
  rememberCookies(): Promise<Cookie[]>;
  /** Puts cookies into the context (and keeps them for a relaunch), for example a saved session. */
  restoreCookies(cookies: Cookie[]): Promise<void>;
  /** The browser died: a new one with every context's remembered cookies (once, whoever asks). */
  relaunch(): Promise<void>;
  /** This account is done with the browser. */
  close(): Promise<void>;
}

/**
 * One context of the host's browser, for one account. When the browser dies, the host relaunches
 * it once for all accounts and opens every context again with its last known cookies, so each
 * session survives without a second login.
 */
export class HostedContext implements AccountBrowser {
  readonly interceptor: RequestInterceptor;
  #host: BrowserHost;
  #context: BrowserContext | null = null;
  #cookies: Cookie[] = [];
  /** The host's browser generation this context was opened in (-1: not open). */
  #generation = -1;
  #closed = false;

  constructor(host: BrowserHost, interceptor: RequestInterceptor) {
    this.#host = host;
    this.interceptor = interceptor;
  }

  get context(): BrowserContext {
    if (!this.#context) throw new Error('the browser is not started');
    return this.#context;
  }

  get generation(): number {
    return this.#generation;
  }

  async start(): Promise<void> {
    this.#closed = false;
    await this.#host.openContexts(this);
  }

  async ensureStarted(): Promise<void> {
    if (this.isAlive()) return;
    await this.start();
  }

  isAlive(): boolean {
    return this.#host.isAlive() && this.#context !== null && !this.#closed;
  }

  async rememberCookies(): Promise<Cookie[]> {
    if (this.isAlive()) this.#cookies = await this.context.cookies();
    return this.#cookies;
  }

  async restoreCookies(cookies: Cookie[]): Promise<void> {
    this.#cookies = cookies;
    if (this.#context) await this.#context.addCookies(cookies);
  }

  /** Nothing to do when the browser already runs again (another account had it relaunched). */
  async relaunch(): Promise<void> {
    if (this.isAlive()) return;
    await this.#host.relaunchShared();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#host.closeContext(this);
  }

  /** Opens this context in `browser` (the host's, generation `generation`) with its remembered cookies. */
  async open(browser: Browser, generation: number): Promise<BrowserContext> {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(60_000);
    try {
      if (this.#cookies.length > 0) await context.addCookies(this.#cookies);
    } catch (error) {
      await settleWithin(context.close(), CLOSE_TIMEOUT_MS); // no half-open context left behind
      throw error;
    }
    this.#context = context;
    this.#generation = generation;
    return context;
  }

  /** The browser went away (closed or relaunching): the context with it. */
  drop(): BrowserContext | null {
    const context = this.#context;
    this.#context = null;
    this.#generation = -1;
    return context;
  }
}

/**
 * Owns the one browser and its contexts: one per account, each its own login shared by that
 * account's tabs. Used directly it is one account's browser (its first context, made on first
 * use), as a single run needs; `openContext()` adds the context of another account.
 */
export class BrowserHost implements AccountBrowser {
  readonly options: LaunchOptions;
  #hub = new InterceptionHub();
  #browser: Browser | null = null;
  #generation = 0;
  #contexts = new Set<HostedContext>();
  #first: HostedContext | undefined;
  #launching: Promise<void> | null = null;
  /** Contexts are opened one at a time: which DevTools id a new one got is told by what is new. */
  #opening: Promise<unknown> = Promise.resolve();
  #closing = false;

  constructor(options: LaunchOptions) {
    this.options = options;
  }

  /** The context of one more account (opened by its `start()`). */
  openContext(): HostedContext {
    const hosted = new HostedContext(this, this.#hub.rules());
    this.#contexts.add(hosted);
    return hosted;
  }

  #firstContext(): HostedContext {
    this.#first ??= this.openContext();
    return this.#first;
  }

  /** Request rules of the first context; they carry over to a relaunched browser. */
  get interceptor(): RequestInterceptor {
    return this.#firstContext().interceptor;
  }

  get context(): BrowserContext {
    return this.#firstContext().context;
  }

  /** Launches the browser and opens the first context. */
  async start(): Promise<void> {
    await this.openContexts(this.#firstContext());
  }

  /** Starts the browser and the first context unless they run (a start that failed half-way is cleaned up first). */
  ensureStarted(): Promise<void> {
    return this.#firstContext().ensureStarted();
  }

  /** True while the browser process is connected. */
  isAlive(): boolean {
    return !!this.#browser?.isConnected() && !this.#closing;
  }

  newPage(): Promise<Page> {
    return this.context.newPage();
  }

  rememberCookies(): Promise<Cookie[]> {
    return this.#firstContext().rememberCookies();
  }

  restoreCookies(cookies: Cookie[]): Promise<void> {
    return this.#firstContext().restoreCookies(cookies);
  }

  /** Closes what is left of the browser and starts a new one with every context's remembered cookies. */
  relaunch(): Promise<void> {
    return this.relaunchShared();
  }

  /** A relaunch already under way (asked for by another account) is joined: one relaunch for all. */
  relaunchShared(): Promise<void> {
    if (this.#launching) return this.#launching;
    this.#launching = (async () => {
      await this.#closeBrowser();
      await this.#launch();
    })().finally(() => {
      this.#launching = null;
    });
    return this.#launching;
  }

  /** Launches the browser when none runs, then opens `hosted` in it when it is not open. */
  async openContexts(hosted: HostedContext): Promise<void> {
    this.#closing = false;
    this.#contexts.add(hosted);
    if (this.#launching) await this.#launching;
    if (!this.isAlive()) {
      this.#launching = this.#launch().finally(() => {
        this.#launching = null;
      });
      await this.#launching;
    }
    if (hosted.generation !== this.#generation) await this.#openOne(hosted);
  }

  /** A launch that fails half-way closes what it started: the next start begins from nothing. */
  async #launch(): Promise<void> {
    const browser = await launchChromium(this.options);
    this.#browser = browser;
    this.#generation += 1;
    try {
      await this.#hub.attach(browser);
      for (const hosted of this.#contexts) await this.#openOne(hosted);
    } catch (error) {
      await this.#closeBrowser();
      throw error;
    }
  }

  #openOne(hosted: HostedContext): Promise<void> {
    const browser = this.#browser;
    if (!browser) throw new Error('the browser is not started');
    const generation = this.#generation;
    const opening = this.#opening.then(async () => {
      if (hosted.generation === generation) return;
      const before = new Set(await this.#hub.contextIds());
      await hosted.open(browser, generation);
      const id = (await this.#hub.contextIds()).find((candidate) => !before.has(candidate));
      if (id) this.#hub.bind(hosted.interceptor, id);
    });
    this.#opening = opening.catch(() => undefined);
    return opening;
  }

  /** One account is done: its context closes, the browser stays for the others. */
  async closeContext(hosted: HostedContext): Promise<void> {
    if (hosted === this.#first) return this.close();
    this.#contexts.delete(hosted);
    this.#hub.remove(hosted.interceptor);
    const context = hosted.drop();
    if (context) await settleWithin(context.close(), CLOSE_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#closeBrowser();
  }

  async #closeBrowser(): Promise<void> {
    const browser = this.#browser;
    this.#browser = null;
    for (const hosted of this.#contexts) hosted.drop();
    if (browser) await settleWithin(browser.close(), CLOSE_TIMEOUT_MS);
  }
}

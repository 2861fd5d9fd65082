import type { Browser, BrowserContext, CDPSession } from 'playwright-core';

/** DevTools resource types (the ones bookout names; DevTools has a few more). */
export type ResourceType =
  | 'Document'
  | 'Stylesheet'
  | 'Image'
  | 'Media'
  | 'Font'
  | 'Script'
  | 'XHR'
  | 'Fetch'
  | 'Other';

export interface FetchedResponse {
  url: string;
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A document request the browser was about to send, held back for a taker. */
export interface TakenRequest {
  url: string;
  /** Sends the request once, from node with the browser's cookies (redirects followed). */
  fetch(): Promise<FetchedResponse>;
}

/** Takes a held request and returns the HTML page the browser shows instead. */
export type RequestTaker = (request: TakenRequest) => Promise<string>;

interface PausedEvent {
  requestId: string;
  request: { url: string; headers: Record<string, string> };
  resourceType: ResourceType;
}

export interface InterceptorOptions {
  /** How long a taken request may take. Default 180000 ms. */
  fetchTimeoutMs?: number;
}

/**
 * Request interception for the whole browser, through one browser-level DevTools session (the
 * Fetch domain). Playwright's routes are not used on purpose: with a route, Playwright turns the
 * HTTP cache off (every page would load all its scripts again from the portal) and sends every
 * request of every tab through node. Here the browser pauses only what a rule names: resource
 * types to block, and document requests, of which the ones whose URL matches are taken.
 *
 * A taken request is sent from node, through the context's request API (same cookie jar): it then
 * does not hold one of the browser's six connections per host while the server works on it.
 *
 * Rules survive a relaunch: `attach` applies them to each new browser.
 */
export class RequestInterceptor {
  readonly fetchTimeoutMs: number;
  #session: CDPSession | null = null;
  #context: BrowserContext | null = null;
  #blockedTypes: ResourceType[] = [];
  #take: { url: RegExp; taker: RequestTaker } | null = null;

  constructor(options: InterceptorOptions = {}) {
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 180_000;
  }

  /** Starts intercepting in `browser` (whose pages live in `context`) with the current rules. */
  async attach(browser: Browser, context: BrowserContext): Promise<void> {
    this.#context = context;
    this.#session = await browser.newBrowserCDPSession();
    this.#session.on('Fetch.requestPaused', (event) => void this.#onPaused(event as PausedEvent));
    await this.#apply();
  }

  /** Fails requests of these DevTools resource types (Image, Stylesheet, Font, Media...) from now on. */
  async block(types: readonly ResourceType[]): Promise<void> {
    this.#blockedTypes = [...types];
    await this.#apply();
  }

  /** Document requests whose URL matches `url` go to `taker`; the browser shows the page it returns. */
  async takeDocuments(url: RegExp, taker: RequestTaker): Promise<void> {
    this.#take = { url, taker };
    await this.#apply();
  }

  async #apply(): Promise<void> {
    if (!this.#session) return;
    const types = [...this.#blockedTypes, ...(this.#take ? ['Document' as const] : [])];
    await this.#session.send('Fetch.enable', {
      patterns: types.map((resourceType) => ({ resourceType, requestStage: 'Request' as const })),
    });
  }

  async #onPaused(event: PausedEvent): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      if (this.#blockedTypes.includes(event.resourceType)) {
        await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' });
      } else if (event.resourceType === 'Document' && this.#take?.url.test(event.request.url)) {
        const page = await this.#take.taker({ url: event.request.url, fetch: () => this.#fetch(event) });
        await session.send('Fetch.fulfillRequest', {
          requestId: event.requestId,
          responseCode: 200,
          responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
          body: Buffer.from(page).toString('base64'),
        });
      } else {
        await session.send('Fetch.continueRequest', { requestId: event.requestId });
      }
    } catch {
      // The tab closed meanwhile (its request is gone), or the browser is going away; if the
      // request still waits, let it fail rather than hang.
      await session
        .send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Failed' })
        .catch(() => undefined);
    }
  }

  async #fetch(event: PausedEvent): Promise<FetchedResponse> {
    if (!this.#context) throw new Error('the browser is not started');
    const referer = event.request.headers.Referer ?? event.request.headers.referer;
    const response = await this.#context.request.get(event.request.url, {
      headers: referer ? { referer } : {},
      maxRedirects: 10,
      failOnStatusCode: false,
      timeout: this.fetchTimeoutMs,
    });
    try {
      return {
        url: response.url(),
        status: response.status(),
        headers: response.headers(),
        body: await response.body(),
      };
    } finally {
      await response.dispose(); // otherwise Playwright keeps every body in memory until the context closes
    }
  }
}

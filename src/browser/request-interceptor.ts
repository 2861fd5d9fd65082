import type { Browser, CDPSession } from 'playwright-core';

/** DevTools resource types (the ones bookout names; DevTools has a few more). */
export type ResourceType = 'Document' | 'Stylesheet' | 'Image' | 'Media' | 'Font' | 'Script' | 'XHR' | 'Fetch' | 'Other';

/** A document response held back before the browser uses it. */
export interface HeldResponse {
  url: string;
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body(): Promise<Buffer>;
}

/** Takes a held response and returns the HTML page the browser shows instead. */
export type ResponseTaker = (response: HeldResponse) => Promise<string>;

interface PausedEvent {
  requestId: string;
  networkId?: string;
  request: { url: string };
  resourceType: ResourceType;
  responseStatusCode?: number;
  responseHeaders?: Array<{ name: string; value: string }>;
}

/**
 * Request interception for the whole browser, through one browser-level DevTools session (the
 * Fetch domain). Playwright's routes are not used on purpose: with a route, Playwright turns the
 * HTTP cache off (every page would load all its scripts again from the portal) and sends every
 * request of every tab through node. Here the browser pauses only what a rule names: resource
 * types to block, and documents, so that the responses of one kind of URL can be taken.
 *
 * Rules survive a relaunch: `attach` applies them to each new browser.
 */
export class RequestInterceptor {
  #session: CDPSession | null = null;
  #blockedTypes: ResourceType[] = [];
  #take: { url: RegExp; taker: ResponseTaker } | null = null;
  /** Network ids of taken requests the server redirected: the next hop is taken too. */
  #redirected = new Set<string>();

  /** Starts intercepting in `browser` with the current rules. */
  async attach(browser: Browser): Promise<void> {
    this.#session = await browser.newBrowserCDPSession();
    this.#session.on('Fetch.requestPaused', (event) => void this.#onPaused(event as PausedEvent));
    await this.#apply();
  }

  /** Fails requests of these DevTools resource types (Image, Stylesheet, Font, Media...) from now on. */
  async block(types: readonly ResourceType[]): Promise<void> {
    this.#blockedTypes = [...types];
    await this.#apply();
  }

  /**
   * Document responses whose URL matches `url` (after any redirects) go to `taker` instead of the
   * browser, which shows the page `taker` returns. One request reaches the server, made by the
   * browser itself with its cookies.
   */
  async takeDocuments(url: RegExp, taker: ResponseTaker): Promise<void> {
    this.#take = { url, taker };
    await this.#apply();
  }

  async #apply(): Promise<void> {
    if (!this.#session) return;
    const patterns = [
      ...this.#blockedTypes.map((resourceType) => ({ resourceType, requestStage: 'Request' as const })),
      ...(this.#take ? [{ resourceType: 'Document' as const, requestStage: 'Response' as const }] : []),
    ];
    await this.#session.send('Fetch.enable', { patterns });
  }

  async #onPaused(event: PausedEvent): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      if (event.responseStatusCode === undefined) {
        if (this.#blockedTypes.includes(event.resourceType)) await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' });
        else await session.send('Fetch.continueRequest', { requestId: event.requestId });
        return;
      }
      if (!this.#isTaken(event)) {
        await session.send('Fetch.continueRequest', { requestId: event.requestId });
        return;
      }
      await this.#takeResponse(session, event);
    } catch {
      // The tab closed meanwhile (its request is gone), or the browser is going away; if the
      // request still waits, let it fail rather than hang.
      await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Failed' }).catch(() => undefined);
    }
  }

  #isTaken(event: PausedEvent): boolean {
    if (!this.#take) return false;
    const hop = event.networkId !== undefined && this.#redirected.delete(event.networkId);
    return hop || this.#take.url.test(event.request.url);
  }

  async #takeResponse(session: CDPSession, event: PausedEvent): Promise<void> {
    const status = event.responseStatusCode!;
    const headers = Object.fromEntries((event.responseHeaders ?? []).map((header) => [header.name.toLowerCase(), header.value]));
    if (status >= 300 && status < 400 && headers.location && event.networkId) {
      this.#redirected.add(event.networkId);
      await session.send('Fetch.continueRequest', { requestId: event.requestId });
      return;
    }
    const body = async () => {
      const result = await session.send('Fetch.getResponseBody', { requestId: event.requestId });
      return Buffer.from(result.body, result.base64Encoded ? 'base64' : 'utf8');
    };
    const page = await this.#take!.taker({ url: event.request.url, status, headers, body });
    await session.send('Fetch.fulfillRequest', {
      requestId: event.requestId,
      responseCode: 200,
      responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
      body: Buffer.from(page).toString('base64'),
    });
  }
}

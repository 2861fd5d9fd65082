import { randomUUID } from 'node:crypto';
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

/** A document request the browser was about to send, held back: to be sent once, by whoever claims it. */
export interface HeldRequest {
  url: string;
  /** The browser's request headers (for the referer). */
  headers: Record<string, string>;
}

export interface FetchedResponse {
  url: string;
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A held request's tab shows a page whose title is this prefix and the request's token. */
export const HELD_TITLE_PREFIX = 'bookout-held:';
/** A held request nobody claimed (its tab was closed meanwhile) is dropped after this long. */
const UNCLAIMED_TTL_MS = 120_000;

interface PausedEvent {
  requestId: string;
  request: { url: string; headers: Record<string, string> };
  resourceType: ResourceType;
}

/**
 * Request interception for the whole browser, through one browser-level DevTools session (the
 * Fetch domain). Playwright's routes are not used on purpose: with a route, Playwright turns the
 * HTTP cache off (every page would load all its scripts again) and sends every request of every
 * tab through node. Here the browser pauses only what a rule names: resource types to block, and
 * the document requests whose URL contains a held part; everything else never waits for node.
 *
 * A held request is not sent by the browser: its tab shows a small page whose title carries a
 * token, and the code that owns that tab claims the request by the token and sends it itself, with
 * the cookies of the tab's own context (so each account's reports go with its own session), from
 * node, where it does not hold one of the browser's six connections per host while the server works.
 *
 * Rules survive a relaunch: `attach` applies them to each new browser.
 */
export class RequestInterceptor {
  #session: CDPSession | null = null;
  #blockedTypes: ResourceType[] = [];
  /** Parts of the URLs of document requests to hold. */
  #heldParts: string[] = [];
  #held = new Map<string, HeldRequest>();

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

  /** Document requests whose URL contains `part` are held from now on (see the class comment). */
  async holdDocuments(part: string): Promise<void> {
    if (this.#heldParts.includes(part)) return;
    this.#heldParts.push(part);
    await this.#apply();
  }

  /** The held request behind `token` (read from its tab's title), once; undefined when unknown or expired. */
  claim(token: string): HeldRequest | undefined {
    const held = this.#held.get(token);
    this.#held.delete(token);
    return held;
  }

  async #apply(): Promise<void> {
    if (!this.#session) return;
    // Only what a rule names pauses: every other request (other documents included) goes on unseen.
    const blocked = this.#blockedTypes.map((resourceType) => ({ resourceType, requestStage: 'Request' as const }));
    const held = this.#heldParts.map((part) => ({
      urlPattern: `*${part}*`,
      resourceType: 'Document' as const,
      requestStage: 'Request' as const,
    }));
    await this.#session.send('Fetch.enable', { patterns: [...blocked, ...held] });
  }

  async #onPaused(event: PausedEvent): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      if (this.#blockedTypes.includes(event.resourceType)) {
        await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' });
      } else if (
        event.resourceType === 'Document' &&
        this.#heldParts.some((part) => event.request.url.includes(part))
      ) {
        await session.send('Fetch.fulfillRequest', this.#hold(event));
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

  #hold(event: PausedEvent) {
    const token = randomUUID();
    this.#held.set(token, { url: event.request.url, headers: event.request.headers });
    setTimeout(() => this.#held.delete(token), UNCLAIMED_TTL_MS).unref();
    const page = `<!doctype html><title>${HELD_TITLE_PREFIX}${token}</title><p>bookout took this request over.</p>`;
    return {
      requestId: event.requestId,
      responseCode: 200,
      responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
      body: Buffer.from(page).toString('base64'),
    };
  }
}

/** Sends a held request once, from node with `context`'s cookies (redirects followed). */
export async function fetchHeld(
  context: BrowserContext,
  held: HeldRequest,
  timeoutMs: number,
): Promise<FetchedResponse> {
  const referer = held.headers.Referer ?? held.headers.referer;
  const response = await context.request.get(held.url, {
    headers: referer ? { referer } : {},
    maxRedirects: 10,
    failOnStatusCode: false,
    timeout: timeoutMs,
  });
  try {
    return { url: response.url(), status: response.status(), headers: response.headers(), body: await response.body() };
  } finally {
    await response.dispose(); // otherwise Playwright keeps every body in memory until the context closes
  }
}

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

/** What DevTools tells of a tab (a page target; its id is its main frame's id). */
interface TargetInfo {
  targetId: string;
  url: string;
  browserContextId?: string;
  /** The tab that opened this one, if any. */
  openerId?: string;
}

export interface PausedEvent {
  requestId: string;
  frameId?: string;
  request: { url: string; headers: Record<string, string> };
  resourceType: ResourceType;
}

/**
 * Request interception for the whole browser, through one browser-level DevTools session (the
 * Fetch domain). Playwright's routes are not used on purpose: with a route, Playwright turns the
 * HTTP cache off (every page would load all its scripts again) and sends every request of every
 * tab through node. Here the browser pauses only documents and the resource types a rule blocks;
 * scripts, styles and the grid's callbacks never wait for node.
 *
 * Every document request goes out with `Cache-Control: no-cache`. Chromium lets only one request
 * for a URL wait on the server at a time and holds the others back until its answer's headers
 * come, or for 20 s: one inventory load that never gets an answer would stall every other tab's
 * load of the same page that long. A request that skips the cache waits for no other.
 *
 * Each browser context (each account) has rules of its own, a RequestInterceptor: a paused
 * request follows the rules of the context its tab belongs to (one account may block images while
 * another still exports its inventory, which needs styles). While only one set of rules is
 * registered, every request follows it, whatever its context.
 *
 * Rules survive a relaunch: `attach` applies them to each new browser.
 */
export class InterceptionHub {
  #session: CDPSession | null = null;
  #rules = new Set<RequestInterceptor>();
  /** CDP browser context id -> its rules. */
  #byContext = new Map<string, RequestInterceptor>();
  /** Frame (a tab's main frame id is its target id) -> CDP browser context id, or null when unknown. */
  #frames = new Map<string, Promise<string | null>>();

  /** Starts intercepting in `browser` with the current rules; contexts are named again by `bind`. */
  async attach(browser: Browser): Promise<void> {
    this.#session = await browser.newBrowserCDPSession();
    this.#byContext.clear();
    this.#frames.clear();
    this.#session.on('Fetch.requestPaused', (event) => void this.#onPaused(event as PausedEvent));
    await this.apply();
  }

  /** A new set of rules, for one browser context. */
  rules(): RequestInterceptor {
    const rules = new RequestInterceptor(this);
    this.#rules.add(rules);
    return rules;
  }

  /** These rules are for the context with this DevTools id. */
  bind(rules: RequestInterceptor, browserContextId: string): void {
    for (const [id, other] of this.#byContext) if (other === rules) this.#byContext.delete(id);
    this.#byContext.set(browserContextId, rules);
  }

  /** The context of these rules is gone. */
  remove(rules: RequestInterceptor): void {
    this.#rules.delete(rules);
    for (const [id, other] of this.#byContext) if (other === rules) this.#byContext.delete(id);
    void this.apply().catch(() => undefined);
  }

  /** The DevTools ids of the browser's contexts now (to tell which one a new context got). */
  async contextIds(): Promise<string[]> {
    if (!this.#session) return [];
    const answer = (await this.#session.send('Target.getBrowserContexts')) as { browserContextIds: string[] };
    return answer.browserContextIds;
  }

  /** Pauses every document request and the union of the types the rules block (the rest goes on unseen). */
  async apply(): Promise<void> {
    if (!this.#session) return;
    const types = new Set<ResourceType>();
    for (const rules of this.#rules) for (const type of rules.blockedTypes()) types.add(type);
    const blocked = [...types].map((resourceType) => ({ resourceType, requestStage: 'Request' as const }));
    const documents = { urlPattern: '*', resourceType: 'Document' as const, requestStage: 'Request' as const };
    await this.#session.send('Fetch.enable', { patterns: [...blocked, documents] });
  }

  async #rulesFor(event: PausedEvent): Promise<RequestInterceptor | undefined> {
    if (this.#rules.size <= 1) return this.#rules.values().next().value;
    if (!event.frameId) return undefined;
    let lookup = this.#frames.get(event.frameId);
    if (!lookup) {
      if (this.#frames.size > 5000) this.#frames.clear();
      lookup = this.#contextOfFrame(event.frameId);
      this.#frames.set(event.frameId, lookup);
    }
    const id = await lookup;
    return id === null ? undefined : this.#byContext.get(id);
  }

  async #contextOfFrame(frameId: string): Promise<string | null> {
    return (await this.#tabOf(frameId))?.browserContextId ?? null;
  }

  /** The tab whose main frame this is; null for a frame inside a page (no tab of its own). */
  async #tabOf(frameId: string): Promise<TargetInfo | null> {
    try {
      const answer = (await this.#session!.send('Target.getTargetInfo', { targetId: frameId })) as {
        targetInfo: TargetInfo;
      };
      return answer.targetInfo;
    } catch {
      return null;
    }
  }

  /**
   * A held document request. When it is the first document of a tab another tab opened, it is kept
   * for that opener and the new tab is closed at once, before it shows anything (a page shown there
   * costs Chromium about 0.05 CPU-second more). Otherwise its tab shows the token page.
   */
  async #hold(session: CDPSession, rules: RequestInterceptor, event: PausedEvent): Promise<void> {
    const tab = event.frameId ? await this.#tabOf(event.frameId) : null;
    const fresh = tab?.openerId && (!tab.url || tab.url === 'about:blank' || rules.holds(tab.url));
    if (!fresh) {
      await session.send('Fetch.fulfillRequest', rules.hold(event));
      return;
    }
    rules.holdFrom(tab.openerId!, event);
    await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' });
    await session.send('Target.closeTarget', { targetId: tab.targetId }).catch(() => undefined);
  }

  async #onPaused(event: PausedEvent): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      const rules = await this.#rulesFor(event);
      if (rules?.blocks(event.resourceType)) {
        await session.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' });
      } else if (event.resourceType === 'Document' && rules?.holds(event.request.url)) {
        await this.#hold(session, rules, event);
      } else if (event.resourceType === 'Document') {
        await session.send('Fetch.continueRequest', { requestId: event.requestId, headers: uncached(event) });
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
}

/** The request's headers with `Cache-Control: no-cache` (see InterceptionHub). */
function uncached(event: PausedEvent): Array<{ name: string; value: string }> {
  const headers = Object.entries(event.request.headers).filter(([name]) => name.toLowerCase() !== 'cache-control');
  return [...headers.map(([name, value]) => ({ name, value })), { name: 'Cache-Control', value: 'no-cache' }];
}

/**
 * The request rules of one browser context (see InterceptionHub). A held request is not sent by
 * the browser: its tab shows a small page whose title carries a token, and the code that owns that
 * tab claims the request by the token and sends it itself, with the cookies of the tab's own
 * context (so each account's reports go with its own session), from node, where it does not hold
 * one of the browser's six connections per host while the server works.
 */
export class RequestInterceptor {
  #hub: InterceptionHub;
  #blockedTypes: ResourceType[] = [];
  /** Parts of the URLs of document requests to hold. */
  #heldParts: string[] = [];
  #held = new Map<string, HeldRequest>();
  /** Held first requests of new tabs, by the id of the tab that opened them (see InterceptionHub). */
  #fromOpener = new Map<string, HeldRequest>();
  #awaiting = new Map<string, (held: HeldRequest) => void>();

  /** Made by `InterceptionHub.rules()`. */
  constructor(hub: InterceptionHub) {
    this.#hub = hub;
  }

  /** Fails requests of these DevTools resource types (Image, Stylesheet, Font, Media...) from now on. */
  async block(types: readonly ResourceType[]): Promise<void> {
    this.#blockedTypes = [...types];
    await this.#hub.apply();
  }

  /** Document requests whose URL contains `part` are held from now on (see the class comment). */
  holdDocuments(part: string): void {
    if (!this.#heldParts.includes(part)) this.#heldParts.push(part);
  }

  /** The held request behind `token` (read from its tab's title), once; undefined when unknown or expired. */
  claim(token: string): HeldRequest | undefined {
    const held = this.#held.get(token);
    this.#held.delete(token);
    return held;
  }

  /**
   * The next request held from a tab that `openerId` (a DevTools target id) opened, once. Call it
   * before the action that opens the tab: one held earlier and not taken (an earlier attempt's late
   * tab) is dropped. Rejects when `signal` aborts.
   */
  heldFrom(openerId: string, signal: AbortSignal): Promise<HeldRequest> {
    this.#fromOpener.delete(openerId);
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (this.#awaiting.get(openerId) === take) this.#awaiting.delete(openerId);
        reject(signal.reason);
      };
      const take = (held: HeldRequest) => {
        signal.removeEventListener('abort', onAbort);
        resolve(held);
      };
      this.#awaiting.set(openerId, take);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Keeps a request held from a tab `openerId` opened, for whoever awaits it (see heldFrom). */
  holdFrom(openerId: string, event: PausedEvent): void {
    const held = { url: event.request.url, headers: event.request.headers };
    const take = this.#awaiting.get(openerId);
    if (take) {
      this.#awaiting.delete(openerId);
      take(held);
      return;
    }
    this.#fromOpener.set(openerId, held);
    setTimeout(() => {
      if (this.#fromOpener.get(openerId) === held) this.#fromOpener.delete(openerId);
    }, UNCLAIMED_TTL_MS).unref();
  }

  /** The resource types these rules block. */
  blockedTypes(): ResourceType[] {
    return [...this.#blockedTypes];
  }

  blocks(type: ResourceType): boolean {
    return this.#blockedTypes.includes(type);
  }

  holds(url: string): boolean {
    return this.#heldParts.some((part) => url.includes(part));
  }

  hold(event: PausedEvent) {
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

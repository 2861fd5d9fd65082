import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { TaskFailure } from '../engine/failure.ts';
import { failureFromNetworkError } from '../browser/web-failures.ts';
import { PDF_URL_PATTERN } from './selectors.ts';

export interface CapturedResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const TITLE_PREFIX = 'bookout-capture:';
/** A capture nobody claimed (its tab was closed meanwhile) is dropped after this long. */
const UNCLAIMED_TTL_MS = 120_000;

/**
 * Gets each report PDF exactly once, whatever the portal and the browser would do with it.
 *
 * How the bytes reach a browser varies (PDF viewer in the popup, a download on the popup, or a
 * download on the tab that clicked). Instead of handling each, a route on the context takes the
 * popup's GetPdfReport request: it fetches the response itself (one request, the session cookies
 * of the context), and fills the popup with a tiny page whose title holds a token. The tab that
 * clicked reads the token from *its own* popup, so a PDF can never be handed to another tab.
 */
export class PdfCapture {
  #captures = new Map<string, Promise<CapturedResponse>>();
  #fetchTimeoutMs: number;

  constructor(fetchTimeoutMs: number) {
    this.#fetchTimeoutMs = fetchTimeoutMs;
  }

  /** Installs the route on a context (use with BrowserHost.addContextSetup). */
  readonly setup = async (context: BrowserContext): Promise<void> => {
    await context.route(PDF_URL_PATTERN, (route) => this.#intercept(route));
  };

  async #intercept(route: Route): Promise<void> {
    const token = randomUUID();
    const fetching = route.fetch({ timeout: this.#fetchTimeoutMs, maxRedirects: 10 }).then(async (response) => ({
      url: response.url(),
      status: response.status(),
      headers: response.headers(),
      body: await response.body(),
    }));
    fetching.catch(() => undefined);
    this.#captures.set(token, fetching);
    setTimeout(() => this.#captures.delete(token), UNCLAIMED_TTL_MS + this.#fetchTimeoutMs).unref();
    const placeholder = `<!doctype html><title>${TITLE_PREFIX}${token}</title><p>bookout saved this report.</p>`;
    await route.fulfill({ status: 200, contentType: 'text/html', body: placeholder }).catch(() => undefined);
  }

  /**
   * Claims the capture behind `popup` (a popup opened by the caller's own tab). Resolves as soon
   * as the popup shows its token, so the popup can be closed while the PDF is still on its way.
   */
  async claim(popup: Page, timeoutMs: number): Promise<{ response: Promise<CapturedResponse> }> {
    await popup.waitForURL(PDF_URL_PATTERN, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    const title = await popup.title();
    if (!title.startsWith(TITLE_PREFIX)) throw new TaskFailure('transient', 'the report tab opened without going through the capture');
    const token = title.slice(TITLE_PREFIX.length);
    const capture = this.#captures.get(token);
    this.#captures.delete(token);
    if (!capture) throw new TaskFailure('transient', 'the captured report expired before it was claimed');
    const response = capture.catch((error: unknown) => {
      throw failureFromNetworkError(error instanceof Error ? error.message : String(error), 'downloading the PDF');
    });
    response.catch(() => undefined); // the claimer may be stopped before it awaits the response
    return { response };
  }

  /** Captures in flight or waiting to be claimed (for tests and leak checks). */
  get size(): number {
    return this.#captures.size;
  }
}

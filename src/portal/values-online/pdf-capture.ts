import type { Download, Page, Request } from 'playwright-core';
import {
  fetchHeld,
  HELD_TITLE_PREFIX,
  type FetchedResponse,
  type RequestInterceptor,
} from '../../browser/request-interceptor.ts';
import { failureFromNetworkError, failureFromStatus } from '../../browser/web-failures.ts';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import { awaitTitle, clickIn } from './in-page.ts';
import { armed, failFastOnErrors, portalPageIn } from './landing.ts';
import { PageChanged } from './page-facts.ts';
import { PDF_URL_PART, PDF_URL_PATTERN, SELECTORS } from './selectors.ts';

/**
 * Gets each report PDF exactly once, whatever the portal and the browser would do with it.
 *
 * How the bytes reach a browser varies (PDF viewer in the popup, a download on the popup, or a
 * download on the tab that clicked). Instead of handling each, the browser holds back the popup's
 * GetPdfReport request and shows a small page whose title carries a token. The tab that clicked
 * reads the token from *its own* popup and sends the request once, with its own context's cookies,
 * so a PDF can never be handed to another tab or fetched with another account's session.
 */
export class PdfCapture {
  #interceptor: RequestInterceptor;
  #fetchTimeoutMs: number;

  constructor(interceptor: RequestInterceptor, fetchTimeoutMs: number) {
    this.#interceptor = interceptor;
    this.#fetchTimeoutMs = fetchTimeoutMs;
  }

  /** Holds the report requests of every tab of the browser from now on. */
  install(): Promise<void> {
    return this.#interceptor.holdDocuments(PDF_URL_PART);
  }

  /**
   * Clicks Create PDF in `page` (its reports dialog open) and takes the report from the popup
   * *this* page opened: the bytes, not yet proven, and the address they came from.
   */
  async create(page: Page, timeoutMs: number, signal: AbortSignal, waiting?: () => void): Promise<FetchedResponse> {
    const popup = await failFastOnErrors(page, 'creating the PDF', async () => {
      const opened = armed(page.waitForEvent('popup', { timeout: timeoutMs }));
      const clicked = await clickIn(page, { button: SELECTORS.createPdfButtonName });
      if (!clicked) throw new TaskFailure('transient', 'the Create PDF button went away');
      return opened;
    });
    waiting?.();
    let response: FetchedResponse;
    try {
      response = await this.claim(popup, page, timeoutMs, signal);
    } finally {
      popup.close().catch(() => undefined); // no need to wait: the bytes are here, or the attempt failed
    }
    const failure = failureFromStatus(response.status, response.headers, 'downloading the PDF');
    if (failure) throw failure;
    const head = response.body.subarray(0, 200_000).toString('latin1');
    const shown = head.startsWith('%PDF') ? null : portalPageIn(head);
    if (shown) {
      const why = `the portal answered with the ${shown} page (the session ended or needs the license accepted)`;
      throw new TaskFailure('session', `downloading the PDF: ${why}`);
    }
    return response;
  }

  /**
   * The report behind `popup` (a popup opened by `opener`, the caller's own tab), its bytes whole.
   * A popup (or a download) going to an address that is not the report's: PageChanged.
   */
  async claim(popup: Page, opener: Page, timeoutMs: number, signal: AbortSignal): Promise<FetchedResponse> {
    const look = { timeoutMs, what: 'waiting for the report tab', signal };
    const elsewhere = watchForElsewhere(popup, opener);
    let title: string;
    try {
      title = await Promise.race([awaitTitle(popup, HELD_TITLE_PREFIX, look), elsewhere.failed]);
    } catch (error) {
      await elsewhere.settled();
      throw elsewhere.failure ?? error;
    } finally {
      elsewhere.stop();
    }
    const token = title.slice(HELD_TITLE_PREFIX.length);
    const held = this.#interceptor.claim(token);
    if (!held) throw new TaskFailure('slot', 'the report request expired before it was claimed');
    signal.throwIfAborted(); // an attempt that is over must not make the portal generate a PDF
    try {
      return await fetchHeld(popup.context(), held, this.#fetchTimeoutMs);
    } catch (error) {
      throw failureFromNetworkError(messageOf(error), 'downloading the PDF', error);
    }
  }
}

/**
 * Rejects when the report tab loads, or a download of `popup` or `opener` comes from, an address
 * that is not the report's (the report then goes around the capture). The query is left out of the
 * message: it may carry a token.
 */
function watchForElsewhere(popup: Page, opener: Page) {
  let fail: (failure: PageChanged) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const watch = {
    failed,
    failure: undefined as PageChanged | undefined,
    /** A closing popup may still tell where it went (its download): wait for that a moment. */
    settled: () => new Promise((resolve) => setTimeout(resolve, watch.failure ? 0 : 300)),
    stop: () => {
      popup.off('request', onRequest);
      popup.off('download', onDownload);
      opener.off('download', onDownload);
    },
  };
  const judge = (url: string) => {
    if (watch.failure || !url || url.startsWith('about:') || PDF_URL_PATTERN.test(url)) return;
    let where: string;
    try {
      where = `went to ${new URL(url).pathname}`;
    } catch {
      // Not an address (the headless shell says ":" of a popup it turned into a download at once,
      // without ever telling where): only that the report did not come the known way is certain.
      where = 'went to an address the browser does not tell';
    }
    watch.failure = new PageChanged('pdfUrl', 'creating the PDF', `the report tab ${where}`, 'different');
    fail(watch.failure);
  };
  const onRequest = (request: Request) => {
    if (request.isNavigationRequest() && request.frame() === popup.mainFrame()) judge(request.url());
  };
  const onDownload = (download: Download) => judge(download.url());
  popup.on('request', onRequest);
  popup.on('download', onDownload);
  opener.on('download', onDownload);
  judge(popup.url());
  return watch;
}

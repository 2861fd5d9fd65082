import type { Page } from 'playwright-core';
import {
  fetchHeld,
  HELD_TITLE_PREFIX,
  type FetchedResponse,
  type RequestInterceptor,
} from '../../browser/request-interceptor.ts';
import { failureFromNetworkError } from '../../browser/web-failures.ts';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import { awaitTitle } from './in-page.ts';
import { PDF_URL_PART } from './selectors.ts';

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

  /** The report behind `popup` (a popup opened by the caller's own tab), its bytes whole. */
  async claim(popup: Page, timeoutMs: number, signal: AbortSignal): Promise<FetchedResponse> {
    const look = { timeoutMs, what: 'waiting for the report tab', signal };
    const token = (await awaitTitle(popup, HELD_TITLE_PREFIX, look)).slice(HELD_TITLE_PREFIX.length);
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

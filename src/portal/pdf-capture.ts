import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { FetchedResponse, RequestInterceptor, TakenRequest } from '../browser/request-interceptor.ts';
import { failureFromNetworkError } from '../browser/web-failures.ts';
import { TaskFailure, messageOf } from '../engine/failure.ts';
import { awaitTitle } from './in-page.ts';
import { PDF_URL_PATTERN } from './selectors.ts';

export type CapturedResponse = FetchedResponse;

const TITLE_PREFIX = 'bookout-capture:';
/** A capture nobody claimed (its tab was closed meanwhile) is dropped after this long. */
const UNCLAIMED_TTL_MS = 120_000;

/**
 * Gets each report PDF exactly once, whatever the portal and the browser would do with it.
 *
 * How the bytes reach a browser varies (PDF viewer in the popup, a download on the popup, or a
 * download on the tab that clicked). Instead of handling each, the browser holds back the popup's
 * GetPdfReport request, which is sent once from node with the session's cookies; its answer stays
 * here, and the popup shows a tiny page whose title holds a token instead. The tab that
 * clicked reads the token from *its own* popup, so a PDF can never be handed to another tab.
 */
export class PdfCapture {
  #captures = new Map<string, CapturedResponse | TaskFailure>();

  /** Takes the report responses of every tab of the browser from now on. */
  async install(interceptor: RequestInterceptor): Promise<void> {
    await interceptor.takeDocuments(PDF_URL_PATTERN, (response) => this.#take(response));
  }

  async #take(request: TakenRequest): Promise<string> {
    const token = randomUUID();
    try {
      this.#captures.set(token, await request.fetch());
    } catch (error) {
      this.#captures.set(token, failureFromNetworkError(messageOf(error), 'downloading the PDF'));
    }
    setTimeout(() => this.#captures.delete(token), UNCLAIMED_TTL_MS).unref();
    return `<!doctype html><title>${TITLE_PREFIX}${token}</title><p>bookout saved this report.</p>`;
  }

  /** The report behind `popup` (a popup opened by the caller's own tab), once its bytes have all arrived. */
  async claim(popup: Page, timeoutMs: number): Promise<CapturedResponse> {
    const token = (await awaitTitle(popup, TITLE_PREFIX, timeoutMs, 'waiting for the report tab')).slice(
      TITLE_PREFIX.length,
    );
    const capture = this.#captures.get(token);
    this.#captures.delete(token);
    if (!capture) throw new TaskFailure('transient', 'the captured report expired before it was claimed');
    if (capture instanceof TaskFailure) throw capture;
    return capture;
  }
}

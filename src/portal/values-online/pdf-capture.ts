import type { BrowserContext, Download, Frame, Page, Request } from 'playwright-core';
import {
  fetchHeld,
  HELD_TITLE_PREFIX,
  type FetchedResponse,
  type HeldRequest,
  type RequestInterceptor,
} from '../../browser/request-interceptor.ts';
import { closePage } from '../../browser/close-page.ts';
import { targetIdOf } from '../../browser/page-target.ts';
import { failureFromNetworkError, failureFromStatus } from '../../browser/web-failures.ts';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import type { RequestGate } from '../../engine/request-gate.ts';
import { awaitReportAddress, awaitTitle, clickIn, keepReportAddress } from './in-page.ts';
import { armed, failFastOnErrors, portalPageIn } from './landing.ts';
import { PageChanged } from './page-facts.ts';
import { PDF_URL_PART, PDF_URL_PATTERN, SELECTORS } from './selectors.ts';

/**
 * Gets each report PDF exactly once, whatever the portal and the browser would do with it.
 *
 * How the bytes reach a browser varies (PDF viewer in the popup, a download on the popup, or a
 * download on the tab that clicked). Instead of handling each, the browser holds back the report
 * tab's GetPdfReport request, and the tab that clicked sends it once, with its own context's
 * cookies, so a PDF can never be handed to another tab or fetched with another account's session.
 * Which tab clicked is known three ways, the cheapest first:
 * - the page opens the report tab with `window.open` of the report's address or a `target=_blank`
 *   link to it (how it does is not known): the page keeps the address instead, and no tab is made
 *   at all (a tab costs Chromium and node about 0.1 CPU-second);
 * - otherwise (an empty tab sent to the report later, a form) the browser tells which tab opened the
 *   new one: its request is kept for that tab, and the new tab is closed before it shows anything;
 * - where the browser does not tell, the new tab shows a small page whose title carries a token,
 *   and the tab that clicked reads it from *its own* popup.
 */
export class PdfCapture {
  #interceptor: RequestInterceptor;
  #fetchTimeoutMs: number;
  #gate: RequestGate;

  /** `gate`: the report requests are sent through it (the portal's costliest work). */
  constructor(interceptor: RequestInterceptor, fetchTimeoutMs: number, gate: RequestGate) {
    this.#interceptor = interceptor;
    this.#fetchTimeoutMs = fetchTimeoutMs;
    this.#gate = gate;
  }

  /** Holds the report requests of every tab of the browser from now on. */
  install(): void {
    this.#interceptor.holdDocuments(PDF_URL_PART);
  }

  /**
   * Clicks Create PDF in `page` (its reports dialog open) and takes the report from the tab *this*
   * page opened: the bytes, not yet proven, and the address they came from.
   */
  async create(page: Page, timeoutMs: number, signal: AbortSignal, steps?: ReportSteps): Promise<FetchedResponse> {
    const opener = await targetIdOf(page);
    // Watched from before the click: the download of a report that goes around the capture may come
    // on this page before the popup is known, and the popup's first request before it is followed.
    const elsewhere = watchForElsewhere(page);
    const popups: Page[] = [];
    const onPopup = (opened: Page) => {
      popups.push(opened);
      elsewhere.follow(opened);
    };
    page.on('popup', onPopup);
    const looking = new AbortController();
    const lookSignal = AbortSignal.any([signal, looking.signal]);
    let request: HeldRequest;
    try {
      request = await failFastOnErrors(page, 'creating the PDF', async () => {
        const held = armed(opener ? this.#interceptor.heldFrom(opener, lookSignal) : new Promise<never>(() => {}));
        const titled = armed(
          nextPopup(page, timeoutMs, looking.signal).then((popup) =>
            this.#heldByTitle(popup, timeoutMs, lookSignal, elsewhere),
          ),
        );
        await keepReportAddress(page, PDF_URL_PART);
        const look = { timeoutMs, what: 'creating the PDF', signal: lookSignal };
        const kept = armed(awaitReportAddress(page, look).then((url) => ({ url, headers: { referer: page.url() } })));
        const clicked = await clickIn(page, { button: SELECTORS.createPdfButtonName });
        if (!clicked) throw new TaskFailure('transient', 'the Create PDF button went away');
        return Promise.race([held, titled, kept, elsewhere.failed]);
      });
    } finally {
      looking.abort();
      elsewhere.stop();
      page.off('popup', onPopup);
      for (const popup of popups) void closePage(popup); // no need to wait: the request is here, or the attempt failed
    }
    const send = () => {
      steps?.waiting();
      return this.#fetch(page.context(), request, signal);
    };
    const response = await this.#gate.run(send, signal, steps?.inLine);
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
   * The report request behind `popup` (a popup the caller's own tab opened) that shows the token
   * page. A popup (or a download) going to an address that is not the report's (`elsewhere` watches
   * it): PageChanged.
   */
  async #heldByTitle(
    popup: Page,
    timeoutMs: number,
    signal: AbortSignal,
    elsewhere: ElsewhereWatch,
  ): Promise<HeldRequest> {
    const look = { timeoutMs, what: 'waiting for the report tab', signal };
    let title: string;
    try {
      title = await Promise.race([awaitTitle(popup, HELD_TITLE_PREFIX, look), elsewhere.failed]);
    } catch (error) {
      await elsewhere.settled();
      throw elsewhere.failure ?? error;
    }
    const held = this.#interceptor.claim(title.slice(HELD_TITLE_PREFIX.length));
    if (!held) throw new TaskFailure('slot', 'the report request expired before it was claimed');
    return held;
  }

  /** Sends the report request once, with the context's cookies. */
  async #fetch(context: BrowserContext, held: HeldRequest, signal: AbortSignal): Promise<FetchedResponse> {
    signal.throwIfAborted(); // an attempt that is over must not make the portal generate a PDF
    try {
      return await fetchHeld(context, held, this.#fetchTimeoutMs);
    } catch (error) {
      throw failureFromNetworkError(messageOf(error), 'downloading the PDF', error);
    }
  }
}

/** Told as the report request waits: first for a place at the gate (only when it must), then for the answer. */
export interface ReportSteps {
  inLine(): void;
  waiting(): void;
}

/**
 * The next tab `page` opens. Unlike Playwright's waitForEvent it lets go of the page as soon as
 * `stop` aborts (the report came without a tab): a long-lived page would otherwise collect one
 * waiting listener per vehicle until each times out.
 */
function nextPopup(page: Page, timeoutMs: number, stop: AbortSignal): Promise<Page> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      page.off('popup', onPopup);
      page.off('close', onClose);
      stop.removeEventListener('abort', onStop);
    };
    const onPopup = (popup: Page) => {
      done();
      resolve(popup);
    };
    const onClose = () => {
      done();
      reject(new TaskFailure('slot', 'the tab closed while it waited for the report tab'));
    };
    const onStop = () => {
      done();
      reject(stop.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new TaskFailure('hang', `creating the PDF: no report tab within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    page.on('popup', onPopup);
    page.once('close', onClose);
    stop.addEventListener('abort', onStop, { once: true });
  });
}

/**
 * Rejects when the report tab loads, or a download of the opener or the report tab comes from, an
 * address that is not the report's (the report then goes around the capture). The query is left
 * out of the message: it may carry a token. `follow` adds the report tab once it is known.
 */
type ElsewhereWatch = ReturnType<typeof watchForElsewhere>;

function watchForElsewhere(opener: Page) {
  let fail: (failure: PageChanged) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  let popup: Page | null = null;
  const judge = (url: string) => {
    if (watch.failure || PDF_URL_PATTERN.test(url)) return;
    // Only a web address counts: not about:blank, nor ":" (what a new popup reports before it navigates).
    const path = webPath(url);
    if (path === null) return;
    watch.failure = new PageChanged('pdfUrl', 'creating the PDF', `the report tab went to ${path}`, 'different');
    fail(watch.failure);
  };
  const onRequest = (request: Request) => {
    if (request.isNavigationRequest() && request.frame() === popup?.mainFrame()) judge(request.url());
  };
  const onNavigated = (frame: Frame) => {
    if (frame === popup?.mainFrame()) judge(frame.url());
  };
  const onDownload = (download: Download) => judge(download.url());
  const watch = {
    failed,
    failure: undefined as PageChanged | undefined,
    follow: (opened: Page) => {
      if (popup) return;
      popup = opened;
      popup.on('request', onRequest);
      popup.on('framenavigated', onNavigated);
      popup.on('download', onDownload);
      judge(popup.url());
    },
    /** A closing popup may still tell where it went (its download): wait for that a moment. */
    settled: () => new Promise((resolve) => setTimeout(resolve, watch.failure ? 0 : 300)),
    stop: () => {
      popup?.off('request', onRequest);
      popup?.off('framenavigated', onNavigated);
      popup?.off('download', onDownload);
      opener.off('download', onDownload);
    },
  };
  opener.on('download', onDownload);
  return watch;
}

/** The path of an http(s) address; null for anything else. */
function webPath(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.pathname : null;
  } catch {
    return null;
  }
}

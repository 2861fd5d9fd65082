import type { Page } from 'playwright-core';
import { failureFromStatus } from '../browser/web-failures.ts';
import { TaskFailure } from '../engine/failure.ts';
import type { Slot } from '../engine/types.ts';
import { findVehicleRow } from './inventory-page.ts';
import { armed, expectLanding, failFastOnErrors } from './landing.ts';
import type { PdfCapture } from './pdf-capture.ts';
import { PATHS, SELECTORS } from './selectors.ts';

export interface TabSettings {
  origin: string;
  /** Upper bound of any single wait on the page (the engine's task timeout is the real limit). */
  stepTimeoutMs: number;
}

/**
 * One worker tab in the shared, logged-in context. Gets one vehicle's report PDF at a time:
 * inventory -> filter to the exact stock number -> Bookout -> Print/Email Reports -> Create PDF.
 */
export class BookoutTab implements Slot {
  readonly page: Page;
  #capture: PdfCapture;
  #settings: TabSettings;
  #popups = new Set<Page>();

  constructor(page: Page, capture: PdfCapture, settings: TabSettings) {
    this.page = page;
    this.#capture = capture;
    this.#settings = settings;
    page.setDefaultTimeout(settings.stepTimeoutMs);
    page.on('popup', (popup) => {
      this.#popups.add(popup);
      popup.once('close', () => this.#popups.delete(popup));
    });
  }

  isUsable(): boolean {
    return !this.page.isClosed();
  }

  /** Closes the tab and its popups, which stops anything still running in them. */
  async dispose(): Promise<void> {
    await Promise.all([...this.#popups].map((popup) => popup.close().catch(() => undefined)));
    await this.page.close().catch(() => undefined);
  }

  /** The PDF bytes of `reference`'s bookout report, fetched once. Not yet proven. */
  async downloadReport(reference: string, step: (name: string) => void): Promise<Buffer> {
    step('opening inventory');
    await this.#openInventory();
    step('filtering grid');
    const search = await findVehicleRow(this.page, reference, this.#settings.stepTimeoutMs);
    if (!search.row) {
      const shown = search.shown.length ? `; the grid showed: ${search.shown.join(' | ')}` : '; the grid showed no rows';
      throw new TaskFailure('permanent', `stock number ${reference} is not in the inventory grid${shown}`);
    }
    step('opening vehicle');
    // The link holds only an image, which has no size when images are blocked: a real click would
    // wait for it to become visible, so the click event is dispatched instead.
    await this.#navigate('opening the vehicle', () => search.row.locator(SELECTORS.bookoutLink).first().dispatchEvent('click'), SELECTORS.reportButton);
    step('opening reports');
    const createPdf = this.page.getByRole('button', { name: SELECTORS.createPdfButtonName, exact: true });
    await failFastOnErrors(this.page, 'opening Print/Email Reports', async () => {
      await this.page.locator(SELECTORS.reportButton).click();
      await expectLanding(this.page, createPdf, 'opening Print/Email Reports', this.#settings.stepTimeoutMs);
    });
    step('creating PDF');
    return this.#createPdf(createPdf, step);
  }

  async #openInventory(): Promise<void> {
    const url = new URL(PATHS.inventory, this.#settings.origin).toString();
    await this.#navigate('opening the inventory', () => this.page.goto(url, { waitUntil: 'domcontentloaded' }), SELECTORS.stockNumberInput);
  }

  async #navigate(what: string, action: () => Promise<unknown>, expected: string): Promise<void> {
    await failFastOnErrors(this.page, what, async () => {
      await action();
      await expectLanding(this.page, this.page.locator(expected), what, this.#settings.stepTimeoutMs);
    });
  }

  /** Clicks Create PDF and takes the report from the popup *this* tab opened. */
  async #createPdf(button: ReturnType<Page['getByRole']>, step: (name: string) => void): Promise<Buffer> {
    const timeout = this.#settings.stepTimeoutMs;
    const popup = await failFastOnErrors(this.page, 'creating the PDF', async () => {
      const opened = armed(this.page.waitForEvent('popup', { timeout }));
      await button.click();
      return opened;
    });
    let claimed: Awaited<ReturnType<PdfCapture['claim']>>;
    try {
      claimed = await this.#capture.claim(popup, timeout);
    } finally {
      await popup.close().catch(() => undefined);
    }
    step('waiting for PDF');
    const response = await claimed.response;
    const failure = failureFromStatus(response.status, response.headers, 'downloading the PDF');
    if (failure) throw failure;
    if (isLoginPage(response.body)) throw new TaskFailure('session', 'downloading the PDF: the portal answered with the login page (the session ended)');
    return response.body;
  }
}

function isLoginPage(body: Buffer): boolean {
  const head = body.subarray(0, 200_000).toString('latin1');
  return head.includes(SELECTORS.username.slice(1)) && head.includes(SELECTORS.password.slice(1));
}

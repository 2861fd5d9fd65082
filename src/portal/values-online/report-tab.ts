import type { Page } from 'playwright-core';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import type { TaskContext } from '../../engine/types.ts';
import type { PageSnapshot, ReportTab } from '../portal.ts';
import { clickIn, type Target } from './in-page.ts';
import { filterGrid, openExactRow } from './inventory-page.ts';
import { expectLanding, failFastOnErrors, sessionLost, waitForLanding } from './landing.ts';
import { followActivity } from './page-facts.ts';
import type { PdfCapture } from './pdf-capture.ts';
import { PATHS, SELECTORS, type FactName } from './selectors.ts';
import { snapshotPage, type SnapshotSecrets } from './snapshot.ts';

/** Going back to the inventory gives way to opening it afresh when it takes longer than this. */
const BACK_TIMEOUT_MS = 10_000;
/** A reset (leaving whatever the tab shows for an empty page) may take this long. */
const RESET_TIMEOUT_MS = 4000;

export interface TabSettings {
  origin: string;
  /** Upper bound of any single wait on the page (the engine's timeouts are the real limits). */
  stepTimeoutMs: number;
  /** What a snapshot of the tab must not show. */
  secrets: SnapshotSecrets;
}

/**
 * One worker tab in the shared, logged-in context. Gets one vehicle's report PDF at a time:
 * inventory -> filter to the exact stock number -> Bookout -> Print/Email Reports -> Create PDF.
 */
export class VehicleReportTab implements ReportTab {
  readonly page: Page;
  #capture: PdfCapture;
  #settings: TabSettings;
  #popups = new Set<Page>();
  /** The vehicle page last opened from the inventory: while the tab still shows it, the inventory is one step back. */
  #openedVehicleUrl: string | null = null;
  #crashed = false;
  /** Requests this tab sent during the current attempt (none sent: a failure is the tab's, not the portal's). */
  #requestsSent = 0;

  constructor(page: Page, capture: PdfCapture, settings: TabSettings) {
    this.page = page;
    this.#capture = capture;
    this.#settings = settings;
    followActivity(page);
    page.setDefaultTimeout(settings.stepTimeoutMs);
    // A crashed tab is not closed, but nothing works in it any more: the engine must replace it.
    page.once('crash', () => {
      this.#crashed = true;
    });
    page.on('request', () => {
      this.#requestsSent += 1;
    });
    page.on('popup', (popup) => {
      this.#popups.add(popup);
      popup.once('close', () => this.#popups.delete(popup));
    });
  }

  isUsable(): boolean {
    return !this.page.isClosed() && !this.#crashed;
  }

  /** Closes the tab and its popups, which stops anything still running in them. */
  async dispose(): Promise<void> {
    await this.#closePopups();
    await this.page.close().catch(() => undefined);
  }

  snapshot(withinMs: number): Promise<PageSnapshot | null> {
    if (!this.isUsable()) return Promise.resolve(null);
    return snapshotPage(this.page, this.#settings.secrets, withinMs);
  }

  /** Leaves whatever the last attempt left (a navigation still loading, a popup) for an empty page. */
  async reset(): Promise<boolean> {
    await this.#closePopups();
    this.#openedVehicleUrl = null;
    try {
      await this.page.goto('about:blank', { timeout: RESET_TIMEOUT_MS });
      return this.isUsable();
    } catch {
      return false;
    }
  }

  async #closePopups(): Promise<void> {
    await Promise.all([...this.#popups].map((popup) => popup.close().catch(() => undefined)));
  }

  /** The PDF bytes of `reference`'s bookout report, fetched once. Not yet proven. */
  async downloadReport(reference: string, attempt: TaskContext): Promise<Buffer> {
    this.#requestsSent = 0;
    try {
      return await this.#download(reference, attempt);
    } catch (error) {
      // Nothing of this attempt reached the portal: whatever failed, it was this tab.
      const portalSaid = error instanceof TaskFailure && !['transient', 'hang', 'internal'].includes(error.kind);
      if (this.#requestsSent === 0 && !portalSaid) {
        throw new TaskFailure('slot', `the tab failed before anything reached the portal (${messageOf(error)})`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async #download(reference: string, attempt: TaskContext): Promise<Buffer> {
    const { signal, step } = attempt;
    step('opening inventory');
    await this.#openInventory(signal);
    step('filtering grid');
    await filterGrid(this.page, reference, this.#settings.stepTimeoutMs, signal);
    step('opening vehicle');
    // Clicks are DOM click events (element.click()), which run the page's handlers as a mouse
    // click does. A real mouse click needs a visible target (the Bookout link holds only an image,
    // which has no size when images are blocked) and stalled a tab for about a second whenever
    // other tabs were busy (measured).
    const openRow = () => this.#openRow(reference);
    await this.#navigate('opening the vehicle', openRow, SELECTORS.reportButton, 'reportButton', signal);
    this.#openedVehicleUrl = this.page.url();
    step('opening reports');
    const createPdf = { button: SELECTORS.createPdfButtonName };
    const openReports = () => clickIn(this.page, SELECTORS.reportButton);
    await this.#navigate('opening Print/Email Reports', openReports, createPdf, 'createPdf', signal);
    step('creating PDF');
    return this.#createPdf(attempt);
  }

  async #openRow(reference: string): Promise<void> {
    await openExactRow(this.page, reference, 'opening the vehicle');
  }

  async #openInventory(signal: AbortSignal): Promise<void> {
    const vehicleUrl = this.#openedVehicleUrl;
    this.#openedVehicleUrl = null;
    if (vehicleUrl && this.page.url() === vehicleUrl && (await this.#backToInventory(signal))) return;
    const url = new URL(PATHS.inventory, this.#settings.origin).toString();
    const open = () => this.page.goto(url, { waitUntil: 'domcontentloaded' });
    await this.#navigate('opening the inventory', open, SELECTORS.stockNumberInput, 'stockNumberInput', signal);
  }

  /**
   * Back in history to the inventory page the vehicle on screen was opened from. When the browser
   * kept that page (back/forward cache) this costs no request and no rendering; otherwise it is an
   * ordinary load. The grid's next callback sets a fresh filter either way. False when going back
   * did not lead to the inventory: the caller then opens it.
   */
  async #backToInventory(signal: AbortSignal): Promise<boolean> {
    // 'commit': a page restored from the back/forward cache never fires DOMContentLoaded again.
    const back = () => this.page.goBack({ waitUntil: 'commit' });
    await failFastOnErrors(this.page, 'going back to the inventory', back);
    if (new URL(this.page.url()).pathname.toLowerCase() !== PATHS.inventory.toLowerCase()) return false;
    const wait = { timeoutMs: BACK_TIMEOUT_MS, signal };
    const landing = await waitForLanding(this.page, SELECTORS.stockNumberInput, wait).catch(() => null);
    if (landing === 'login' || landing === 'license') throw sessionLost(landing, 'going back to the inventory');
    return landing === 'expected';
  }

  async #navigate(
    what: string,
    action: () => Promise<unknown>,
    expected: Target,
    fact: FactName,
    signal: AbortSignal,
  ): Promise<void> {
    await failFastOnErrors(this.page, what, async () => {
      await action();
      await expectLanding(this.page, expected, what, { timeoutMs: this.#settings.stepTimeoutMs, signal, fact });
    });
  }

  /** Clicks Create PDF and takes the report from the popup *this* tab opened. */
  async #createPdf({ signal, step }: TaskContext): Promise<Buffer> {
    const report = await this.#capture.create(this.page, this.#settings.stepTimeoutMs, signal, () =>
      step('waiting for PDF'),
    );
    return report.body;
  }
}

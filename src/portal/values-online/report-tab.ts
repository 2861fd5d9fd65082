import type { Page } from 'playwright-core';
import { closePage } from '../../browser/close-page.ts';
import { RendererMemory } from '../../browser/renderer-memory.ts';
import { classifyBrowserError, ServerError } from '../../browser/web-failures.ts';
import { TaskFailure, messageOf } from '../../engine/failure.ts';
import type { TaskContext } from '../../engine/types.ts';
import type { PageSnapshot, ReportTab } from '../portal.ts';
import { clickIn, type Target } from './in-page.ts';
import { exactRowLink, filterGrid } from './inventory-page.ts';
import { armed, expectLanding, failFastOnErrors, sessionLost, waitForLanding } from './landing.ts';
import { followActivity } from './page-facts.ts';
import type { PdfCapture } from './pdf-capture.ts';
import { PATHS, SELECTORS, type FactName } from './selectors.ts';
import { snapshotPage, type SnapshotSecrets } from './snapshot.ts';
import type { VehicleAddresses } from './vehicle-addresses.ts';

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
  /** Whether vehicle pages may be opened at their link's address (shared by the account's tabs). */
  addresses: VehicleAddresses;
}

/** The name of the window a tab opens vehicle pages in when it opens them at their address. */
const VEHICLE_WINDOW = 'bookout-vehicle';

/**
 * One worker tab in the shared, logged-in context. Gets one vehicle's report PDF at a time:
 * inventory -> filter to the exact stock number -> Bookout -> Print/Email Reports -> Create PDF.
 *
 * The Bookout link is clicked, as section A knows it. Once clicks have shown that the link's
 * address is where it goes (VehicleAddresses), the tab opens that address in a window of its own
 * instead, and the inventory stays loaded for the next vehicle; a direct opening that does not
 * land on the vehicle page falls back to the click at once, within the same attempt.
 */
export class VehicleReportTab implements ReportTab {
  readonly page: Page;
  #capture: PdfCapture;
  #settings: TabSettings;
  #popups = new Set<Page>();
  /** The vehicle page last opened from the inventory: while the tab still shows it, the inventory is one step back. */
  #openedVehicleUrl: string | null = null;
  /** The tab shows the inventory it loaded (the last vehicle was opened in the vehicle window). */
  #inventoryShown = false;
  /** Where vehicle pages are opened at their address; a popup of this tab (same browser process). */
  #vehicleWindow: Page | null = null;
  /** The page the current vehicle was opened in: this tab or the vehicle window. */
  #vehiclePage: Page;
  #crashed = false;
  /** Requests this tab sent during the current attempt (none sent: a failure is the tab's, not the portal's). */
  #requestsSent = 0;
  #memory: RendererMemory;

  constructor(page: Page, capture: PdfCapture, settings: TabSettings) {
    this.page = page;
    this.#memory = new RendererMemory(page);
    this.#vehiclePage = page;
    this.#capture = capture;
    this.#settings = settings;
    this.#watch(page);
  }

  /** Follows `page` (the tab or its vehicle window): activity, crashes, requests sent, popups to close. */
  #watch(page: Page): void {
    followActivity(page);
    page.setDefaultTimeout(this.#settings.stepTimeoutMs);
    // A crashed tab is not closed, but nothing works in it any more: the engine must replace it.
    page.once('crash', () => {
      if (page === this.page) this.#crashed = true;
      else void closePage(page);
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
    await closePage(this.page);
  }

  snapshot(withinMs: number): Promise<PageSnapshot | null> {
    if (!this.isUsable()) return Promise.resolve(null);
    const page = this.#vehiclePage.isClosed() ? this.page : this.#vehiclePage;
    return snapshotPage(page, this.#settings.secrets, withinMs);
  }

  /** Leaves whatever the last attempt left (a navigation still loading, a popup) for an empty page. */
  async reset(): Promise<boolean> {
    await this.#closePopups();
    this.#openedVehicleUrl = null;
    this.#inventoryShown = false;
    this.#vehiclePage = this.page;
    try {
      await this.page.goto('about:blank', { timeout: RESET_TIMEOUT_MS });
      return this.isUsable();
    } catch {
      return false;
    }
  }

  async #closePopups(): Promise<void> {
    await Promise.all([...this.#popups].map((popup) => closePage(popup)));
  }

  reportRejected(): boolean {
    if (this.#vehiclePage === this.page) return false;
    this.#settings.addresses.refute();
    return true;
  }

  /** The PDF bytes of `reference`'s bookout report, fetched once. Not yet proven. */
  async downloadReport(reference: string, attempt: TaskContext): Promise<Buffer> {
    this.#requestsSent = 0;
    this.#vehiclePage = this.page;
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
    } finally {
      void this.#memory.collect(); // the documents of this vehicle are garbage now
    }
  }

  async #download(reference: string, attempt: TaskContext): Promise<Buffer> {
    const { signal, step } = attempt;
    step('opening inventory');
    const kept = await this.#openInventory(signal);
    step('filtering grid');
    await this.#filter(reference, kept, signal);
    step('opening vehicle');
    const vehiclePage = await this.#openVehicle(reference, signal);
    this.#vehiclePage = vehiclePage;
    step('opening reports');
    const createPdf = { button: SELECTORS.createPdfButtonName };
    const openReports = () => clickIn(vehiclePage, SELECTORS.reportButton);
    await this.#navigate(vehiclePage, 'opening Print/Email Reports', openReports, createPdf, 'createPdf', signal);
    step('creating PDF');
    return this.#createPdf(vehiclePage, attempt);
  }

  /**
   * Filters the grid to `reference`. On an inventory kept from the last vehicle a failure that is
   * not the session's may be the kept page's (the portal may not expect its callbacks after a
   * vehicle page was opened elsewhere): the inventory is opened afresh and filtered again.
   */
  async #filter(reference: string, kept: boolean, signal: AbortSignal): Promise<void> {
    const filter = () => filterGrid(this.page, reference, this.#settings.stepTimeoutMs, signal);
    if (!kept) return filter();
    try {
      await filter();
    } catch (error) {
      if (signal.aborted || (error instanceof TaskFailure && error.kind === 'session')) throw error;
      this.#inventoryShown = false;
      await this.#openInventory(signal);
      await filter();
    }
  }

  /** Opens the vehicle of the filtered grid's exact row; returns the page it is shown in. */
  async #openVehicle(reference: string, signal: AbortSignal): Promise<Page> {
    const where = 'opening the vehicle';
    const inventoryUrl = this.page.url();
    const addresses = this.#settings.addresses;
    const address = await exactRowLink(this.page, reference, where, false);
    if (addresses.mayOpen(address, inventoryUrl)) {
      const opened = await this.#openAtAddress(address, inventoryUrl, signal);
      if (opened) return opened;
    }
    // Clicks are DOM click events (element.click()), which run the page's handlers as a mouse
    // click does. A real mouse click needs a visible target (the Bookout link holds only an image,
    // which has no size when images are blocked) and stalled a tab for about a second whenever
    // other tabs were busy (measured).
    const click = () => exactRowLink(this.page, reference, where, true);
    this.#inventoryShown = false;
    await this.#navigate(this.page, where, click, SELECTORS.reportButton, 'reportButton', signal);
    this.#openedVehicleUrl = this.page.url();
    addresses.clicked(reference, address, this.page.url(), inventoryUrl);
    return this.page;
  }

  /**
   * The vehicle page opened at its link's address in the vehicle window, the inventory left as it
   * is; null when it did not land there for a reason that is not the session's (the click is next).
   */
  async #openAtAddress(address: string, inventoryUrl: string, signal: AbortSignal): Promise<Page | null> {
    const addresses = this.#settings.addresses;
    try {
      const vehicleWindow = await this.#ensureVehicleWindow();
      const open = () => vehicleWindow.goto(address, { waitUntil: 'domcontentloaded', referer: inventoryUrl });
      await this.#navigate(vehicleWindow, 'opening the vehicle', open, SELECTORS.reportButton, 'reportButton', signal);
      addresses.openedDirectly(true);
      this.#inventoryShown = true;
      return vehicleWindow;
    } catch (error) {
      if (signal.aborted || (error instanceof TaskFailure && error.kind === 'session')) throw error;
      // The server's trouble, or the tab's or the browser's, says nothing of the address: the
      // attempt fails as a click's would.
      const browserAlive = this.page.context().browser()?.isConnected() ?? false;
      if (isTroubleElsewhere(classifyBrowserError(error, browserAlive))) throw error;
      addresses.openedDirectly(false);
      return null;
    }
  }

  /** The vehicle window, opened from the inventory (so it shares the tab's browser process). */
  async #ensureVehicleWindow(): Promise<Page> {
    if (this.#vehicleWindow && !this.#vehicleWindow.isClosed()) return this.#vehicleWindow;
    const opened = armed(this.page.waitForEvent('popup', { timeout: this.#settings.stepTimeoutMs }));
    await this.page.evaluate((name) => void window.open('about:blank', name), VEHICLE_WINDOW);
    const vehicleWindow = await opened;
    this.#watch(vehicleWindow);
    vehicleWindow.once('close', () => {
      if (this.#vehicleWindow === vehicleWindow) this.#vehicleWindow = null;
    });
    this.#vehicleWindow = vehicleWindow;
    return vehicleWindow;
  }

  /** Makes the tab show the inventory; true when it still showed it (kept from the last vehicle). */
  async #openInventory(signal: AbortSignal): Promise<boolean> {
    const vehicleUrl = this.#openedVehicleUrl;
    this.#openedVehicleUrl = null;
    if (this.#inventoryShown && isInventory(this.page.url())) return true;
    this.#inventoryShown = false;
    if (vehicleUrl && this.page.url() === vehicleUrl && (await this.#backToInventory(signal))) {
      this.#inventoryShown = true;
      return false;
    }
    const url = new URL(PATHS.inventory, this.#settings.origin).toString();
    const open = () => this.page.goto(url, { waitUntil: 'domcontentloaded' });
    await this.#navigate(
      this.page,
      'opening the inventory',
      open,
      SELECTORS.stockNumberInput,
      'stockNumberInput',
      signal,
    );
    this.#inventoryShown = true;
    return false;
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
    if (!isInventory(this.page.url())) return false;
    const wait = { timeoutMs: BACK_TIMEOUT_MS, signal };
    const landing = await waitForLanding(this.page, SELECTORS.stockNumberInput, wait).catch(() => null);
    if (landing === 'login' || landing === 'license') throw sessionLost(landing, 'going back to the inventory');
    return landing === 'expected';
  }

  async #navigate(
    page: Page,
    what: string,
    action: () => Promise<unknown>,
    expected: Target,
    fact: FactName,
    signal: AbortSignal,
  ): Promise<void> {
    await failFastOnErrors(page, what, async () => {
      await action();
      await expectLanding(page, expected, what, { timeoutMs: this.#settings.stepTimeoutMs, signal, fact });
    });
  }

  /** Clicks Create PDF in the vehicle's page and takes the report from the popup *that* page opened. */
  async #createPdf(vehiclePage: Page, { signal, step }: TaskContext): Promise<Buffer> {
    const report = await this.#capture.create(vehiclePage, this.#settings.stepTimeoutMs, signal, {
      inLine: () => step('waiting for a PDF slot', 'in-line'),
      waiting: () => step('waiting for PDF'),
    });
    return report.body;
  }
}

/**
 * An error answer of the server (5xx), no answer, a pause it asked for, no server at all, or a tab,
 * browser or bookout failing: none of them is the address's doing (a 4xx or another page is).
 */
function isTroubleElsewhere(failure: TaskFailure): boolean {
  if (failure instanceof ServerError) return true;
  return ['hang', 'throttled', 'unavailable', 'slot', 'browser', 'internal'].includes(failure.kind);
}

function isInventory(url: string): boolean {
  try {
    return new URL(url).pathname.toLowerCase() === PATHS.inventory.toLowerCase();
  } catch {
    return false;
  }
}

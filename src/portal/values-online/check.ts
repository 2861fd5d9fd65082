// `bookout check` for ValuesOnline: once through every page the downloads need, with one login, one
// export and one report, saying for each fact of section A how it was found.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { messageOf, TaskFailure } from '../../engine/failure.ts';
import { raceAbort } from '../../engine/time-limits.ts';
import { UserError } from '../../errors.ts';
import { LoginRefused, type CheckedFact, type CheckedStep, type CheckRequest, type PortalCheck } from '../portal.ts';
import { clickIn } from './in-page.ts';
import { readInventoryCsv } from './inventory-csv.ts';
import { absentFacts, clearFilters, exportInventoryCsv, filterGrid, openExactRow } from './inventory-page.ts';
import { expectLanding, failFastOnErrors, waitForLanding } from './landing.ts';
import { missingFact, PageChanged, SESSION_SETTLE_MS } from './page-facts.ts';
import type { PdfCapture } from './pdf-capture.ts';
import { FACTS, PATHS, REPORT_IDENTITY, SELECTORS, STOCK_FILTER_FUNCTION, type FactName } from './selectors.ts';
import type { ValuesOnlineSession } from './session.ts';

export interface CheckParts {
  session: ValuesOnlineSession;
  capture: PdfCapture;
  /** Upper bound of any single wait on a page. */
  stepTimeoutMs: number;
  exportTimeoutMs: number;
}

const NOT_REACHED = 'not checked: a step before it did not work out';
/** Never in a page: waiting for it until the page settles is waiting for the page to settle. */
const NOTHING = { attached: 'bookout-nothing' };

/** Runs the check; see Portal.check. */
export function checkValuesOnline(parts: CheckParts, request: CheckRequest): Promise<PortalCheck> {
  return new Checker(parts, request).run();
}

class Checker {
  #parts: CheckParts;
  #request: CheckRequest;
  #facts = new Map<FactName, CheckedFact>();
  #steps: CheckedStep[] = [];
  #problem: string | undefined;
  #notes: string[] = [];
  #result: Pick<PortalCheck, 'reference' | 'pdf' | 'csvSaved' | 'loggedOut'> = { csvSaved: false, loggedOut: false };

  constructor(parts: CheckParts, request: CheckRequest) {
    this.#parts = parts;
    this.#request = request;
    for (const [name, fact] of Object.entries(FACTS)) {
      this.#facts.set(name as FactName, { name, page: fact.page, what: fact.what, status: 'not checked' });
    }
  }

  async run(): Promise<PortalCheck> {
    const page = await this.#parts.session.controlPage();
    let sessionOpen = false;
    try {
      if (await this.#startPage(page)) {
        sessionOpen = true; // from the moment the login is sent, whatever its answer
        if (await this.#step('logging in', () => this.#parts.session.login(page))) await this.#pages(page);
      }
    } catch (error) {
      // Stopped (or refused): what still runs in the tab must not meet the logout there.
      await this.#parts.session.closeControlPage();
      throw error;
    }
    if (sessionOpen) await this.#logout();
    for (const fact of this.#facts.values()) if (fact.status === 'not checked') fact.detail ??= NOT_REACHED;
    const { facts, steps, notes } = { facts: [...this.#facts.values()], steps: this.#steps, notes: this.#notes };
    return { facts, steps, notes, problem: this.#problem, ...this.#result };
  }

  #set(name: FactName, status: CheckedFact['status'], detail?: string): void {
    const fact = this.#facts.get(name)!;
    fact.status = status;
    fact.detail = detail;
  }

  /** Runs one step, timed. A missing fact or another failure ends it (false); Ctrl-C and a refused login end the check. */
  async #step(name: string, work: () => Promise<unknown>): Promise<boolean> {
    const { signal } = this.#request;
    signal.throwIfAborted();
    this.#request.stepStarted?.(name);
    const started = Date.now();
    try {
      await raceAbort(work(), signal);
      this.#steps.push({ name, ms: Date.now() - started, ok: true });
      return true;
    } catch (error) {
      if (signal.aborted || error instanceof LoginRefused) throw error;
      const ms = Date.now() - started;
      if (error instanceof PageChanged) {
        this.#set(error.fact, error.status, error.instead);
      } else {
        this.#problem ??= `${name}: ${messageOf(error)}`;
      }
      this.#steps.push({ name, ms, ok: false, detail: messageOf(error) });
      return false;
    }
  }

  /** The start page shows the login form, every field of it there. True when a login can be tried. */
  #startPage(page: Page): Promise<boolean> {
    return this.#step('opening the start page', async () => {
      await this.#openStart(page);
      this.#set('startPage', 'found');
      const fields = { username: SELECTORS.username, password: SELECTORS.password, loginButton: SELECTORS.loginButton };
      const absent = await this.#absentOnceSettled(page, fields);
      for (const name of Object.keys(fields) as FactName[]) {
        const missing = absent.find((entry) => entry.fact === name);
        this.#set(name, missing ? 'not found' : 'found', missing?.instead);
      }
      if (absent[0]) throw new PageChanged(absent[0].fact, 'opening the start page', absent[0].instead);
    });
  }

  /** The start page; a session still open from an earlier run is logged out first (one login, the check's own). */
  async #openStart(page: Page): Promise<void> {
    const { session, stepTimeoutMs } = this.#parts;
    for (let round = 0; round < 2; round += 1) {
      await failFastOnErrors(page, 'opening the start page', () =>
        page.goto(session.url(PATHS.start), { waitUntil: 'domcontentloaded', timeout: stepTimeoutMs }),
      );
      // The login form, or the header of a page of a session still open.
      const wait = { timeoutMs: stepTimeoutMs, fact: 'username' as const, settleMs: SESSION_SETTLE_MS };
      const landing = await waitForLanding(page, SELECTORS.logoutButton, wait);
      if (landing === 'login') return;
      // A login form whose fields are not the known ones: the caller says which.
      if (landing === 'settled' && (await page.locator("input[type='password']").count()) > 0) return;
      if (landing === 'settled' || round > 0) {
        const failure = await missingFact(page, 'username', 'opening the start page');
        if (failure instanceof PageChanged)
          throw new PageChanged('startPage', 'opening the start page', failure.instead);
        throw failure;
      }
      await session.logout(stepTimeoutMs);
      this.#notes.push('a session left open by an earlier run was logged out first');
    }
  }

  /** Every page after the login, as far as the facts allow. */
  async #pages(page: Page): Promise<void> {
    const reached = await this.#step('accepting the license', () => this.#license(page));
    if (!reached) return;
    if (!(await this.#step('opening the inventory', () => this.#inventory(page)))) {
      if (this.#facts.get('inventoryPage')!.status !== 'found') return;
    }
    if (this.#facts.get('filterBarLink')!.status === 'found')
      await this.#step('clearing the filter', () => this.#clearFilter(page));
    if (!(await this.#step('exporting the inventory', () => this.#export()))) return;
    const reference = this.#result.reference;
    const needed: FactName[] = ['stockNumberInput', 'stockFilterFunction', 'gridRow', 'bookoutLink'];
    if (!reference || needed.some((fact) => this.#facts.get(fact)!.status !== 'found')) return;
    if (!(await this.#step(`filtering to ${reference}`, () => this.#filter(page, reference)))) return;
    if (!(await this.#step('opening the vehicle', () => this.#vehicle(page, reference)))) return;
    if (!(await this.#step('opening Print/Email Reports', () => this.#reports(page)))) return;
    if (!(await this.#step('creating the PDF', () => this.#createPdf(page)))) return;
    await this.#step('proving the PDF', () => this.#prove(reference));
  }

  /** Lands on the inventory, ticking the license when it shows. A missing stock box still counts as the inventory. */
  async #license(page: Page): Promise<void> {
    const { session } = this.#parts;
    let landing = await this.#landOnInventory(page);
    if (landing === 'license') {
      this.#set('licenseCheckbox', 'found');
      await session.acceptLicense(page);
      landing = await this.#landOnInventory(page);
    } else {
      this.#set('licenseCheckbox', 'not shown', 'not shown: the license was accepted before');
    }
    if (landing === 'login') throw new TaskFailure('session', 'the portal showed the login page again after the login');
    if (landing === 'license') throw new TaskFailure('session', 'the portal showed the license page again');
  }

  async #landOnInventory(page: Page): Promise<'expected' | 'license' | 'login'> {
    try {
      return await this.#parts.session.openInventory(page);
    } catch (error) {
      if (!(error instanceof PageChanged) || error.fact !== 'stockNumberInput') throw error;
      this.#set('stockNumberInput', 'not found', error.instead);
      return 'expected';
    }
  }

  async #inventory(page: Page): Promise<void> {
    const path = new URL(page.url()).pathname;
    if (path.toLowerCase() !== PATHS.inventory.toLowerCase()) {
      this.#set('inventoryPage', 'different', `the portal showed ${path}`);
      throw new TaskFailure('transient', `opening the inventory: the portal showed ${path}`);
    }
    this.#set('inventoryPage', 'found');
    const stockChecked = this.#facts.get('stockNumberInput')!.status !== 'not checked';
    const selectors: Partial<Record<FactName, string>> = {
      inventoryNavLink: SELECTORS.inventoryNavLink,
      logoutButton: SELECTORS.logoutButton,
      gridRow: SELECTORS.gridRow,
      filterBarLink: SELECTORS.filterBarLink,
      bookoutLink: `${SELECTORS.bookoutLink} ${SELECTORS.bookoutImage}`,
      exportMenu: SELECTORS.exportMenu,
      ...(stockChecked ? {} : { stockNumberInput: SELECTORS.stockNumberInput }),
    };
    const absent = await this.#absentOnceSettled(page, selectors as Record<string, string>);
    for (const name of Object.keys(selectors) as FactName[]) {
      const missing = absent.find((entry) => entry.fact === name);
      if (missing) this.#set(name, 'not found', missing.instead);
      else this.#set(name, 'found');
    }
    const rows = await page.locator(SELECTORS.gridRow).count();
    if (rows > 0) this.#set('gridRow', 'found', `${rows} rows shown`);
    const hasFunction = await page.evaluate(
      (name) => typeof (window as never)[name] === 'function',
      STOCK_FILTER_FUNCTION,
    );
    if (hasFunction) this.#set('stockFilterFunction', 'found');
    else this.#set('stockFilterFunction', 'not found', 'the page has no such function');
    if (absent.length > 0) throw new PageChanged(absent[0]!.fact, 'opening the inventory', absent[0]!.instead);
  }

  /** The facts of `selectors` absent once the page has settled (looked at again after the quiet time when some are). */
  async #absentOnceSettled(page: Page, selectors: Record<string, string>) {
    const absent = await absentFacts(page, selectors);
    if (absent.length === 0) return absent;
    const wait = {
      timeoutMs: this.#parts.stepTimeoutMs,
      fact: absent[0]!.fact,
      settleMs: SESSION_SETTLE_MS,
      only: true,
    };
    await waitForLanding(page, NOTHING, wait);
    return absentFacts(page, selectors);
  }

  async #clearFilter(page: Page): Promise<void> {
    const cleared = await clearFilters(page, this.#parts.stepTimeoutMs);
    this.#set('filterBarLink', 'found', cleared ? 'a filter was set: cleared' : 'no filter was set');
  }

  async #export(): Promise<void> {
    const page = await this.#parts.session.controlPage();
    const items = ['exportMenu', 'exportAllColumns', 'exportToCsv'] as const;
    try {
      await exportInventoryCsv(page, this.#request.csvFile, this.#parts.exportTimeoutMs);
    } catch (error) {
      if (error instanceof PageChanged) {
        for (const item of items.slice(0, items.indexOf(error.fact as (typeof items)[number])))
          this.#set(item, 'found');
      }
      throw error;
    }
    for (const item of items) this.#set(item, 'found');
    this.#result.csvSaved = true;
    let rows: ReturnType<typeof readInventoryCsv>;
    try {
      rows = readInventoryCsv(await readFile(this.#request.csvFile), 'The exported inventory');
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new PageChanged('referenceColumn', 'reading the export', error.message, 'different');
    }
    const first = rows.find((row) => row.reference.trim() !== '')?.reference.trim();
    this.#set('referenceColumn', 'found', `${rows.length} rows${first ? `, the first vehicle ${first}` : ''}`);
    this.#set('exportToCsv', 'found', 'the download came');
    if (!first) throw new TaskFailure('permanent', 'the exported inventory has no vehicle to look at');
    this.#result.reference = first;
  }

  async #filter(page: Page, reference: string): Promise<void> {
    await filterGrid(page, reference, this.#parts.stepTimeoutMs, this.#request.signal);
    const shown = await page.evaluate(
      ({ rows, reference }) =>
        [...document.querySelectorAll(rows)].filter((row) =>
          [...row.querySelectorAll('td')].some((cell) => (cell.textContent ?? '').trim() === reference),
        ).length,
      { rows: SELECTORS.gridRow, reference },
    );
    if (shown === 0) {
      const rows = await page.locator(SELECTORS.gridRow).count();
      throw new PageChanged(
        'stockFilter',
        'filtering the grid',
        `the grid shows ${rows} rows, none of ${reference}`,
        'different',
      );
    }
    this.#set('stockFilter', 'found', `${reference} shown`);
  }

  async #vehicle(page: Page, reference: string): Promise<void> {
    const before = page.url();
    let popup = false;
    const onPopup = () => (popup = true);
    page.on('popup', onPopup);
    try {
      await failFastOnErrors(page, 'opening the vehicle', async () => {
        await openExactRow(page, reference, 'opening the vehicle');
        const wait = {
          timeoutMs: this.#parts.stepTimeoutMs,
          fact: 'reportButton' as const,
          signal: this.#request.signal,
        };
        await expectLanding(page, SELECTORS.reportButton, 'opening the vehicle', wait);
      });
    } catch (error) {
      if (popup && page.url() === before) {
        this.#set('bookoutLink', 'found');
        throw new PageChanged('vehiclePage', 'opening the vehicle', 'the Bookout link opened a new tab', 'different');
      }
      if (error instanceof PageChanged && error.fact === 'reportButton') {
        this.#set('bookoutLink', 'found');
        this.#set('vehiclePage', 'found', new URL(page.url()).pathname);
        await this.#decoy(page);
      }
      throw error;
    } finally {
      page.off('popup', onPopup);
    }
    this.#set('bookoutLink', 'found');
    this.#set('vehiclePage', 'found', new URL(page.url()).pathname);
    this.#set('reportButton', 'found');
    await this.#decoy(page);
  }

  /** The other .reportButton, and the nav link on this page too. */
  async #decoy(page: Page): Promise<void> {
    const absent = await absentFacts(page, {
      reportButtonDecoy: SELECTORS.reportButtonDecoy,
      inventoryNavLink: SELECTORS.inventoryNavLink,
    });
    const decoy = absent.find((entry) => entry.fact === 'reportButtonDecoy');
    this.#set('reportButtonDecoy', decoy ? 'not found' : 'found', decoy?.instead);
    const nav = absent.find((entry) => entry.fact === 'inventoryNavLink');
    if (nav) this.#set('inventoryNavLink', 'not found', `not on the vehicle page; ${nav.instead}`);
    else if (this.#facts.get('inventoryNavLink')!.status === 'found')
      this.#set('inventoryNavLink', 'found', 'on the inventory and the vehicle page');
  }

  async #reports(page: Page): Promise<void> {
    await failFastOnErrors(page, 'opening Print/Email Reports', async () => {
      await clickIn(page, SELECTORS.reportButton);
      const wait = { timeoutMs: this.#parts.stepTimeoutMs, fact: 'createPdf' as const, signal: this.#request.signal };
      await expectLanding(page, { button: SELECTORS.createPdfButtonName }, 'opening Print/Email Reports', wait);
    });
    this.#set('createPdf', 'found');
  }

  async #createPdf(page: Page): Promise<void> {
    const report = await this.#parts.capture.create(page, this.#parts.stepTimeoutMs, this.#request.signal);
    this.#set('pdfUrl', 'found', new URL(report.url).pathname);
    this.#result.pdf = report.body;
  }

  async #prove(reference: string): Promise<void> {
    const pdf = this.#result.pdf!;
    const why = await this.#request.prove(pdf, reference);
    if (why) throw new PageChanged('reportIdentity', 'proving the PDF', why, 'different');
    const size = `${Math.round(pdf.length / 1024)} KB`;
    this.#set('reportIdentity', 'found', `${size}, names ${reference} after "${REPORT_IDENTITY.name}"`);
  }

  async #logout(): Promise<void> {
    const ok = await this.#step('logging out', () => this.#parts.session.logout(this.#request.logoutWithinMs));
    if (ok) {
      this.#result.loggedOut = true;
      this.#set('logout', 'found');
    }
  }
}

// The J.D. Power ValuesOnline portal, behind the Portal interface.
import { blockResources } from '../../browser/resource-blocking.ts';
import { readFile } from 'node:fs/promises';
import type {
  CheckRequest,
  InventoryExport,
  Portal,
  PortalCheck,
  PortalDeps,
  PortalKind,
  ReportTab,
  SignInResult,
} from '../portal.ts';
import { checkValuesOnline } from './check.ts';
import { readInventoryCsv } from './inventory-csv.ts';
import { clearFilters, exportInventoryCsv } from './inventory-page.ts';
import { PdfCapture } from './pdf-capture.ts';
import { VehicleReportTab } from './report-tab.ts';
import { PATHS, REPORT_IDENTITY } from './selectors.ts';
import { ValuesOnlineSession } from './session.ts';
import { VehicleAddresses } from './vehicle-addresses.ts';

/** The inventory export may take this long (the portal builds the whole file first). */
const EXPORT_TIMEOUT_MS = 300_000;
/** One step of the control tab (a page, the login, the license) may take this long: an answer that never comes costs no more. */
const CONTROL_STEP_TIMEOUT_MS = 30_000;
/** One probe of an unreachable portal may take this long. */
const PROBE_TIMEOUT_MS = 10_000;

class ValuesOnline implements Portal {
  readonly name = 'J.D. Power ValuesOnline';
  readonly reportIdentity = REPORT_IDENTITY;
  #deps: PortalDeps;
  #session: ValuesOnlineSession;
  #capture: PdfCapture;
  /** Whether this account's tabs may open vehicle pages at their address: one judgement for all of them. */
  #addresses: VehicleAddresses;

  constructor(deps: PortalDeps) {
    this.#deps = deps;
    this.#addresses = new VehicleAddresses((change) => deps.events.info(change));
    this.#capture = new PdfCapture(deps.interceptor, deps.stepTimeoutMs, deps.requestGate);
    this.#session = new ValuesOnlineSession({
      origin: deps.origin,
      credentials: deps.credentials,
      newPage: () => deps.context().newPage(),
      isBrowserAlive: deps.isBrowserAlive,
      events: deps.events,
      timeoutMs: Math.min(deps.stepTimeoutMs, CONTROL_STEP_TIMEOUT_MS),
    });
  }

  install(): void {
    this.#capture.install();
  }

  signIn(): Promise<SignInResult> {
    return this.#session.ensureSignedIn();
  }

  recover(): Promise<SignInResult> {
    return this.#session.ensureSignedIn();
  }

  waitUntilReachable(maxMs: number, signal?: AbortSignal): Promise<void> {
    return this.#session.waitUntilReachable(() => this.#probe(), maxMs, signal);
  }

  /** Any HTTP answer of the start page means the portal is reachable again. */
  async #probe(): Promise<void> {
    const options = { timeout: PROBE_TIMEOUT_MS, maxRedirects: 0, failOnStatusCode: false };
    const answer = await this.#deps.context().request.get(this.#session.url(PATHS.start), options);
    await answer.dispose();
  }

  /** Clears the grid's stored filters (the export follows them), then exports all columns as CSV. */
  async exportInventory(file: string): Promise<InventoryExport> {
    await this.#session.ensureSignedIn();
    const page = await this.#session.controlPage();
    const clearedFilter = await clearFilters(page, this.#deps.stepTimeoutMs);
    await exportInventoryCsv(page, file, Math.max(this.#deps.stepTimeoutMs, EXPORT_TIMEOUT_MS));
    return { rows: readInventoryCsv(await readFile(file), 'The exported inventory'), clearedFilter };
  }

  /** The export menu needs the stylesheets: resources are blocked only from here on. */
  async prepareForDownloads(options: { blockResources: boolean }): Promise<void> {
    if (options.blockResources) await blockResources(this.#deps.interceptor);
    await this.#session.closeControlPage();
  }

  async newTab(): Promise<ReportTab> {
    const page = await this.#deps.context().newPage();
    const { username, password } = this.#deps.credentials;
    const cookieValues = async () => (await this.#deps.context().cookies()).map((cookie) => cookie.value);
    return new VehicleReportTab(page, this.#capture, {
      origin: this.#deps.origin,
      stepTimeoutMs: this.#deps.stepTimeoutMs,
      secrets: { credentials: [username, password], cookieValues },
      addresses: this.#addresses,
    });
  }

  logout(withinMs: number): Promise<void> {
    return this.#session.logout(withinMs);
  }

  check(request: CheckRequest): Promise<PortalCheck> {
    const exportTimeoutMs = Math.max(this.#deps.stepTimeoutMs, EXPORT_TIMEOUT_MS);
    const parts = { session: this.#session, capture: this.#capture, stepTimeoutMs: this.#deps.stepTimeoutMs };
    return checkValuesOnline({ ...parts, exportTimeoutMs }, request);
  }
}

/** The ValuesOnline portal; `open` starts the adapter for one account (its request rules registered with the browser). */
export const valuesOnline: PortalKind = {
  name: 'J.D. Power ValuesOnline',
  reportIdentity: REPORT_IDENTITY,
  open: async (deps) => {
    const portal = new ValuesOnline(deps);
    portal.install();
    return portal;
  },
};

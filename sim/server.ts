import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Answers, cookie, readBody } from './answers.ts';
import { inventoryCsv } from './csv.ts';
import { FaultPlan } from './faults.ts';
import { generateInventory, type Vehicle } from './inventory.ts';
import type { FaultOptions, PortalOptions, Step } from './options.ts';
import { portalAssets, type Asset } from './pages/assets.ts';
import * as html from './pages/html.ts';
import { pageNames, type PageNames } from './pages/names.ts';
import { PdfCapacity } from './pdf-capacity.ts';
import { bookoutPdf } from './pdf.ts';
import { unit } from './random.ts';
import { SessionStore, type GridFilter, type Session } from './sessions.ts';
import { Stats, type SimStats } from './stats.ts';

const HTML = 'text/html; charset=utf-8';
const VEHICLE_PATH_PREFIX = '/ValuesOnline/vehicle/Bookout/';
const VEHICLE_QUERY_PATH = '/ValuesOnline/Vehicle/Bookout.aspx';

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  session: Session | undefined;
}

interface Route {
  /** Name in stats.requests.byRoute. */
  name: string;
  /** Latency and faults apply per step; none for the simulator's own control routes. */
  step: Step | null;
  /** The vehicle this request is about, when it is about one. */
  ref?: string;
  handle(exchange: Exchange): Promise<void> | void;
}

export type TriggerAction = 'expire' | 'kick' | 'license' | 'down';

/** The simulated ValuesOnline portal: HTTP/1.1 on loopback, pages as in portal.md section A. */
export class PortalServer {
  readonly options: PortalOptions;
  readonly inventory: Vehicle[];
  #byKey: Map<string, Vehicle>;
  /** The vehicles each session selected by a Bookout click (`bookoutLinks: 'selects'`), by session id. */
  #selected = new Map<string, Set<string>>();
  #byRef: Map<string, Vehicle>;
  #stats: Stats;
  #sessions: SessionStore;
  #faults: FaultPlan;
  #pdfCapacity: PdfCapacity;
  #names: PageNames;
  #pages: html.Pages;
  #assets: Record<string, Asset>;
  #answers: Answers;
  #reportTokens = new Map<string, string>();
  /** The session each answer in progress is for (static files excluded). */
  #answering = new WeakMap<ServerResponse, Session>();
  #server: Server;
  #sockets = new Set<Socket>();
  #stopping = new AbortController();
  #port = 0;
  #pdfsServed = 0;
  #down = false;

  constructor(options: PortalOptions) {
    this.options = options;
    this.inventory = generateInventory(options.seed, options.vehicles, options.rowIdShape);
    this.#byKey = new Map(this.inventory.map((vehicle) => [vehicle.key, vehicle]));
    this.#byRef = new Map(this.inventory.map((vehicle) => [vehicle.ref, vehicle]));
    this.#stats = new Stats(options.pdfCapacity);
    this.#sessions = new SessionStore(options, this.#stats, options.initialFilter);
    this.#faults = new FaultPlan(options.seed, options.profile, options.timeScale, options.faults, this.#stats);
    this.#pdfCapacity = new PdfCapacity(options, this.#stats);
    this.#names = pageNames(options.renamed);
    this.#pages = new html.Pages(this.#names, (key) => this.#vehiclePath(key), options.bookoutLinks, options.reportTab);
    this.#assets = portalAssets(this.#names);
    this.#answers = new Answers(options, this.#stopping.signal, (res) => this.#renewedAuthCookie(res));
    this.#server = createServer((req, res) => void this.#serve(req, res));
    this.#server.keepAliveTimeout = 30_000;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://${this.options.host}:${this.#port}`;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#port || this.options.port, this.options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address && typeof address === 'object') this.#port = address.port;
    return this.url;
  }

  stats(): SimStats {
    return this.#stats.snapshot(this.#sessions.aliveCount);
  }

  resetStats(): void {
    this.#stats.reset(this.#sessions.aliveCount);
  }

  setFaults(faults: Partial<FaultOptions>): void {
    this.#faults.update(faults);
  }

  trigger(action: TriggerAction, ms = 30_000): void {
    if (action === 'expire' || action === 'kick') this.#sessions.endAll(action === 'expire' ? 'expired' : 'kicked');
    else if (action === 'license') this.#sessions.requireLicenseAgain();
    else void this.#goDown(ms);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Connection refused for `ms`: stop listening, drop every connection, listen again on the same port. */
  async #goDown(ms: number): Promise<void> {
    if (this.#down) return;
    this.#down = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    try {
      await sleep(ms, undefined, { signal: this.#stopping.signal });
      await this.listen();
    } catch {
      // stopped while down
    } finally {
      this.#down = false;
    }
  }

  // --- request handling ---------------------------------------------------------------------

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://portal');
    if (url.pathname.startsWith('/__sim/')) return this.#control(req, res, url);
    const route = this.#route(req.method ?? 'GET', url);
    this.#stats.requestStarted(route.name);
    let ended = false;
    const end = (status: number | 'hung') => {
      if (ended) return;
      ended = true;
      this.#stats.requestEnded(status);
    };
    res.once('finish', () => end(res.statusCode));
    // An answer whose headers left counts by its status even when its body never ended.
    res.once('close', () => end(res.writableFinished || res.headersSent ? res.statusCode : 'hung'));
    try {
      if (route.step && !(await this.#applyStep(route, res))) return;
      const session = this.#sessions.touch(cookie(req, '.ASPXAUTH'));
      if (session && route.step !== 'static') this.#answering.set(res, session);
      await route.handle({ req, res, url, session });
    } catch (error) {
      if (this.#stopping.signal.aborted || res.destroyed) return;
      if (!res.headersSent) await this.#answers.error(res, 500, HTML, html.serverErrorPage());
      else res.destroy(error as Error);
    }
  }

  /**
   * With no-store pages, every answer to a live session sends its auth cookie again, as ASP.NET's
   * sliding expiration does. Chromium keeps a no-store page in its back/forward cache as long as no
   * cookie changed; a cookie sent again counts as changed, so going back is always a full load.
   */
  #renewedAuthCookie(res: ServerResponse): Record<string, string> {
    const session = this.#answering.get(res);
    if (this.options.htmlCache !== 'no-store' || !session || !this.#sessions.isAlive(session)) return {};
    // Checked when the answer leaves: a session ended meanwhile must not overwrite a newer login's cookie.
    return { 'Set-Cookie': `.ASPXAUTH=${session.id}; Path=/; HttpOnly` };
  }

  /** Faults and latency of a step. False when a fault has answered (or swallowed) the request. */
  async #applyStep(route: Route, res: ServerResponse): Promise<boolean> {
    const step = route.step!;
    const key = route.ref ?? route.name;
    const fault = this.#faults.requestFault(step, key);
    if (fault?.kind === 'hang') return false; // never answered; the socket closes when the client gives up
    if (step !== 'pdf') {
      const delay = this.#stepDelay(step, key) + (step === 'grid' ? this.#faults.slowGridMs(key) : 0);
      await this.#wait(delay);
      this.#stats.serverTime(step, delay, route.ref);
    }
    if (fault?.kind === 'error500') {
      await this.#answers.error(res, 500, HTML, html.serverErrorPage());
      return false;
    }
    if (fault?.kind === 'rateLimit') {
      const seconds = fault.retryAfterSeconds;
      await this.#answers.error(res, 429, HTML, html.tooManyRequestsPage(seconds), { 'Retry-After': String(seconds) });
      return false;
    }
    return true;
  }

  /** The profile's delay of one request, stretched when more requests than the load knee are in flight. */
  #stepDelay(step: Step, key: string): number {
    const delay = this.#faults.delayMs(step, key);
    const knee = this.options.loadLatency?.knee;
    const inFlight = this.#stats.inFlight;
    return knee && inFlight > knee ? Math.round((delay * inFlight) / knee) : delay;
  }

  #wait(ms: number): Promise<void> {
    return ms > 0 ? sleep(ms, undefined, { signal: this.#stopping.signal }) : Promise.resolve();
  }

  #vehiclePath(key: string): string {
    return this.options.vehicleUrl === 'path'
      ? `${VEHICLE_PATH_PREFIX}${key}`
      : `${VEHICLE_QUERY_PATH}?vehicleId=${encodeURIComponent(key)}`;
  }

  /** The vehicle key of a vehicle page's URL (of the portal's own shape only), else null. */
  #vehicleKey(url: URL): string | null {
    if (this.options.vehicleUrl === 'query')
      return url.pathname === VEHICLE_QUERY_PATH ? (url.searchParams.get('vehicleId') ?? '') : null;
    const match = /^\/ValuesOnline\/vehicle\/Bookout\/([A-Za-z0-9-]+)$/.exec(url.pathname);
    return match ? match[1]! : null;
  }

  #route(method: string, url: URL): Route {
    const path = url.pathname;
    if (path === html.LOGIN_PATH && method === 'POST')
      return { name: 'login', step: 'login', handle: (x) => this.#login(x) };
    if (path === html.LOGIN_PATH)
      return { name: 'login-page', step: 'login', handle: (x) => this.#loginOrLicensePage(x) };
    if (path === '/ValuesOnline/Home/AcceptLicense')
      return { name: 'license', step: 'license', handle: (x) => this.#acceptLicense(x) };
    if (path === '/ValuesOnline/Home/Logout') return { name: 'logout', step: 'logout', handle: (x) => this.#logout(x) };
    if (path === '/ValuesOnline/' || path === '/ValuesOnline' || path === '/')
      return { name: 'home', step: null, handle: (x) => this.#home(x) };
    if (path === html.INVENTORY_PATH)
      return { name: 'inventory', step: 'inventory', handle: (x) => this.#inventoryPage(x) };
    if (path === '/ValuesOnline/vehicle/GridCallback')
      return { name: 'grid', step: 'grid', handle: (x) => this.#gridCallback(x) };
    if (path === html.SELECT_PATH && method === 'POST')
      return { name: 'select', step: 'grid', handle: (x) => this.#selectVehicle(x) };
    if (path === '/ValuesOnline/vehicle/ExportCsv')
      return { name: 'export', step: 'export', handle: (x) => this.#exportCsv(x) };
    const key = this.#vehicleKey(url);
    if (key !== null)
      return {
        name: 'vehicle',
        step: 'vehicle',
        ref: this.#byKey.get(key)?.ref,
        handle: (x) => this.#vehiclePage(x, key),
      };
    if (path === '/ValuesOnline/Reports/Dialog')
      return { name: 'report', step: 'report', handle: (x) => this.#reportDialog(x) };
    if (path === this.#names.pdfUrl) {
      const ref = this.#reportTokens.get(url.searchParams.get('reportToken') ?? '');
      return { name: 'pdf', step: 'pdf', ref, handle: (x) => this.#pdfReport(x, ref) };
    }
    const asset = this.#assets[path];
    if (asset)
      return {
        name: 'static',
        step: 'static',
        handle: ({ res }) => this.#send(res, 200, asset.type, asset.body, { 'Cache-Control': 'public, max-age=86400' }),
      };
    // Outside the application (the browser's /favicon.ico, say), the web server's own 404 comes at once.
    return { name: 'other', step: null, handle: ({ res }) => this.#send(res, 404, 'text/plain', 'Not found') };
  }

  #send(
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer | Uint8Array,
    headers: Record<string, string> = {},
  ): void {
    this.#answers.send(res, status, type, body, headers);
  }

  #redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
    this.#answers.redirect(res, location, headers);
  }

  #loginUrl(returnUrl: string): string {
    return `${html.LOGIN_PATH}?ReturnUrl=${encodeURIComponent(returnUrl)}`;
  }

  /** A page needs a live session and an accepted license; otherwise redirect as ASP.NET does. */
  #pageGuard({ res, url, session }: Exchange): Session | null {
    if (session && !this.#sessions.licenseDue(session)) return session;
    this.#redirect(res, this.#loginUrl(url.pathname + url.search));
    return null;
  }

  /** AJAX callbacks answer with a redirect the page's script follows (as the DevExpress callbacks do). */
  #callbackGuard({ res, session }: Exchange, returnUrl: string): Session | null {
    if (session && !this.#sessions.licenseDue(session)) return session;
    this.#send(res, 200, 'application/json', JSON.stringify({ redirect: this.#loginUrl(returnUrl) }));
    return null;
  }

  #loginOrLicensePage(x: Exchange): void {
    const returnUrl = x.url.searchParams.get('ReturnUrl') || '/ValuesOnline/';
    if (!x.session) return this.#send(x.res, 200, HTML, this.#pages.loginPage(returnUrl));
    if (this.#sessions.licenseDue(x.session))
      return this.#send(x.res, 200, HTML, this.#pages.licensePage(returnUrl, this.options.licenseDelayMs));
    this.#redirect(x.res, returnUrl);
  }

  async #login(x: Exchange): Promise<void> {
    const form = new URLSearchParams(await readBody(x.req));
    const returnUrl = form.get('ReturnUrl') || x.url.searchParams.get('ReturnUrl') || '/ValuesOnline/';
    const result = this.#sessions.login(form.get('username') ?? '', form.get('password') ?? '');
    if (!result.ok) return this.#send(x.res, 200, HTML, this.#pages.loginPage(returnUrl, result.message));
    const cookies = [
      `.ASPXAUTH=${result.session.id}; Path=/; HttpOnly`,
      `ASP.NET_SessionId=${randomBytes(12).toString('hex')}; Path=/; HttpOnly`,
    ];
    const next = result.session.licenseDue ? this.#loginUrl(returnUrl) : returnUrl;
    this.#redirect(x.res, next, { 'Set-Cookie': cookies });
  }

  #acceptLicense(x: Exchange): void {
    if (!x.session)
      return this.#send(x.res, 200, 'application/json', JSON.stringify({ redirect: this.#loginUrl('/ValuesOnline/') }));
    this.#sessions.acceptLicense(x.session);
    this.#send(x.res, 200, 'application/json', JSON.stringify({ redirect: '/ValuesOnline/' }));
  }

  #logout(x: Exchange): void {
    if (x.session) this.#sessions.logout(x.session);
    this.#redirect(x.res, this.#loginUrl('/ValuesOnline/'), {
      'Set-Cookie': ['.ASPXAUTH=; Path=/; Max-Age=0', 'ASP.NET_SessionId=; Path=/; Max-Age=0'],
    });
  }

  #home(x: Exchange): void {
    if (this.#pageGuard(x)) this.#redirect(x.res, html.INVENTORY_PATH);
  }

  // --- inventory and grid -------------------------------------------------------------------

  #gridVehicles(filter: GridFilter): Vehicle[] {
    const hidden = new Set(this.options.missingFromGrid);
    return this.#filtered(filter).filter((vehicle) => !hidden.has(vehicle.ref));
  }

  /** Vehicles the stored filter lets through (the export follows it too), duplicates included. */
  #filtered(filter: GridFilter): Vehicle[] {
    return this.#rows().filter(
      (vehicle) =>
        (!filter.make || vehicle.make === filter.make) &&
        (!filter.stockNumber || vehicle.ref.startsWith(filter.stockNumber)),
    );
  }

  /** Inventory rows, with `duplicateRows` rows listed twice. */
  #rows(): Vehicle[] {
    return [...this.inventory, ...this.inventory.slice(0, this.options.duplicateRows)];
  }

  #gridView(filter: GridFilter, page: number): html.GridView & { stockNumber: string } {
    const vehicles = this.#gridVehicles(filter);
    const pages = Math.max(1, Math.ceil(vehicles.length / this.options.pageSize));
    const current = Math.min(Math.max(0, page), pages - 1);
    const shown = vehicles.slice(current * this.options.pageSize, (current + 1) * this.options.pageSize);
    return {
      rows: this.#pages.gridRows(shown),
      filterBar: this.#pages.filterBar(filter),
      pager: html.pager(current, pages),
      stockNumber: filter.stockNumber ?? '',
    };
  }

  #inventoryPage(x: Exchange): void {
    const session = this.#pageGuard(x);
    if (!session) return;
    const filter = this.#sessions.filterOf(session.user);
    this.#send(x.res, 200, HTML, this.#pages.inventoryPage(this.#gridView(filter, 0), filter));
  }

  async #gridCallback(x: Exchange): Promise<void> {
    const params = JSON.parse((await readBody(x.req)) || '{}') as { action?: string; value?: string; page?: number };
    const session = this.#callbackGuard(x, html.INVENTORY_PATH);
    if (!session) return;
    const user = session.user;
    let filter = this.#sessions.filterOf(user);
    if (params.action === 'filter') filter = { ...filter, stockNumber: (params.value ?? '').trim() || undefined };
    if (params.action === 'clear') filter = {};
    this.#sessions.setFilter(user, filter);
    const view = this.#gridView(filter, params.action === 'page' ? (params.page ?? 0) : 0);
    this.#send(x.res, 200, 'application/json', JSON.stringify({ ...view, renderAfterMs: this.options.gridRenderMs }));
  }

  #exportCsv(x: Exchange): void {
    const session = this.#pageGuard(x);
    if (!session) return;
    this.#stats.csvExports += 1;
    const { csvBom, csvLineEnding, csvLayout, csvQuoteAll, csvFileName } = this.options;
    const csv = inventoryCsv(this.#filtered(this.#sessions.filterOf(session.user)), {
      bom: csvBom,
      lineEnding: csvLineEnding,
      layout: csvLayout,
      quoteAll: csvQuoteAll,
      referenceColumn: this.#names.referenceColumn,
    });
    this.#send(x.res, 200, 'text/csv; charset=utf-8', csv, {
      'Content-Disposition': `attachment; filename="${csvFileName}"`,
    });
  }

  // --- vehicle, reports, PDF ----------------------------------------------------------------

  async #vehiclePage(x: Exchange, key: string): Promise<void> {
    const session = this.#pageGuard(x);
    if (!session) return;
    const vehicle = this.#byKey.get(key);
    if (!vehicle) return this.#answers.error(x.res, 404, HTML, html.serverErrorPage());
    if (this.options.bookoutLinks === 'selects' && !this.#selected.get(session.id)?.has(key)) {
      return this.#redirect(x.res, html.INVENTORY_PATH);
    }
    this.#send(x.res, 200, HTML, this.#pages.vehiclePage(vehicle));
  }

  /** A Bookout click selecting its vehicle in the session (`bookoutLinks: 'selects'`). */
  #selectVehicle(x: Exchange): void {
    const session = this.#callbackGuard(x, html.INVENTORY_PATH);
    if (!session) return;
    const key = x.url.searchParams.get('key') ?? '';
    if (!this.#byKey.has(key)) return this.#send(x.res, 404, 'application/json', '{}');
    const selected = this.#selected.get(session.id) ?? new Set<string>();
    selected.add(key);
    this.#selected.set(session.id, selected);
    this.#send(x.res, 200, 'application/json', '{}');
  }

  async #reportDialog(x: Exchange): Promise<void> {
    const { vehicle: key } = JSON.parse((await readBody(x.req)) || '{}') as { vehicle?: string };
    const vehicle = this.#byKey.get(key ?? '');
    if (!this.#callbackGuard(x, vehicle ? this.#vehiclePath(vehicle.key) : html.INVENTORY_PATH)) return;
    if (!vehicle) return this.#answers.error(x.res, 404, 'application/json', '{}');
    const token = randomBytes(16).toString('hex');
    this.#reportTokens.set(token, vehicle.ref);
    const html_ = this.#pages.reportDialog(token, this.#faults.popupDelayMs(vehicle.ref));
    this.#send(x.res, 200, 'application/json', JSON.stringify({ html: html_ }));
  }

  async #pdfReport(x: Exchange, ref: string | undefined): Promise<void> {
    if (!x.session || this.#sessions.licenseDue(x.session))
      return this.#redirect(x.res, this.#loginUrl('/ValuesOnline/'));
    const vehicle = ref ? this.#byRef.get(ref) : undefined;
    if (!vehicle) return this.#answers.error(x.res, 404, HTML, html.serverErrorPage());
    if (this.#faults.alwaysFails(vehicle.ref)) return this.#answers.error(x.res, 500, HTML, html.serverErrorPage());
    const retryAfter = this.#pdfCapacity.refusal();
    if (retryAfter !== null)
      return this.#answers.error(x.res, 503, HTML, html.serviceUnavailablePage(retryAfter), {
        'Retry-After': String(retryAfter),
      });
    const bytes = await this.#pdfCapacity.run(async () => {
      const delay = this.#stepDelay('pdf', vehicle.ref);
      await this.#wait(delay);
      this.#stats.serverTime('pdf', delay, vehicle.ref);
      const pdf = await bookoutPdf(vehicle, this.options.seed, new Date(), this.#names.stockLabel);
      this.#stats.pdfGenerated(vehicle.ref);
      return pdf;
    });
    this.#pdfsServed += 1;
    this.#pdfCapacity.pdfsServed(this.#pdfsServed);
    // Only once this answer has left: the PDF that reaches the count is still delivered.
    if (x.res.destroyed) this.#fireTriggers();
    else x.res.once('close', () => this.#fireTriggers());
    const fault = this.#faults.pdfFault(vehicle.ref);
    if (fault === 'html') return this.#send(x.res, 200, HTML, html.serverErrorPage());
    const body =
      fault === 'truncated'
        ? bytes.subarray(
            0,
            Math.floor(bytes.length * (0.3 + 0.5 * unit(this.options.seed, 'cut', vehicle.ref, this.#pdfsServed))),
          )
        : bytes;
    this.#send(x.res, 200, 'application/pdf', body, {
      'Content-Disposition': `${this.#disposition(vehicle.ref)}; filename="Bookout_${vehicle.ref}.pdf"`,
    });
  }

  #disposition(ref: string): 'inline' | 'attachment' {
    const delivery = this.options.pdfDelivery;
    if (delivery !== 'mixed') return delivery;
    return unit(this.options.seed, 'delivery', ref) < 0.5 ? 'inline' : 'attachment';
  }

  #fireTriggers(): void {
    for (const action of this.#faults.dueTriggers(this.#pdfsServed)) {
      this.trigger(action, this.#faults.faults.downAfterPdfs?.ms);
    }
  }

  // --- control routes (not part of any real portal) -----------------------------------------

  async #control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const json = (status: number, value: unknown) => this.#send(res, status, 'application/json', JSON.stringify(value));
    try {
      if (url.pathname === '/__sim/stats') return json(200, this.stats());
      if (url.pathname === '/__sim/options') return json(200, this.options);
      if (req.method !== 'POST') return json(405, { error: 'use POST' });
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      if (url.pathname === '/__sim/reset') {
        this.resetStats();
        return json(200, { ok: true });
      }
      if (url.pathname === '/__sim/faults') {
        this.setFaults(body as Partial<FaultOptions>);
        return json(200, { ok: true, faults: this.#faults.faults });
      }
      if (url.pathname === '/__sim/trigger') {
        const action = body.action as TriggerAction;
        if (!['expire', 'kick', 'license', 'down'].includes(action))
          return json(400, { error: 'action must be expire, kick, license or down' });
        res.once('close', () => this.trigger(action, typeof body.ms === 'number' ? body.ms : undefined));
        return json(200, { ok: true });
      }
      json(404, { error: 'unknown control route' });
    } catch (error) {
      json(400, { error: (error as Error).message });
    }
  }
}

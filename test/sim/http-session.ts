// A minimal HTTP client for the simulated portal's own tests: login with cookies, pages, grid, reports, PDFs.
// It knows the simulation's own choices (vehicle page URL, GetPdfReport query): fine here, never in src/.
import type { SimPortal } from '../../sim/index.ts';
import { pageNames } from '../../sim/pages/names.ts';

export const LOGIN = '/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/';
export const INVENTORY = '/ValuesOnline/vehicle/';

export interface PdfAnswer {
  status: number;
  type: string;
  bytes: Buffer;
  headers: Headers;
}

export class HttpSession {
  readonly portal: SimPortal;
  cookies = '';

  constructor(portal: SimPortal) {
    this.portal = portal;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.portal.url}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { cookie: this.cookies, ...(init.headers as Record<string, string>) },
    });
  }

  /** POSTs the login form; on success keeps the cookies and accepts the license if asked. */
  async login(password = this.portal.credentials.password): Promise<{ ok: boolean; status: number; page: string }> {
    const body = new URLSearchParams({
      username: this.portal.credentials.username,
      password,
      ReturnUrl: '/ValuesOnline/',
    });
    const response = await this.request(LOGIN, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (response.status !== 302) return { ok: false, status: response.status, page: await response.text() };
    this.cookies = response.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
    if (response.headers.get('location')?.includes('LicenseAgreement')) await this.acceptLicense();
    return { ok: true, status: response.status, page: '' };
  }

  async acceptLicense(): Promise<{ redirect?: string }> {
    const response = await this.request('/ValuesOnline/Home/AcceptLicense', { method: 'POST' });
    return (await response.json()) as { redirect?: string };
  }

  async logout(): Promise<void> {
    await this.request('/ValuesOnline/Home/Logout');
  }

  async json<T>(path: string, body: unknown): Promise<{ status: number; data: T }> {
    const response = await this.request(path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (response.status !== 200) await response.body?.cancel();
    return { status: response.status, data: (response.status === 200 ? await response.json() : undefined) as T };
  }

  /** One grid callback (filter, clear or page), as the page's script sends it. */
  grid(params: { action: 'filter'; value: string } | { action: 'clear' } | { action: 'page'; page: number }) {
    return this.json<{ rows?: string; redirect?: string }>('/ValuesOnline/vehicle/GridCallback', params);
  }

  /** The vehicle page (the simulation's URL; the real one is unknown). */
  vehiclePage(ref: string): Promise<Response> {
    return this.request(vehiclePathOf(this.portal, this.vehicle(ref).key));
  }

  /** Opens the reports dialog of the vehicle with `ref` and returns its GetPdfReport path. */
  async reportPath(ref: string): Promise<string> {
    const { data } = await this.json<{ html: string }>('/ValuesOnline/Reports/Dialog', {
      vehicle: this.vehicle(ref).key,
    });
    const token = /createPdf\('([0-9a-f]+)'/.exec(data.html)![1];
    return `${pageNames(this.portal.options.renamed).pdfUrl}?reportToken=${token}`;
  }

  /** GETs a report path (from reportPath) and keeps the whole body. */
  async fetchPdf(path: string): Promise<PdfAnswer> {
    const response = await this.request(path);
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      bytes: Buffer.from(await response.arrayBuffer()),
      headers: response.headers,
    };
  }

  async pdf(ref: string): Promise<PdfAnswer> {
    return this.fetchPdf(await this.reportPath(ref));
  }

  vehicle(ref: string) {
    const vehicle = this.portal.inventory.find((v) => v.ref === ref);
    if (!vehicle) throw new Error(`no vehicle ${ref} in the simulated inventory`);
    return vehicle;
  }
}

/** The address of a vehicle page, in the portal's `vehicleUrl` shape. */
export function vehiclePathOf(portal: SimPortal, key: string): string {
  return portal.options.vehicleUrl === 'query'
    ? `/ValuesOnline/Vehicle/Bookout.aspx?vehicleId=${encodeURIComponent(key)}`
    : `/ValuesOnline/vehicle/Bookout/${key}`;
}

/** Reference numbers of the data rows in a grid callback's `rows` HTML, in order. */
export function gridRefs(rowsHtml: string): string[] {
  return rowsHtml
    .split('</tr>')
    .filter((row) => row.includes('DXDataRow'))
    .map((row) => /<td class="dxgv">([^<]+)<\/td>/.exec(row)![1]!);
}

// Options of the simulated portal, with their defaults, the named variants and the latency profiles.
import { makeAt } from './inventory.ts';
import { RENAMEABLE_FACTS, type Fact } from './pages/names.ts';

export { RENAMEABLE_FACTS, type Fact } from './pages/names.ts';

export type Step =
  | 'login'
  | 'license'
  | 'inventory'
  | 'grid'
  | 'vehicle'
  | 'report'
  | 'pdf'
  | 'export'
  | 'logout'
  | 'static';

/** Steps faults apply to when a fault names none: every step but static files. */
export const PAGE_STEPS: readonly Step[] = [
  'login',
  'license',
  'inventory',
  'grid',
  'vehicle',
  'report',
  'pdf',
  'export',
  'logout',
];

export interface FaultOptions {
  /** A 500 "Server Error in '/ValuesOnline' Application." page. */
  transient500: { rate: number; steps?: Step[] };
  /** The response never comes (held until the client gives up or the portal stops). */
  hang: { rate: number; steps?: Step[] };
  /** Grid callbacks answered this late (default 3500 ms, not scaled). Stale rows stay meanwhile. */
  slowGrid: { rate: number; ms?: number };
  /** Create PDF waits this long before opening its tab (default 2000 ms). */
  delayedPopup: { rate: number; ms?: number };
  /** 200 application/pdf with only the first part of the bytes. */
  truncatedPdf: { rate: number };
  /** 200 text/html error page where the PDF should be. */
  htmlAsPdf: { rate: number };
  /** 429 with Retry-After. */
  /** `routes`: only requests of these routes (`login` is the sign-in POST, `login-page` the page). */
  rateLimit: { rate: number; retryAfterSeconds?: number; steps?: Step[]; routes?: string[] };
  /** Every live session expires once this many PDFs were served in total. */
  expireAfterPdfs: number | null;
  /** Every live session is kicked (as by a login elsewhere) once this many PDFs were served. */
  kickAfterPdfs: number | null;
  /** The license page comes back for every live session once this many PDFs were served. */
  licenseAfterPdfs: number | null;
  /** The portal refuses connections for `ms` once `after` PDFs were served. */
  downAfterPdfs: { after: number; ms: number } | null;
  /** Vehicles whose GetPdfReport always answers 500. */
  alwaysFail: string[];
}

export type LicenseMode = 'every-login' | 'first-login' | 'never' | { everyMinutes: number };
export type ProfileName = 'instant' | 'fast' | 'realistic';
export type VariantName = 'cacheable' | 'strict';
export const VARIANT_NAMES: readonly VariantName[] = ['cacheable', 'strict'];

/** How Create PDF opens the report tab (see PortalOptions.reportTab). */
export const REPORT_TABS = ['script', 'link', 'blank'] as const;
export type ReportTab = (typeof REPORT_TABS)[number];

export interface PortalOptions {
  port: number;
  host: string;
  vehicles: number;
  seed: number;
  profile: ProfileName;
  /** Multiplies every profile delay (0.05 compresses "realistic" twenty times). */
  timeScale: number;
  /** PDFs generated at once; more wait in line. */
  pdfCapacity: number;
  pdfDelivery: 'inline' | 'attachment' | 'mixed';
  pageSize: number;
  license: LicenseMode;
  /** The license checkbox is inserted this late by the page's script. */
  licenseDelayMs: number;
  lockoutMs: number;
  idleTimeoutMs: number;
  csvBom: boolean;
  duplicateRows: number;
  /** A filter already stored for the user when the portal starts. */
  initialFilter: { make?: string; stockNumber?: string } | null;
  /** In the export, but never shown by the grid. */
  missingFromGrid: string[];
  credentials: { username: string; password: string };
  faults: Partial<FaultOptions>;
  /** A preset bundle of the options below (and some above); options given explicitly override it. */
  variant: VariantName;
  /** `no-store`: every HTML page says `Cache-Control: private, no-store`, so no back/forward cache. */
  htmlCache: 'cacheable' | 'no-store';
  csvLineEnding: 'crlf' | 'lf';
  /** `reordered`: other column order and extra columns (Notes with commas, quotes, line breaks; Location). */
  csvLayout: 'standard' | 'reordered';
  /** Every CSV field in double quotes, the header too. */
  csvQuoteAll: boolean;
  csvFileName: string;
  /** `path`: /ValuesOnline/vehicle/Bookout/<id>; `query`: /ValuesOnline/Vehicle/Bookout.aspx?vehicleId=<id>. */
  vehicleUrl: 'path' | 'query';
  /** The id after `bookOutButton_` and in the vehicle URL. */
  rowIdShape: 'opaque' | 'guid' | 'numeric';
  /**
   * `href`: the Bookout link's href is the vehicle page's address; `script`: the href is
   * `javascript:;` and a click handler navigates (the address appears nowhere in the grid);
   * `selects`: the href is the address, but a click handler first selects the vehicle in the
   * session, and a vehicle page is served only for a selected vehicle (opened at its address
   * without the click, it redirects to the inventory).
   */
  bookoutLinks: 'href' | 'script' | 'selects';
  /**
   * How Create PDF opens the report tab: `script`: its handler calls window.open with the report's
   * address; `link`: it clicks a link with target=_blank (the page never calls window.open);
   * `blank`: it opens an empty tab at once and sends that tab to the report's address a moment later
   * (as a page does that learns the address only after the click: the address is in no call and no
   * link of the vehicle page).
   */
  reportTab: ReportTab;
  /** The grid's script puts a callback's rows in place this long after the answer came. */
  gridRenderMs: number;
  /** Latency before an error status (4xx, 5xx) is sent. */
  errorDelayMs: number;
  /** `slow`: the error page trickles out over `errorBodyMs`; `endless`: it never ends. Headers come at once. */
  errorBody: 'complete' | 'slow' | 'endless';
  errorBodyMs: number;
  /** Known facts of the pages renamed (an id, class, text or URL) so that a selector misses; the rest works. */
  renamed: Fact[];
  /** Once `afterPdfs` PDFs were served, only `pdfCapacity` PDFs are generated at once. */
  capacityChange: { afterPdfs: number; pdfCapacity: number } | null;
  /** With more than `knee` requests in flight, every step's delay is multiplied by inFlight / knee. */
  loadLatency: { knee: number } | null;
  /** With `maxQueued` PDF requests waiting for a slot, a new one answers 503 with Retry-After (default 2 s). */
  overload: { maxQueued: number; retryAfterSeconds?: number } | null;
}

export const DEFAULT_FAULTS: FaultOptions = {
  transient500: { rate: 0 },
  hang: { rate: 0 },
  slowGrid: { rate: 0 },
  delayedPopup: { rate: 0 },
  truncatedPdf: { rate: 0 },
  htmlAsPdf: { rate: 0 },
  rateLimit: { rate: 0 },
  expireAfterPdfs: null,
  kickAfterPdfs: null,
  licenseAfterPdfs: null,
  downAfterPdfs: null,
  alwaysFail: [],
};

export const DEFAULT_OPTIONS: PortalOptions = {
  port: 0,
  host: '127.0.0.1',
  vehicles: 1820,
  seed: 1,
  profile: 'instant',
  timeScale: 1,
  pdfCapacity: 4,
  pdfDelivery: 'inline',
  pageSize: 20,
  license: 'first-login',
  licenseDelayMs: 0,
  lockoutMs: 300_000,
  idleTimeoutMs: 1_200_000,
  csvBom: false,
  duplicateRows: 0,
  initialFilter: null,
  missingFromGrid: [],
  credentials: { username: 'demo.dealer', password: 'demo-password-1' },
  faults: {},
  variant: 'cacheable',
  htmlCache: 'cacheable',
  csvLineEnding: 'crlf',
  csvLayout: 'standard',
  csvQuoteAll: false,
  csvFileName: 'VehicleInventory.csv',
  vehicleUrl: 'path',
  rowIdShape: 'opaque',
  bookoutLinks: 'href',
  reportTab: 'script',
  gridRenderMs: 0,
  errorDelayMs: 0,
  errorBody: 'complete',
  errorBodyMs: 3000,
  renamed: [],
  capacityChange: null,
  loadLatency: null,
  overload: null,
};

/**
 * The options a variant sets. `cacheable` is the defaults; `strict` makes the contrasting choice
 * wherever the real portal's behaviour is not known. `seed` picks a make present in the inventory.
 */
export function variantPreset(variant: VariantName, seed: number): Partial<PortalOptions> {
  if (variant === 'cacheable') return {};
  return {
    htmlCache: 'no-store',
    pdfDelivery: 'attachment',
    pageSize: 10,
    csvBom: true,
    csvLineEnding: 'crlf',
    csvLayout: 'reordered',
    csvQuoteAll: true,
    csvFileName: 'vehicleGridView.csv',
    initialFilter: { make: makeAt(seed, 0) },
    vehicleUrl: 'query',
    rowIdShape: 'guid',
    errorDelayMs: 1500,
    errorBody: 'slow',
    reportTab: 'blank',
  };
}

/** Median server time per step in ms; the spread gives the long tail. */
export interface Profile {
  medianMs: Record<Step, number>;
  /** Log-normal sigma per step; the delay is capped at 4 x median. */
  sigma: Record<Step, number>;
}

const zero: Record<Step, number> = {
  login: 0,
  license: 0,
  inventory: 0,
  grid: 0,
  vehicle: 0,
  report: 0,
  pdf: 0,
  export: 0,
  logout: 0,
  static: 0,
};

export const PROFILES: Record<ProfileName, Profile> = {
  instant: { medianMs: zero, sigma: zero },
  fast: {
    medianMs: {
      login: 60,
      license: 30,
      inventory: 40,
      grid: 30,
      vehicle: 40,
      report: 20,
      pdf: 250,
      export: 120,
      logout: 20,
      static: 0,
    },
    sigma: { ...zero, pdf: 0.3, vehicle: 0.2, inventory: 0.2, grid: 0.2 },
  },
  // About 20 s of server time per vehicle: inventory 2.5 + grid 1.5 + vehicle 4 + report 0.5 + PDF 10 (long tail).
  realistic: {
    medianMs: {
      login: 1500,
      license: 800,
      inventory: 2500,
      grid: 1500,
      vehicle: 4000,
      report: 500,
      pdf: 10_000,
      export: 8000,
      logout: 500,
      static: 20,
    },
    sigma: {
      login: 0.3,
      license: 0.3,
      inventory: 0.3,
      grid: 0.35,
      vehicle: 0.3,
      report: 0.3,
      pdf: 0.5,
      export: 0.3,
      logout: 0.2,
      static: 0.2,
    },
  },
};

/** Defaults, then the variant's preset, then the options given (undefined ones ignored); throws on a bad value. */
export function resolveOptions(options: Partial<PortalOptions>): PortalOptions {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<PortalOptions>;
  const variant = given.variant ?? DEFAULT_OPTIONS.variant;
  if (!VARIANT_NAMES.includes(variant))
    throw new Error(`unknown variant ${variant} (use ${VARIANT_NAMES.join(' or ')})`);
  const preset = variantPreset(variant, given.seed ?? DEFAULT_OPTIONS.seed);
  const merged: PortalOptions = { ...DEFAULT_OPTIONS, ...preset, ...given, variant, faults: { ...given.faults } };
  checkSizes(merged);
  checkChoices(merged);
  checkCapacity(merged);
  return merged;
}

function checkSizes(options: PortalOptions): void {
  if (!Number.isInteger(options.vehicles) || options.vehicles < 1 || options.vehicles > 20_000)
    throw new Error('vehicles must be from 1 to 20000');
  if (!(options.timeScale > 0)) throw new Error('timeScale must be above 0');
  if (!Number.isInteger(options.pageSize) || options.pageSize < 1) throw new Error('pageSize must be at least 1');
  if (!(options.errorDelayMs >= 0) || !(options.errorBodyMs >= 0) || !(options.gridRenderMs >= 0))
    throw new Error('errorDelayMs, errorBodyMs and gridRenderMs must be 0 or more');
  if (!/^[\w.() -]+\.csv$/i.test(options.csvFileName))
    throw new Error(`csvFileName must be a plain file name ending in .csv (got "${options.csvFileName}")`);
}

const CHOICES = {
  profile: Object.keys(PROFILES),
  pdfDelivery: ['inline', 'attachment', 'mixed'],
  htmlCache: ['cacheable', 'no-store'],
  csvLineEnding: ['crlf', 'lf'],
  csvLayout: ['standard', 'reordered'],
  vehicleUrl: ['path', 'query'],
  rowIdShape: ['opaque', 'guid', 'numeric'],
  bookoutLinks: ['href', 'script', 'selects'],
  reportTab: REPORT_TABS,
  errorBody: ['complete', 'slow', 'endless'],
} as const;

function checkChoices(options: PortalOptions): void {
  for (const [name, allowed] of Object.entries(CHOICES)) {
    const value = options[name as keyof typeof CHOICES];
    if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name} must be ${allowed.join(', ')}`);
  }
  const unknown = options.renamed.filter((fact) => !RENAMEABLE_FACTS.includes(fact));
  if (unknown.length > 0)
    throw new Error(`renamed: unknown fact ${unknown.join(', ')} (known: ${RENAMEABLE_FACTS.join(', ')})`);
}

function checkCapacity(options: PortalOptions): void {
  const atLeastOne = (value: number | undefined) => Number.isInteger(value) && value! >= 1;
  if (!atLeastOne(options.pdfCapacity)) throw new Error('pdfCapacity must be at least 1');
  const change = options.capacityChange;
  if (change && (!atLeastOne(change.pdfCapacity) || !Number.isInteger(change.afterPdfs) || change.afterPdfs < 0))
    throw new Error('capacityChange needs afterPdfs >= 0 and pdfCapacity >= 1');
  if (options.loadLatency && !(options.loadLatency.knee >= 1)) throw new Error('loadLatency.knee must be at least 1');
  const overload = options.overload;
  if (overload && (!Number.isInteger(overload.maxQueued) || overload.maxQueued < 0))
    throw new Error('overload.maxQueued must be 0 or more');
}

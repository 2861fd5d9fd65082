// Options of the simulated portal, with their defaults, and the latency profiles.

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
  rateLimit: { rate: number; retryAfterSeconds?: number; steps?: Step[] };
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
};

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

export function resolveOptions(options: Partial<PortalOptions>): PortalOptions {
  const merged = { ...DEFAULT_OPTIONS, ...options, faults: { ...options.faults } };
  if (!Number.isInteger(merged.vehicles) || merged.vehicles < 1 || merged.vehicles > 20_000)
    throw new Error('vehicles must be from 1 to 20000');
  if (!(merged.timeScale > 0)) throw new Error('timeScale must be above 0');
  if (!Number.isInteger(merged.pdfCapacity) || merged.pdfCapacity < 1)
    throw new Error('pdfCapacity must be at least 1');
  if (!PROFILES[merged.profile]) throw new Error(`unknown profile ${merged.profile}`);
  return merged;
}

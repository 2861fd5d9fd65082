// The command line of `npm run portal`: its help and the parsing of its flags into portal options.
// Flags not given stay undefined, so that a --variant's preset (or the default) applies.
import { parseArgs } from 'node:util';
import { REPORT_TABS, type FaultOptions, type PortalOptions, type ProfileName } from './options.ts';

export const HELP = `Simulated J.D. Power ValuesOnline portal (for tests, benchmarks and demos).

Usage: npm run portal -- [options]

  --port <n>               port to listen on (default 8080; 0 = any free port)
  --host <address>         address to listen on (default 127.0.0.1)
  --vehicles <n>           inventory size, 1 to 20000 (default 1820)
  --seed <n>               inventory and fault decisions derive from it (default 1)
  --profile <name>         latency: instant, fast or realistic (default fast)
  --time-scale <x>         multiplies every delay, e.g. 0.05 (default 1)
  --variant <name>         preset of the choices below: cacheable (default) or strict; flags given win
  --pdf-capacity <n>       PDFs generated at once; more wait in line (default 4)
  --capacity-change <n:m>  once n PDFs were served, only m are generated at once
  --load-knee <k>          above k requests in flight, every delay is multiplied by in-flight / k
  --overload <q[:s]>       with q PDF requests waiting, a new one gets 503, Retry-After s (default 2)
  --pdf-delivery <mode>    inline, attachment or mixed (default inline)
  --page-size <n>          grid rows per page (default 20)
  --html-cache <mode>      cacheable (no Cache-Control) or no-store (private, no-store) on HTML pages
  --vehicle-url <shape>    path (/ValuesOnline/vehicle/Bookout/<id>) or query (.../Vehicle/Bookout.aspx?vehicleId=<id>)
  --row-id-shape <shape>   id after bookOutButton_: opaque (V + 9 digits), guid or numeric (default opaque)
  --bookout-links <kind>   href (the link's href is the vehicle page), script (javascript:; and a click handler)
                           or selects (the href, but only a click that selects the vehicle first opens it) (default href)
  --report-tab <how>       how Create PDF opens the report tab: script (window.open), link (a target=_blank
                           link) or blank (an empty tab, sent to the report a moment later) (default script)
  --grid-render <ms>       the grid's script shows a callback's rows this late (default 0)
  --error-delay <ms>       wait before an error status (4xx, 5xx) is sent (default 0)
  --error-body <mode>      complete, slow (trickles over --error-body-ms) or endless (default complete)
  --error-body-ms <ms>     how long a slow error body takes (default 3000)
  --license <mode>         every-login, first-login, never, or minutes between prompts (default first-login)
  --license-delay <ms>     the license checkbox appears this late (default 0)
  --lockout <ms>           lockout after an active-session refusal (default 300000)
  --idle-timeout <ms>      session expiry after idle time (default 1200000)
  --csv-bom                start the CSV export with a UTF-8 BOM (--no-csv-bom: without)
  --csv-line-ending <le>   crlf (default) or lf
  --csv-layout <layout>    standard (default) or reordered (other order, Notes and Location columns)
  --csv-quote-all          every CSV field in double quotes (--no-csv-quote-all: only where needed)
  --csv-file-name <name>   the export's file name (default VehicleInventory.csv)
  --initial-filter <f>     a grid filter left from an earlier session: stock=1650,make=Ford (none: no filter)
  --duplicate-rows <n>     rows listed twice in the grid and export (default 0)
  --rename <facts>         comma-separated page facts to rename, e.g. reportButton,exportCsv,stockNumberInput
                           (also username, password, loginButton, logoutButton, licenseCheckbox,
                           inventoryNavLink, gridRow, filterBarLink, bookoutLink, exportMenu,
                           exportAllColumns, createPdf, pdfUrl, referenceColumn, stockLabel)
  --faults <list>          comma-separated name=value, for example
                           transient500=0.05,hang=0.01,slowGrid=0.1,delayedPopup=0.2,truncatedPdf=0.01,
                           htmlAsPdf=0.01,rateLimit=0.02,expireAfterPdfs=100,kickAfterPdfs=200,
                           licenseAfterPdfs=300,downAfterPdfs=400:30000,alwaysFail=165001;165002
  --help                   this text

While it runs: GET /__sim/stats, POST /__sim/reset, POST /__sim/faults (JSON), POST /__sim/trigger
({"action":"expire"|"kick"|"license"|"down","ms":30000}).`;

export class CliError extends Error {}

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  vehicles: { type: 'string' },
  seed: { type: 'string' },
  profile: { type: 'string' },
  'time-scale': { type: 'string' },
  variant: { type: 'string' },
  'pdf-capacity': { type: 'string' },
  'capacity-change': { type: 'string' },
  'load-knee': { type: 'string' },
  overload: { type: 'string' },
  'pdf-delivery': { type: 'string' },
  'page-size': { type: 'string' },
  'html-cache': { type: 'string' },
  'vehicle-url': { type: 'string' },
  'row-id-shape': { type: 'string' },
  'bookout-links': { type: 'string' },
  'report-tab': { type: 'string' },
  'grid-render': { type: 'string' },
  'error-delay': { type: 'string' },
  'error-body': { type: 'string' },
  'error-body-ms': { type: 'string' },
  license: { type: 'string' },
  'license-delay': { type: 'string' },
  lockout: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'csv-bom': { type: 'boolean' },
  'csv-line-ending': { type: 'string' },
  'csv-layout': { type: 'string' },
  'csv-quote-all': { type: 'boolean' },
  'csv-file-name': { type: 'string' },
  'initial-filter': { type: 'string' },
  'duplicate-rows': { type: 'string' },
  rename: { type: 'string' },
  faults: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowNegative: true }>>['values'];

/** The portal options the flags give (CLI defaults: port 8080, profile fast), or null for --help. */
export function parseCli(argv: string[]): Partial<PortalOptions> | null {
  let values: Values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS, allowNegative: true }));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (values.help) return null;
  return { ...basics(values), ...sectionBChoices(values), ...capacity(values) };
}

function basics(values: Values): Partial<PortalOptions> {
  return {
    port: number('port', values.port) ?? 8080,
    host: values.host,
    vehicles: number('vehicles', values.vehicles),
    seed: number('seed', values.seed),
    profile: choice('profile', values.profile, ['instant', 'fast', 'realistic']) ?? ('fast' as ProfileName),
    timeScale: number('time-scale', values['time-scale']),
    variant: choice('variant', values.variant, ['cacheable', 'strict']),
    license: license(values.license),
    licenseDelayMs: number('license-delay', values['license-delay']),
    lockoutMs: number('lockout', values.lockout),
    idleTimeoutMs: number('idle-timeout', values['idle-timeout']),
    duplicateRows: number('duplicate-rows', values['duplicate-rows']),
    renamed: values.rename === undefined ? undefined : (list(values.rename) as PortalOptions['renamed']),
    faults: parseFaults(values.faults ?? ''),
  };
}

function sectionBChoices(values: Values): Partial<PortalOptions> {
  return {
    pdfDelivery: choice('pdf-delivery', values['pdf-delivery'], ['inline', 'attachment', 'mixed']),
    pageSize: number('page-size', values['page-size']),
    htmlCache: choice('html-cache', values['html-cache'], ['cacheable', 'no-store']),
    vehicleUrl: choice('vehicle-url', values['vehicle-url'], ['path', 'query']),
    rowIdShape: choice('row-id-shape', values['row-id-shape'], ['opaque', 'guid', 'numeric']),
    bookoutLinks: choice('bookout-links', values['bookout-links'], ['href', 'script', 'selects']),
    reportTab: choice('report-tab', values['report-tab'], REPORT_TABS),
    gridRenderMs: number('grid-render', values['grid-render']),
    errorDelayMs: number('error-delay', values['error-delay']),
    errorBody: choice('error-body', values['error-body'], ['complete', 'slow', 'endless']),
    errorBodyMs: number('error-body-ms', values['error-body-ms']),
    csvBom: values['csv-bom'],
    csvLineEnding: choice('csv-line-ending', values['csv-line-ending'], ['crlf', 'lf']),
    csvLayout: choice('csv-layout', values['csv-layout'], ['standard', 'reordered']),
    csvQuoteAll: values['csv-quote-all'],
    csvFileName: values['csv-file-name'],
    initialFilter: initialFilter(values['initial-filter']),
  };
}

function capacity(values: Values): Partial<PortalOptions> {
  const change = pair('capacity-change', values['capacity-change']);
  const overload = pair('overload', values.overload, 2);
  const knee = number('load-knee', values['load-knee']);
  return {
    pdfCapacity: number('pdf-capacity', values['pdf-capacity']),
    capacityChange: change && { afterPdfs: change[0], pdfCapacity: change[1] },
    loadLatency: knee === undefined ? undefined : { knee },
    overload: overload && { maxQueued: overload[0], retryAfterSeconds: overload[1] },
  };
}

function number(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new CliError(`--${name} must be a number (got "${raw}")`);
  return value;
}

function choice<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw as T)) throw new CliError(`--${name} must be ${allowed.join(', ')} (got "${raw}")`);
  return raw as T;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** "n:m" (or "n" when `second` has a default) as two whole numbers. */
function pair(name: string, raw: string | undefined, second?: number): [number, number] | undefined {
  if (raw === undefined) return undefined;
  const [first, other] = raw.split(':');
  const numbers = [Number(first), other === undefined ? second : Number(other)];
  if (!numbers.every((value) => Number.isInteger(value) && value! >= 0))
    throw new CliError(`--${name} needs ${second === undefined ? 'n:m' : 'n or n:m'} (got "${raw}")`);
  return numbers as [number, number];
}

function initialFilter(raw: string | undefined): PortalOptions['initialFilter'] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  const filter: NonNullable<PortalOptions['initialFilter']> = {};
  for (const item of list(raw)) {
    const [key, value = ''] = item.split('=').map((part) => part.trim());
    if (!value) throw new CliError(`--initial-filter needs name=value items (got "${item}")`);
    if (key === 'stock' || key === 'stockNumber') filter.stockNumber = value;
    else if (key === 'make') filter.make = value;
    else throw new CliError(`--initial-filter knows stock and make (got "${key}")`);
  }
  return filter;
}

function license(raw: string | undefined): PortalOptions['license'] | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'every-login' || raw === 'first-login' || raw === 'never') return raw;
  const minutes = Number(raw);
  if (!(minutes > 0))
    throw new CliError(`--license must be every-login, first-login, never or a number of minutes (got "${raw}")`);
  return { everyMinutes: minutes };
}

/** Parses "transient500=0.05,hang=0.01,downAfterPdfs=400:30000,alwaysFail=165001;165002". */
export function parseFaults(text: string): Partial<FaultOptions> {
  const faults: Partial<FaultOptions> = {};
  for (const item of list(text)) {
    const [name = '', raw = ''] = item.split('=');
    Object.assign(faults, oneFault(name, raw));
  }
  return faults;
}

function oneFault(name: string, raw: string): Partial<FaultOptions> {
  const value = Number(raw);
  switch (name) {
    case 'transient500':
    case 'hang':
    case 'slowGrid':
    case 'delayedPopup':
    case 'truncatedPdf':
    case 'htmlAsPdf':
    case 'rateLimit':
      if (!(value >= 0 && value <= 1)) throw new CliError(`fault ${name} needs a rate from 0 to 1 (got "${raw}")`);
      return { [name]: { rate: value } };
    case 'expireAfterPdfs':
    case 'kickAfterPdfs':
    case 'licenseAfterPdfs':
      if (!Number.isInteger(value) || value < 0) throw new CliError(`fault ${name} needs a count (got "${raw}")`);
      return { [name]: value };
    case 'downAfterPdfs': {
      const [after, ms = '30000'] = raw.split(':');
      if (!Number.isInteger(Number(after)) || !Number.isInteger(Number(ms)))
        throw new CliError(`fault downAfterPdfs needs count:ms (got "${raw}")`);
      return { downAfterPdfs: { after: Number(after), ms: Number(ms) } };
    }
    case 'alwaysFail':
      return { alwaysFail: raw.split(';').filter(Boolean) };
    default:
      throw new CliError(`unknown fault "${name}"`);
  }
}

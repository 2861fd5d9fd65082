// Command line of the benchmark: options, their defaults, and checks with one clear message.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { REPORT_TABS, VARIANT_NAMES, type PortalOptions, type ReportTab, type VariantName } from '../sim/index.ts';
import {
  fileStamp,
  parseToolArgs,
  timeScale,
  UsageError,
  variantName,
  wholeNumber,
} from '../test/support/tool-options.ts';
import { installedBuilds, isExecutable, knownBuilds, type BrowserBuild } from './browsers.ts';

export const BENCH_ROOT = resolve(import.meta.dirname, '..');

/** How the simulated portal's capacity behaves (and how it opens report tabs), the same for every run of a benchmark. */
export interface PortalSettings {
  /** PDFs the portal generates at once. */
  pdfCapacity: number;
  capacityChange: PortalOptions['capacityChange'];
  loadLatency: PortalOptions['loadLatency'];
  overload: PortalOptions['overload'];
  /** How Create PDF opens the report tab; null: as the variant does. */
  reportTab: ReportTab | null;
}

export interface BenchOptions extends PortalSettings {
  /** Tab counts to measure, one fresh portal and one product run each. */
  tabs: number[];
  vehicles: number;
  /** Multiplies the realistic profile's delays (0.1 = ten times faster than the field). */
  timeScale: number;
  seed: number;
  /** The simulated portal's variants (its choices where the real portal is not known). */
  variants: VariantName[];
  /** The browser builds, each run passes its path as BROWSER_PATH. */
  browsers: BrowserBuild[];
  /** Also a run with WORKERS=auto (MAX_WORKERS = the largest tab count) per variant and build. */
  auto: boolean;
  /** Another checkout of bookout, measured with the same settings right after each run of this one. */
  baseline: string | null;
  /** The build the baseline runs with (as it would pick one itself); null: the same build as this checkout. */
  baselineBrowser: BrowserBuild | null;
  /** The JSON file written at the end. */
  out: string;
}

const DEFAULTS = {
  tabs: [1, 2, 4, 6, 8, 12, 16],
  vehicles: 160,
  timeScale: 0.1,
  pdfCapacity: 4,
  seed: 1,
  variants: ['cacheable', 'strict'] as VariantName[],
};
/** A smoke run: few tabs and vehicles, one build (the first found) unless --browsers names them. */
const QUICK = { tabs: [1, 4], vehicles: 24 };
const MAX_TABS = 32;

const BUILD_NAMES = knownBuilds()
  .map((build) => build.name)
  .join(', ');

export const HELP = `Usage: npm run bench -- [options]     (or: node bench/main.ts [options])

Measures the real product (node src/main.ts run) against a fresh simulated portal for each variant,
browser build and tab count (realistic profile, compressed in time), prints the tables and the targets
of issues 15 and 9, and writes everything to a JSON file.

Options:
  --tabs <list>            tab counts to measure, comma-separated     (default ${DEFAULTS.tabs.join(',')})
  --vehicles <n>           vehicles in the inventory                  (default ${DEFAULTS.vehicles})
  --time-scale <x>         multiplies the portal's realistic delays   (default ${DEFAULTS.timeScale})
  --seed <n>               seed of the inventory and the delays       (default ${DEFAULTS.seed})
  --variants <list>        portal variants: ${VARIANT_NAMES.join(', ')}         (default ${DEFAULTS.variants.join(',')})
  --variant <name>         one variant only (the same as --variants <name>)
  --browsers <list>        builds: ${BUILD_NAMES}, or paths  (default every one installed)
  --auto                   also a run with WORKERS=auto per variant and build (MAX_WORKERS = the most tabs)
  --pdf-capacity <n>       PDFs the portal generates at once          (default ${DEFAULTS.pdfCapacity})
  --capacity-change <n:m>  once n PDFs were served, the portal generates only m at once
  --overload <q[:s]>       with q PDF requests waiting, a new one gets 503 (Retry-After s, default 2)
  --load-knee <k>          above k requests in flight, the portal's delays grow with in-flight / k
  --report-tab <how>       how the portal opens the report tab: ${REPORT_TABS.join(', ')} (default the variant's)
  --baseline <folder>      another checkout of bookout (npm ci done there), measured right after each run
  --baseline-browser <b>   the build the baseline runs with                (default the same as this checkout)
  --out <file>             JSON file to write                         (default bench/results/bench-<ISO date>.json)
  --quick                  smoke run: tabs ${QUICK.tabs.join(',')}, ${QUICK.vehicles} vehicles, the first build found (explicit options win)
  -h, --help               this text

Builds: headless-shell = /usr/lib/chromium/chromium-headless-shell, chromium = /usr/bin/chromium,
playwright = Playwright's own Chromium. BROWSER_PATH of this environment is not used: name a path in --browsers.

Exit codes: 0 every run succeeded, 1 some run failed, 2 bad options, 130 interrupted.
`;

const OPTIONS = {
  tabs: { type: 'string' },
  vehicles: { type: 'string' },
  'time-scale': { type: 'string' },
  'pdf-capacity': { type: 'string' },
  'capacity-change': { type: 'string' },
  overload: { type: 'string' },
  'load-knee': { type: 'string' },
  'report-tab': { type: 'string' },
  seed: { type: 'string' },
  variants: { type: 'string' },
  variant: { type: 'string' },
  browsers: { type: 'string' },
  auto: { type: 'boolean' },
  baseline: { type: 'string' },
  'baseline-browser': { type: 'string' },
  out: { type: 'string' },
  quick: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseToolArgs<typeof OPTIONS>>;

/**
 * The parsed options, or null when --help was asked. Throws UsageError on a bad option.
 * `installed` lists the builds this machine has (the default of --browsers).
 */
export function parseOptions(argv: string[], now = new Date(), installed = installedBuilds()): BenchOptions | null {
  const values = parseToolArgs(argv, OPTIONS);
  if (values.help) return null;
  const quick = values.quick === true;
  const number = (name: keyof Values, fallback: number, min: number, max: number) => {
    const text = values[name];
    return typeof text === 'string' ? wholeNumber(`--${name}`, text, min, max) : fallback;
  };
  return {
    tabs: values.tabs === undefined ? (quick ? QUICK.tabs : DEFAULTS.tabs) : tabList(values.tabs),
    vehicles: number('vehicles', quick ? QUICK.vehicles : DEFAULTS.vehicles, 1, 20_000),
    timeScale: values['time-scale'] === undefined ? DEFAULTS.timeScale : timeScale(values['time-scale']),
    seed: number('seed', DEFAULTS.seed, 0, 2 ** 31 - 1),
    variants: variants(values),
    browsers: browsers(values.browsers, installed, quick),
    auto: values.auto === true,
    ...portalSettings(values),
    ...baseline(values, installed),
    out:
      values.out === undefined
        ? join(BENCH_ROOT, 'bench', 'results', `bench-${fileStamp(now)}.json`)
        : resolve(values.out),
  };
}

function portalSettings(values: Values): PortalSettings {
  const change = pair('--capacity-change', values['capacity-change'], [0, 1_000_000], [1, 1000]);
  const overload = pair('--overload', values.overload, [0, 1000], [0, 600], 2);
  const knee = values['load-knee'];
  return {
    pdfCapacity:
      values['pdf-capacity'] === undefined
        ? DEFAULTS.pdfCapacity
        : wholeNumber('--pdf-capacity', values['pdf-capacity'], 1, 1000),
    capacityChange: change && { afterPdfs: change[0], pdfCapacity: change[1] },
    overload: overload && { maxQueued: overload[0], retryAfterSeconds: overload[1] },
    loadLatency: knee === undefined ? null : { knee: wholeNumber('--load-knee', knee, 1, 1000) },
    reportTab: reportTab(values['report-tab']),
  };
}

function reportTab(text: string | undefined): ReportTab | null {
  if (text === undefined) return null;
  if (!(REPORT_TABS as readonly string[]).includes(text))
    throw new UsageError(`--report-tab must be ${REPORT_TABS.join(', ')}, got "${text}"`);
  return text as ReportTab;
}

/** `n:m` (or `n` alone when `second` has a default) as two whole numbers. */
function pair(
  name: string,
  text: string | undefined,
  first: [number, number],
  second: [number, number],
  secondDefault?: number,
): [number, number] | null {
  if (text === undefined) return null;
  const [a, b, ...rest] = text.split(':');
  if (rest.length > 0 || (b === undefined && secondDefault === undefined))
    throw new UsageError(`${name} must be ${secondDefault === undefined ? 'n:m' : 'q or q:s'}, got "${text}"`);
  const value = wholeNumber(name, a!, ...first);
  return [value, b === undefined ? secondDefault! : wholeNumber(name, b, ...second)];
}

function tabList(text: string): number[] {
  const tabs = text.split(',').map((part) => wholeNumber('--tabs', part.trim(), 1, MAX_TABS));
  if (new Set(tabs).size !== tabs.length) throw new UsageError(`--tabs lists a tab count twice: "${text}"`);
  return tabs;
}

/** --variant <name> (one, as before --variants) still works: sim/README.md and older notes use it. */
function variants(values: Values): VariantName[] {
  if (values.variant !== undefined && values.variants !== undefined)
    throw new UsageError('--variant and --variants: give one of them');
  if (values.variant !== undefined) return [variantName(values.variant.trim())];
  return values.variants === undefined ? DEFAULTS.variants : variantList(values.variants);
}

function variantList(text: string): VariantName[] {
  const variants = text.split(',').map((part) => variantName(part.trim(), '--variants'));
  if (new Set(variants).size !== variants.length) throw new UsageError(`--variants lists a variant twice: "${text}"`);
  return variants;
}

function browsers(text: string | undefined, installed: BrowserBuild[], quick: boolean): BrowserBuild[] {
  if (text === undefined) {
    if (installed.length === 0)
      throw new UsageError('no browser build found (headless-shell, chromium, playwright): name a path in --browsers');
    return quick ? installed.slice(0, 1) : installed;
  }
  const builds = text.split(',').map((part) => browserBuild(part.trim(), installed));
  if (new Set(builds.map((build) => build.path)).size !== builds.length)
    throw new UsageError(`--browsers lists a build twice: "${text}"`);
  return builds;
}

function browserBuild(name: string, installed: BrowserBuild[], option = '--browsers'): BrowserBuild {
  if (isAbsolute(name)) {
    if (!isExecutable(name)) throw new UsageError(`${option}: ${name} is not an executable file`);
    return { name, path: name };
  }
  const known = knownBuilds().find((build) => build.name === name);
  if (!known) throw new UsageError(`${option}: unknown build "${name}" (use ${BUILD_NAMES} or a path)`);
  const found = installed.find((build) => build.name === name);
  if (!found) throw new UsageError(`${option}: ${name} is not installed here (${known.path || 'no path known'})`);
  return found;
}

function baseline(values: Values, installed: BrowserBuild[]): Pick<BenchOptions, 'baseline' | 'baselineBrowser'> {
  const build = values['baseline-browser'];
  if (build !== undefined && values.baseline === undefined)
    throw new UsageError('--baseline-browser needs --baseline <folder>');
  return {
    baseline: values.baseline === undefined ? null : baselineFolder(values.baseline),
    baselineBrowser: build === undefined ? null : browserBuild(build.trim(), installed, '--baseline-browser'),
  };
}

function baselineFolder(text: string): string {
  const folder = resolve(text);
  if (!existsSync(join(folder, 'src', 'main.ts')))
    throw new UsageError(`--baseline: ${folder} is not a checkout of bookout (no src/main.ts)`);
  if (!existsSync(join(folder, 'node_modules')))
    throw new UsageError(`--baseline: ${folder} has no node_modules (run npm ci there first)`);
  if (folder === BENCH_ROOT) throw new UsageError('--baseline: that is this checkout');
  return folder;
}

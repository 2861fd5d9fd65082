// Command line of the benchmark: options, their defaults, and checks with one clear message.
import { join, resolve } from 'node:path';
import type { VariantName } from '../sim/index.ts';
import {
  fileStamp,
  parseToolArgs,
  timeScale,
  UsageError,
  variantName,
  wholeNumber,
} from '../test/support/tool-options.ts';

export const BENCH_ROOT = resolve(import.meta.dirname, '..');

export interface BenchOptions {
  /** Tab counts to measure, one fresh portal and one product run each. */
  tabs: number[];
  vehicles: number;
  /** Multiplies the realistic profile's delays (0.1 = ten times faster than the field). */
  timeScale: number;
  /** PDFs the portal generates at once. */
  pdfCapacity: number;
  seed: number;
  /** The simulated portal's variant (its choices where the real portal is not known). */
  variant: VariantName;
  /** The JSON file written at the end. */
  out: string;
}

const DEFAULTS = {
  tabs: [1, 2, 4, 6, 8, 12, 16],
  vehicles: 160,
  timeScale: 0.1,
  pdfCapacity: 4,
  seed: 1,
  variant: 'cacheable',
};
const QUICK = { tabs: [1, 4, 8], vehicles: 40 };
const MAX_TABS = 64;

export const HELP = `Usage: npm run bench -- [options]     (or: node bench/main.ts [options])

Measures the real product (node src/main.ts run) against a fresh simulated portal for each tab
count (realistic profile, compressed in time), prints a table and writes a JSON file.

Options:
  --tabs <list>          tab counts to measure, comma-separated       (default ${DEFAULTS.tabs.join(',')})
  --vehicles <n>         vehicles in the inventory                    (default ${DEFAULTS.vehicles})
  --time-scale <x>       multiplies the portal's realistic delays     (default ${DEFAULTS.timeScale})
  --pdf-capacity <n>     PDFs the portal generates at once            (default ${DEFAULTS.pdfCapacity})
  --seed <n>             seed of the inventory and the delays         (default ${DEFAULTS.seed})
  --variant <name>       the portal's variant: cacheable or strict    (default ${DEFAULTS.variant})
  --out <file>           JSON file to write                           (default bench/results/bench-<ISO date>.json)
  --quick                smoke run: tabs ${QUICK.tabs.join(',')} and ${QUICK.vehicles} vehicles (explicit --tabs/--vehicles win)
  -h, --help             this text

Exit codes: 0 every run succeeded, 1 some run failed, 2 bad options, 130 interrupted.
`;

/** The parsed options, or null when --help was asked. Throws UsageError on a bad option. */
export function parseOptions(argv: string[], now = new Date()): BenchOptions | null {
  const values = parseToolArgs(argv, {
    tabs: { type: 'string' },
    vehicles: { type: 'string' },
    'time-scale': { type: 'string' },
    'pdf-capacity': { type: 'string' },
    seed: { type: 'string' },
    variant: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (values.help) return null;
  const quick = values.quick === true;
  return {
    tabs: values.tabs === undefined ? (quick ? QUICK.tabs : DEFAULTS.tabs) : tabList(values.tabs),
    vehicles:
      values.vehicles === undefined
        ? quick
          ? QUICK.vehicles
          : DEFAULTS.vehicles
        : wholeNumber('--vehicles', values.vehicles, 1, 20_000),
    timeScale: values['time-scale'] === undefined ? DEFAULTS.timeScale : timeScale(values['time-scale']),
    pdfCapacity:
      values['pdf-capacity'] === undefined
        ? DEFAULTS.pdfCapacity
        : wholeNumber('--pdf-capacity', values['pdf-capacity'], 1, 1000),
    seed: values.seed === undefined ? DEFAULTS.seed : wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1),
    variant: variantName(values.variant ?? DEFAULTS.variant),
    out:
      values.out === undefined
        ? join(BENCH_ROOT, 'bench', 'results', `bench-${fileStamp(now)}.json`)
        : resolve(values.out),
  };
}

function tabList(text: string): number[] {
  const tabs = text.split(',').map((part) => wholeNumber('--tabs', part.trim(), 1, MAX_TABS));
  if (new Set(tabs).size !== tabs.length) throw new UsageError(`--tabs lists a tab count twice: "${text}"`);
  return tabs;
}

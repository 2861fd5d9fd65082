// Command line of the soak: options, their defaults, and checks with one clear message.
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

export const SOAK_ROOT = resolve(import.meta.dirname, '..');

export interface SoakOptions {
  vehicles: number;
  workers: number;
  /** Multiplies the realistic profile's delays. */
  timeScale: number;
  pdfCapacity: number;
  seed: number;
  /** Times the product is killed with SIGKILL and started again. */
  kills: number;
  /** The simulated portal's variant (its choices where the real portal is not known). */
  variant: VariantName;
  /**
   * `soak`: the heavy mix (5% 500s, a Chromium crash, SIGKILLs, more retries); `field`: a night as the
   * field saw it (3% 500s, 1% hangs, 3% bad PDFs, one expiry, one kick), with the product's defaults.
   */
  mix: 'soak' | 'field';
  out: string;
}

const DEFAULTS = {
  vehicles: 2000,
  workers: 8,
  timeScale: 0.05,
  pdfCapacity: 4,
  seed: 1,
  kills: 3,
  variant: 'cacheable',
  mix: 'soak',
};
const QUICK = { vehicles: 200 };

export const HELP = `Usage: npm run soak -- [options]     (or: node soak/main.ts [options])

Runs the real product (node src/main.ts run) through a whole inventory against the simulated portal
(realistic profile, compressed in time) with a fault mix: 5% transient 500s and 1% hanging answers
per request, 1% bad PDFs (truncated or HTML), one session expiry, one session kick, one Chromium
crash and SIGKILL restarts. Then it checks the outcome from outside (files on disk, portal stats),
prints a table of the checks and of memory (node plus all Chromium processes) over time, and writes
a JSON file.

Options:
  --vehicles <n>       vehicles in the inventory                 (default ${DEFAULTS.vehicles})
  --workers <n>        tabs                                      (default ${DEFAULTS.workers})
  --time-scale <x>     multiplies the portal's realistic delays  (default ${DEFAULTS.timeScale})
  --pdf-capacity <n>   PDFs the portal generates at once         (default ${DEFAULTS.pdfCapacity})
  --seed <n>           seed of the inventory, delays and faults  (default ${DEFAULTS.seed})
  --kills <n>          SIGKILL restarts                          (default ${DEFAULTS.kills})
  --variant <name>     the portal's variant: cacheable or strict (default ${DEFAULTS.variant})
  --mix <name>         soak: the heavy mix above; field: 3% 500s, 1% hangs, 3% bad PDFs, one expiry and
                       one kick, no crash and no kill unless --kills, the product's own defaults
                       (but the tabs)                            (default ${DEFAULTS.mix})
  --out <file>         JSON file to write                        (default soak/results/soak-<ISO date>.json)
  --quick              ${QUICK.vehicles} vehicles (an explicit --vehicles wins)
  -h, --help           this text

Exit codes: 0 every check passed, 1 a check failed, 2 bad options, 130 interrupted.
`;

/** The parsed options, or null when --help was asked. Throws UsageError on a bad option. */
export function parseOptions(argv: string[], now = new Date()): SoakOptions | null {
  const values = parseToolArgs(argv, {
    vehicles: { type: 'string' },
    workers: { type: 'string' },
    'time-scale': { type: 'string' },
    'pdf-capacity': { type: 'string' },
    seed: { type: 'string' },
    kills: { type: 'string' },
    variant: { type: 'string' },
    mix: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean' },
  });
  if (values.help) return null;
  const vehiclesDefault = values.quick ? QUICK.vehicles : DEFAULTS.vehicles;
  const mix = mixName(values.mix ?? DEFAULTS.mix);
  return {
    vehicles: values.vehicles === undefined ? vehiclesDefault : wholeNumber('--vehicles', values.vehicles, 50, 20_000),
    workers: values.workers === undefined ? DEFAULTS.workers : wholeNumber('--workers', values.workers, 1, 32),
    timeScale: values['time-scale'] === undefined ? DEFAULTS.timeScale : timeScale(values['time-scale']),
    pdfCapacity:
      values['pdf-capacity'] === undefined
        ? DEFAULTS.pdfCapacity
        : wholeNumber('--pdf-capacity', values['pdf-capacity'], 1, 1000),
    seed: values.seed === undefined ? DEFAULTS.seed : wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1),
    kills:
      values.kills === undefined ? (mix === 'field' ? 0 : DEFAULTS.kills) : wholeNumber('--kills', values.kills, 0, 20),
    variant: variantName(values.variant ?? DEFAULTS.variant),
    mix,
    out:
      values.out === undefined
        ? join(SOAK_ROOT, 'soak', 'results', `soak-${fileStamp(now)}.json`)
        : resolve(values.out),
  };
}

function mixName(text: string): SoakOptions['mix'] {
  if (text === 'soak' || text === 'field') return text;
  throw new UsageError(`--mix must be soak or field (got "${text}")`);
}

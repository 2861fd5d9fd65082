// Runs of the same benchmark set side by side: strict against cacheable, this checkout against the
// baseline, WORKERS=auto against the best fixed tab count.
import type { VariantName } from '../sim/index.ts';
import { cpuTotal, type RunFigures } from './figures.ts';
import type { Checkout } from './plan.ts';

export interface VariantComparison {
  browser: string;
  checkout: Checkout;
  tabs: number;
  cacheable: number;
  strict: number;
  /** strict / cacheable vehicles per hour. */
  ratio: number;
}

export interface BaselineComparison {
  variant: VariantName;
  browser: string;
  /** The build the baseline's run used (--baseline-browser), when not `browser`. */
  baselineBuild: string;
  workers: number | 'auto';
  cpu: { this: number; baseline: number; ratio: number } | null;
  overhead: { this: number; baseline: number } | null;
  vehiclesPerHour: { this: number; baseline: number } | null;
}

export interface AutoComparison {
  variant: VariantName;
  browser: string;
  checkout: Checkout;
  auto: number;
  best: { tabs: number; vehiclesPerHour: number } | null;
  /** auto / best fixed vehicles per hour. */
  ratio: number | null;
}

const fixed = (run: RunFigures) => run.workers !== 'auto';
const sameGroup = (a: RunFigures, b: RunFigures) => a.browser === b.browser && a.checkout === b.checkout;

/** For each build and fixed tab count measured on both variants (both runs usable). */
export function strictVsCacheable(runs: RunFigures[]): VariantComparison[] {
  const usable = runs.filter((run) => run.ok && fixed(run) && run.vehiclesPerHour !== null);
  return usable
    .filter((run) => run.variant === 'cacheable')
    .flatMap((cacheable) => {
      const strict = usable.find(
        (run) => run.variant === 'strict' && sameGroup(run, cacheable) && run.workers === cacheable.workers,
      );
      if (!strict) return [];
      const [c, s] = [cacheable.vehiclesPerHour!, strict.vehiclesPerHour!];
      return [
        {
          browser: cacheable.browser,
          checkout: cacheable.checkout,
          tabs: cacheable.tabs,
          cacheable: c,
          strict: s,
          ratio: s / c,
        },
      ];
    });
}

/** Each run of this checkout next to the baseline's same run (when both are usable). */
export function againstBaseline(runs: RunFigures[]): BaselineComparison[] {
  const usable = runs.filter((run) => run.ok);
  return usable
    .filter((run) => run.checkout === 'this')
    .flatMap((mine) => {
      const base = usable.find(
        (run) =>
          run.checkout === 'baseline' &&
          run.variant === mine.variant &&
          run.browser === mine.browser &&
          run.workers === mine.workers,
      );
      if (!base) return [];
      const [cpuThis, cpuBase] = [cpuTotal(mine), cpuTotal(base)];
      const [overThis, overBase] = [mine.overheadSPerVehicle, base.overheadSPerVehicle];
      const [vphThis, vphBase] = [mine.vehiclesPerHour, base.vehiclesPerHour];
      return [
        {
          variant: mine.variant,
          browser: mine.browser,
          baselineBuild: base.build,
          workers: mine.workers,
          cpu: cpuThis !== null && cpuBase ? { this: cpuThis, baseline: cpuBase, ratio: cpuThis / cpuBase } : null,
          overhead: overThis !== null && overBase !== null ? { this: overThis, baseline: overBase } : null,
          vehiclesPerHour: vphThis !== null && vphBase !== null ? { this: vphThis, baseline: vphBase } : null,
        },
      ];
    });
}

/** Each WORKERS=auto run against the best fixed tab count of its variant, build and checkout. */
export function autoVsBestFixed(runs: RunFigures[]): AutoComparison[] {
  const usable = runs.filter((run) => run.ok && run.vehiclesPerHour !== null);
  return usable
    .filter((run) => !fixed(run))
    .map((auto) => {
      const best = usable
        .filter((run) => fixed(run) && run.variant === auto.variant && sameGroup(run, auto))
        .reduce<RunFigures | null>(
          (top, run) => (!top || run.vehiclesPerHour! > top.vehiclesPerHour! ? run : top),
          null,
        );
      return {
        variant: auto.variant,
        browser: auto.browser,
        checkout: auto.checkout,
        auto: auto.vehiclesPerHour!,
        best: best ? { tabs: best.tabs, vehiclesPerHour: best.vehiclesPerHour! } : null,
        ratio: best ? auto.vehiclesPerHour! / best.vehiclesPerHour! : null,
      };
    });
}

// The runs of a benchmark, in the order they are made: per variant, per build, each tab count (then
// WORKERS=auto), each run of this checkout followed at once by the same run of the baseline.
import type { VariantName } from '../sim/index.ts';
import type { BrowserBuild } from './browsers.ts';
import type { BenchOptions } from './options.ts';

export type Checkout = 'this' | 'baseline';

export interface PlannedRun {
  variant: VariantName;
  browser: BrowserBuild;
  workers: number | 'auto';
  /** With WORKERS=auto: MAX_WORKERS. */
  maxWorkers: number | null;
  checkout: Checkout;
}

export function planRuns(options: Pick<BenchOptions, 'variants' | 'browsers' | 'tabs' | 'auto' | 'baseline'>) {
  const checkouts: Checkout[] = options.baseline ? ['this', 'baseline'] : ['this'];
  const maxWorkers = Math.max(...options.tabs);
  const counts: Array<number | 'auto'> = options.auto ? [...options.tabs, 'auto'] : options.tabs;
  const runs: PlannedRun[] = [];
  for (const variant of options.variants)
    for (const browser of options.browsers)
      for (const workers of counts)
        for (const checkout of checkouts)
          runs.push({ variant, browser, workers, maxWorkers: workers === 'auto' ? maxWorkers : null, checkout });
  return runs;
}

export const workersLabel = (workers: number | 'auto') =>
  workers === 'auto' ? 'auto' : `${workers} tab${workers === 1 ? '' : 's'}`;

/** `cacheable, headless-shell, 4 tabs` (`, baseline` for the baseline's run). */
export function runLabel(run: PlannedRun): string {
  const base = run.checkout === 'baseline' ? ', baseline' : '';
  return `${run.variant}, ${run.browser.name}, ${workersLabel(run.workers)}${base}`;
}

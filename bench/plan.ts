// The runs of a benchmark, in the order they are made: per variant, per build, each tab count (then
// WORKERS=auto), each run of this checkout followed at once by the same run of the baseline.
import type { VariantName } from '../sim/index.ts';
import type { BrowserBuild } from './browsers.ts';
import type { BenchOptions } from './options.ts';

export type Checkout = 'this' | 'baseline';

export interface PlannedRun {
  variant: VariantName;
  /** The build of this checkout's run: the runs are grouped and paired by it. */
  browser: BrowserBuild;
  /** The build the run uses: `browser`, or for the baseline the one --baseline-browser names. */
  build: BrowserBuild;
  workers: number | 'auto';
  /** With WORKERS=auto: MAX_WORKERS. */
  maxWorkers: number | null;
  checkout: Checkout;
}

type PlanOptions = Pick<BenchOptions, 'variants' | 'browsers' | 'tabs' | 'auto' | 'baseline' | 'baselineBrowser'>;

export function planRuns(options: PlanOptions): PlannedRun[] {
  const checkouts: Checkout[] = options.baseline ? ['this', 'baseline'] : ['this'];
  const maxWorkers = Math.max(...options.tabs);
  const counts: Array<number | 'auto'> = options.auto ? [...options.tabs, 'auto'] : options.tabs;
  const runs: PlannedRun[] = [];
  for (const variant of options.variants)
    for (const browser of options.browsers)
      for (const workers of counts)
        for (const checkout of checkouts) {
          const build = checkout === 'baseline' ? (options.baselineBrowser ?? browser) : browser;
          runs.push({ variant, browser, build, workers, maxWorkers: workers === 'auto' ? maxWorkers : null, checkout });
        }
  return runs;
}

export const workersLabel = (workers: number | 'auto') =>
  workers === 'auto' ? 'auto' : `${workers} tab${workers === 1 ? '' : 's'}`;

/** `cacheable, headless-shell, 4 tabs` (`, baseline`, or `, baseline on chromium` on another build). */
export function runLabel(run: PlannedRun): string {
  const base = baselineSuffix(run.checkout, run.browser.name, run.build.name);
  return `${run.variant}, ${run.browser.name}, ${workersLabel(run.workers)}${base}`;
}

export function baselineSuffix(checkout: Checkout, browser: string, build: string): string {
  if (checkout !== 'baseline') return '';
  return build === browser ? ', baseline' : `, baseline on ${build}`;
}

// The targets of issues 15 and 9 (and the earlier ones still kept), judged from the runs' figures.
import type { VariantName } from '../sim/index.ts';
import { againstBaseline, autoVsBestFixed, strictVsCacheable } from './compare.ts';
import type { RunFigures } from './figures.ts';
import type { BenchOptions } from './options.ts';

export interface TargetResult {
  issue: '15' | '9' | 'earlier';
  target: string;
  status: 'PASS' | 'MISS' | 'n/a';
  measured: string;
}

export const TARGETS = {
  memoryTabs: 5,
  maxMemoryMb: 600,
  /** The last quarter's mean PSS may exceed the second's by this share and still be flat. */
  flatGrowth: 0.05,
  aimMemoryTabs: 8,
  aimMemoryMb: 400,
  /** A whole inventory: memory over fewer vehicles says little about an 8-hour run. */
  wholeInventory: 2000,
  minAutoShare: 0.9,
  maxSettleS: 60,
  maxOverheadSPerVehicle: 0.3,
  maxCpuShareOfBaseline: 0.5,
  minStrictShare: 0.9,
  minEfficiency: 0.9,
} as const;

/** `pass` null: the run cannot tell (too short, say). */
type Judged = Array<{ label: string; pass: boolean | null; value: string }>;

/** MISS when an item fails, else n/a when one cannot tell or there is none (then `none` says why), else PASS. */
function verdict(issue: TargetResult['issue'], target: string, items: Judged, none: string): TargetResult {
  if (items.length === 0) return { issue, target, status: 'n/a', measured: none };
  const measured = items.map((item) => (item.label ? `${item.label}: ${item.value}` : item.value)).join('; ');
  const status = items.some((item) => item.pass === false)
    ? 'MISS'
    : items.some((item) => item.pass === null)
      ? 'n/a'
      : 'PASS';
  return { issue, target, status, measured };
}

const mine = (runs: RunFigures[]) => runs.filter((run) => run.ok && run.checkout === 'this');
const label = (run: Pick<RunFigures, 'variant' | 'browser'>) => `${run.variant}/${run.browser}`;
const mb = (value: number | null | undefined) => (value === null || value === undefined ? '-' : `${Math.round(value)}`);

export type TargetOptions = Pick<BenchOptions, 'vehicles' | 'capacityChange' | 'overload' | 'variants'>;

export function judgeTargets(runs: RunFigures[], options: TargetOptions): TargetResult[] {
  return [
    memoryTarget(runs, options),
    aimMemoryTarget(runs),
    autoTarget(runs),
    settleTarget(runs, options),
    overheadTarget(runs),
    ...options.variants.map((variant) => cpuTarget(runs, variant)),
    strictTarget(runs),
    pdfOnceTarget(runs),
    efficiencyTarget(runs),
  ];
}

function isFlat(run: RunFigures): boolean {
  const [, second, , last] = run.pssQuarterMeansMb;
  return second != null && last != null && last <= second * (1 + TARGETS.flatGrowth);
}

function memoryTarget(runs: RunFigures[], options: TargetOptions): TargetResult {
  const few =
    options.vehicles < TARGETS.wholeInventory
      ? ` (over ${options.vehicles} vehicles: the target wants ${TARGETS.wholeInventory})`
      : '';
  const items = mine(runs)
    .filter((run) => run.workers === TARGETS.memoryTabs)
    .map((run) => {
      const [, second, , last] = run.pssQuarterMeansMb;
      return {
        label: label(run),
        pass: run.peakPssMb < TARGETS.maxMemoryMb && isFlat(run),
        value: `peak ${mb(run.peakPssMb)} MB, quarter means ${run.pssQuarterMeansMb.map(mb).join('/')} (last/second ${second && last ? (last / second).toFixed(3) : '-'})`,
      };
    });
  const target = `peak PSS at ${TARGETS.memoryTabs} tabs < ${TARGETS.maxMemoryMb} MB and flat (last quarter <= second + ${TARGETS.flatGrowth * 100}%)${few}`;
  return verdict('15', target, items, `no usable run with ${TARGETS.memoryTabs} tabs (--tabs ${TARGETS.memoryTabs})`);
}

function aimMemoryTarget(runs: RunFigures[]): TargetResult {
  const items = mine(runs)
    .filter((run) => run.workers === TARGETS.aimMemoryTabs)
    .map((run) => ({
      label: label(run),
      pass: run.peakPssMb <= TARGETS.aimMemoryMb,
      value: `${mb(run.peakPssMb)} MB`,
    }));
  const target = `aim: peak PSS at ${TARGETS.aimMemoryTabs} tabs <= ${TARGETS.aimMemoryMb} MB`;
  return verdict(
    '15',
    target,
    items,
    `no usable run with ${TARGETS.aimMemoryTabs} tabs (--tabs ${TARGETS.aimMemoryTabs})`,
  );
}

function autoTarget(runs: RunFigures[]): TargetResult {
  const items = autoVsBestFixed(runs)
    .filter((comparison) => comparison.checkout === 'this')
    .map((comparison) => ({
      label: label(comparison),
      pass: comparison.ratio !== null && comparison.ratio >= TARGETS.minAutoShare,
      value: comparison.best
        ? `${comparison.ratio!.toFixed(2)} (auto ${Math.round(comparison.auto)} veh/h, best ${comparison.best.tabs} tabs ${Math.round(comparison.best.vehiclesPerHour)})`
        : 'no usable fixed run to compare with',
    }));
  const target = `WORKERS=auto >= ${TARGETS.minAutoShare} of the best fixed tab count's vehicles per hour`;
  return verdict('15', target, items, 'no usable WORKERS=auto run (--auto)');
}

function settleTarget(runs: RunFigures[], options: TargetOptions): TargetResult {
  const target = `WORKERS=auto settles within ${TARGETS.maxSettleS} s after the capacity halves; no overload refusals`;
  if (!options.capacityChange) return verdict('15', target, [], 'no capacity change (--capacity-change n:m)');
  const noOverload = options.overload ? '' : ' (no --overload: the portal never refuses)';
  const items = mine(runs).flatMap((run) => {
    const change = run.auto?.capacityChange;
    if (!change) return [];
    const tooShort = change.leftS < TARGETS.maxSettleS;
    const settled = change.settleS !== null && change.settleS <= TARGETS.maxSettleS;
    const halved = change.to * 2 <= change.from ? '' : ', not a halving';
    return [
      {
        label: label(run),
        pass: settleVerdict(settled, tooShort, run.overloadRefusals),
        value:
          `capacity ${change.from} -> ${change.to}${halved} at ${change.atS} s, settled at ${change.settledTabs ?? '-'} tabs ` +
          `after ${change.settleS ?? '-'} s (knee ~${change.kneeEstimate})${tooShort ? `, but the run ended ${change.leftS} s after the change` : ''}, ` +
          `${run.overloadRefusals} overload refusals${noOverload}`,
      },
    ];
  });
  return verdict('15', target, items, 'no usable WORKERS=auto run saw the capacity change (--auto, more vehicles)');
}

/** Refusals fail at once; a run that ended within a minute of the change cannot show it settled. */
function settleVerdict(settled: boolean, tooShort: boolean, overloadRefusals: number): boolean | null {
  if (overloadRefusals > 0) return false;
  if (tooShort) return null;
  return settled;
}

function overheadTarget(runs: RunFigures[]): TargetResult {
  const items = mine(runs)
    .filter((run) => run.workers === 1)
    .map((run) => ({
      label: label(run),
      pass: (run.overheadSPerVehicle ?? Infinity) <= TARGETS.maxOverheadSPerVehicle,
      value: `${run.overheadSPerVehicle?.toFixed(2) ?? '-'} s`,
    }));
  const target = `client overhead <= ${TARGETS.maxOverheadSPerVehicle} s per vehicle at 1 tab`;
  return verdict('15', target, items, 'no usable run with 1 tab (--tabs 1)');
}

function cpuTarget(runs: RunFigures[], variant: VariantName): TargetResult {
  const items = againstBaseline(runs)
    .filter((comparison) => comparison.variant === variant && comparison.cpu !== null)
    .map((comparison) => ({
      label: `${comparison.browser} ${comparison.workers}`,
      pass: comparison.cpu!.ratio <= TARGETS.maxCpuShareOfBaseline,
      value: `${comparison.cpu!.this.toFixed(2)} vs ${comparison.cpu!.baseline.toFixed(2)} CPU s/veh (${comparison.cpu!.ratio.toFixed(2)} x)`,
    }));
  const target = `CPU-seconds per vehicle <= ${TARGETS.maxCpuShareOfBaseline} x the baseline's, ${variant}`;
  return verdict('15', target, items, 'no usable pair of runs with the baseline (--baseline <folder>)');
}

function strictTarget(runs: RunFigures[]): TargetResult {
  const items = strictVsCacheable(runs)
    .filter((comparison) => comparison.checkout === 'this')
    .map((comparison) => ({
      label: `${comparison.browser} ${comparison.tabs}`,
      pass: comparison.ratio >= TARGETS.minStrictShare,
      value: `${comparison.ratio.toFixed(2)} (${Math.round(comparison.strict)} vs ${Math.round(comparison.cacheable)} veh/h)`,
    }));
  const target = `strict >= ${TARGETS.minStrictShare} x cacheable vehicles per hour at the same tab count`;
  return verdict('9', target, items, 'no tab count measured on both variants (--variants cacheable,strict)');
}

function pdfOnceTarget(runs: RunFigures[]): TargetResult {
  const items = mine(runs).map((run) => ({
    label: `${label(run)} ${run.workers}`,
    pass: run.pdfGenerationsPerVehicle === 1 && run.pdfGeneratedTwice === 0,
    value: run.pdfGenerationsPerVehicle.toFixed(3),
  }));
  const failing = items.filter((item) => !item.pass);
  // Listing every passing run says nothing: only the failing ones, or how many passed.
  const shown = failing.length > 0 ? failing : [{ label: '', pass: true, value: `${items.length} runs` }];
  return verdict(
    'earlier',
    'exactly one PDF generation per vehicle (every run)',
    items.length ? shown : [],
    'no usable run',
  );
}

function efficiencyTarget(runs: RunFigures[]): TargetResult {
  // Beyond the portal's PDF capacity the tabs only queue: efficiency is the portal's there.
  const items = mine(runs)
    .filter((run) => run.workers !== 'auto' && !run.capacityLimited)
    .map((run) => ({
      label: `${label(run)} ${run.workers}`,
      pass: (run.efficiency ?? 0) >= TARGETS.minEfficiency,
      value: run.efficiency?.toFixed(2) ?? '-',
    }));
  const target = `efficiency >= ${TARGETS.minEfficiency} up to the portal's PDF capacity`;
  return verdict('earlier', target, items, 'no usable run below the PDF capacity');
}

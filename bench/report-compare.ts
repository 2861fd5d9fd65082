// The comparisons on the console: strict against cacheable, this checkout against the baseline,
// WORKERS=auto (its tabs over time, the capacity change) against the best fixed count; the targets.
import type { AutoComparison, BaselineComparison, VariantComparison } from './compare.ts';
import { workersLabel } from './plan.ts';
import { fixed, runName, type BenchRun } from './report.ts';
import { TARGETS, type TargetResult } from './targets.ts';

const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${Math.round((ratio - 1) * 100)}%`;

/** A line per build and tab count: strict against cacheable in vehicles per hour (issue 9: within 10%). */
export function variantText(comparisons: VariantComparison[]): string {
  if (comparisons.length === 0) return '  (no tab count measured on both variants)';
  return comparisons
    .map((c) => {
      const who = `${c.browser}${c.checkout === 'baseline' ? ' (baseline)' : ''}, ${workersLabel(c.tabs)}`;
      const verdict = c.ratio >= TARGETS.minStrictShare ? 'within' : 'NOT within';
      return `  ${who}: strict ${Math.round(c.strict)} vs cacheable ${Math.round(c.cacheable)} veh/h (${percent(c.ratio)}, ${verdict} 10%)`;
    })
    .join('\n');
}

/** A line per pair of runs: CPU per vehicle and overhead, this checkout against the baseline. */
export function baselineText(comparisons: BaselineComparison[], skipped: BenchRun[]): string {
  const lines = comparisons.map((c) => {
    const cpu = c.cpu
      ? `CPU ${c.cpu.this.toFixed(2)} vs ${c.cpu.baseline.toFixed(2)} s/veh (${c.cpu.ratio.toFixed(2)} x)`
      : 'CPU not sampled';
    const overhead = c.overhead
      ? `overhead ${c.overhead.this.toFixed(2)} vs ${c.overhead.baseline.toFixed(2)} s/veh`
      : 'overhead -';
    const speed = c.vehiclesPerHour
      ? `${Math.round(c.vehiclesPerHour.this)} vs ${Math.round(c.vehiclesPerHour.baseline)} veh/h`
      : '';
    const build = c.baselineBuild === c.browser ? '' : ` (baseline on ${c.baselineBuild})`;
    return `  ${c.variant}, ${c.browser}${build}, ${workersLabel(c.workers)}: ${cpu}; ${overhead}; ${speed}`;
  });
  const skips = skipped.map((run) => `  ${runName(run.figures)}: skipped (${run.measurement.skipped})`);
  return [...lines, ...skips].join('\n') || '  (no pair of usable runs)';
}

/** Each WORKERS=auto run: against the best fixed count, its tabs over time, the capacity change. */
export function autoText(runs: BenchRun[], comparisons: AutoComparison[]): string {
  const autoRuns = runs.filter((run) => run.figures.auto !== null);
  if (autoRuns.length === 0) return '  (no usable WORKERS=auto run)';
  return autoRuns.map((run) => autoRunText(run, comparisons)).join('\n\n');
}

function autoRunText(run: BenchRun, comparisons: AutoComparison[]): string {
  const { figures } = run;
  const auto = figures.auto!;
  const versus = comparisons.find(
    (c) => c.variant === figures.variant && c.browser === figures.browser && c.checkout === figures.checkout,
  );
  const best = versus?.best
    ? `${fixed(versus.ratio, 2)} of the best fixed (${workersLabel(versus.best.tabs)}, ${Math.round(versus.best.vehiclesPerHour)} veh/h)`
    : 'no fixed run to compare with';
  const timeline = auto.timeline.map((point) => `${point.tabs} at ${point.atS} s`).join(' -> ') || '-';
  const changes = (count: number) => `${count} change${count === 1 ? '' : 's'}`;
  const told = auto.changes.agree
    ? `${changes(auto.changes.log)} (log and metrics.json agree)`
    : `log ${changes(auto.changes.log)}, metrics.json ${changes(auto.changes.metrics)}: they DIFFER`;
  const lines = [
    `  ${runName(figures)}: ${fixed(figures.vehiclesPerHour, 0)} veh/h = ${best}`,
    `    tabs over time (s from the first vehicle): ${timeline}`,
    `    ${told}; mean ${fixed(auto.meanTabs, 1)} tabs, at most ${auto.maxWorkers}`,
    ...auto.timeline
      .filter((point) => point.reason !== 'start')
      .map((p) => `      ${p.atS} s -> ${p.tabs}: ${p.reason}`),
  ];
  const change = auto.capacityChange;
  if (change) {
    lines.push(
      `    capacity ${change.from} -> ${change.to} at ${change.atS} s (after ${change.afterPdfs} PDFs); ` +
        `settled at ${change.settledTabs ?? '-'} tabs ${change.settleS ?? '-'} s later ` +
        `(range ${change.settledRange?.join('-') ?? '-'}, knee ~${change.kneeEstimate}); the run went on ${change.leftS} s`,
    );
  }
  lines.push(`    portal: ${figures.overloadRefusals} overload refusals, ${figures.errorAnswers} error answers in all`);
  return lines.join('\n');
}

const ISSUES: Array<[TargetResult['issue'], string]> = [
  ['15', 'issue 15 (lean and self-tuning)'],
  ['9', 'issue 9 (never lose a vehicle)'],
  ['earlier', 'earlier targets'],
];

export function targetsText(targets: TargetResult[]): string {
  return ISSUES.map(([issue, title]) => {
    const lines = targets
      .filter((target) => target.issue === issue)
      .map((target) => `    ${target.status.padEnd(4)}  ${target.target}: ${target.measured}`);
    return `  ${title}:\n${lines.join('\n')}`;
  }).join('\n');
}

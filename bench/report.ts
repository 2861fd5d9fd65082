// The benchmark's output: ASCII tables on the console, everything in a JSON file. The results tables
// are here; bench/report-details.ts and bench/report-compare.ts print the rest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AutoComparison, BaselineComparison, VariantComparison } from './compare.ts';
import { VEHICLE_ROUTES, VEHICLE_STEPS, type RunFigures } from './figures.ts';
import type { Machine } from './machine.ts';
import type { RunMeasurement } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { baselineSuffix, workersLabel } from './plan.ts';
import type { PREDECESSOR, Projection } from './projection.ts';
import type { TargetResult } from './targets.ts';

export type BenchRun = { figures: RunFigures; measurement: RunMeasurement };

export interface BenchReport {
  createdAt: string;
  options: BenchOptions;
  machine: Machine;
  interrupted: boolean;
  notes: string[];
  runs: BenchRun[];
  comparisons: {
    strictVsCacheable: VariantComparison[];
    againstBaseline: BaselineComparison[];
    autoVsBestFixed: AutoComparison[];
  };
  targets: TargetResult[];
  projection: Projection | null;
  predecessor: typeof PREDECESSOR;
}

export const NOTES = [
  `portal time per vehicle = the portal's server time of the steps ${VEHICLE_STEPS.join(', ')} / vehicles; "inventory" also holds the control tab's few loads (login, export, logout); waiting for a PDF slot is not in it.`,
  'wall = the download phase from the ledger: first vehicle leased to last outcome recorded (browser start, login, CSV export and logout excluded).',
  'ideal veh/h = min(tabs / portal time per vehicle, PDF capacity / PDF time per vehicle); efficiency = measured / ideal. With WORKERS=auto, tabs = its mean count; with a capacity change, the capacity is its mean over the download phase.',
  'overhead = wall x tabs / vehicles - portal time per vehicle; in parentheses where the PDF capacity bounds the ideal: it then includes queueing at the portal.',
  `req/veh = requests of the routes ${VEHICLE_ROUTES.join(', ')} / vehicles, then all requests / vehicles.`,
  'memory = node plus every Chromium process of the product, sampled every 500 ms; PSS counts shared pages once; quarters = mean PSS over each quarter of the download phase.',
];

export function table(headers: string[], rows: string[][], rightAligned = true): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        rightAligned && column > 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const indent = (text: string, by = '  ') => text.replace(/^(?=.)/gm, by);

export const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

/** `4`, `4 base`, `auto (3.2)`: a run's row in the tables. */
export function rowLabel(figures: RunFigures): string {
  const mean = figures.skipped ? '' : ` (${fixed(figures.tabs, 1)})`;
  const count = figures.workers === 'auto' ? `auto${mean}` : String(figures.workers);
  if (figures.checkout !== 'baseline') return count;
  return figures.build === figures.browser ? `${count} base` : `${count} base (${figures.build})`;
}

/** `cacheable, headless-shell, 4 tabs` (`, baseline`). */
export function runName(figures: RunFigures): string {
  const base = baselineSuffix(figures.checkout, figures.browser, figures.build);
  return `${figures.variant}, ${figures.browser}, ${workersLabel(figures.workers)}${base}`;
}

/** Runs of one variant and build, in the order they were made. */
export function groups(runs: BenchRun[]): Array<{ variant: string; browser: string; runs: BenchRun[] }> {
  const found: Array<{ variant: string; browser: string; runs: BenchRun[] }> = [];
  for (const run of runs) {
    const { variant, browser } = run.figures;
    const group = found.find((entry) => entry.variant === variant && entry.browser === browser);
    if (group) group.runs.push(run);
    else found.push({ variant, browser, runs: [run] });
  }
  return found;
}

function resultRow(figures: RunFigures): string[] {
  if (figures.skipped) return [rowLabel(figures), ...Array(11).fill('-'), 'skipped'];
  const overhead = figures.workers === 'auto' ? '-' : fixed(figures.overheadSPerVehicle, 2);
  return [
    rowLabel(figures),
    fixed(figures.downloadWallS, 1),
    fixed(figures.vehiclesPerHour, 0),
    fixed(figures.idealVehiclesPerHour, 0),
    fixed(figures.efficiency, 2),
    figures.capacityLimited && overhead !== '-' ? `(${overhead})` : overhead,
    `${fixed(figures.vehicleRequestsPerVehicle, 1)} / ${fixed(figures.requestsPerVehicle, 1)}`,
    fixed(figures.pdfGenerationsPerVehicle, 3),
    cpuCell(figures),
    fixed(figures.peakPssMb, 0),
    fixed(figures.peakRssMb, 0),
    figures.pssQuarterMeansMb.map((mb) => fixed(mb, 0)).join('/'),
    figures.ok ? 'ok' : 'FAILED',
  ];
}

function cpuCell(figures: RunFigures): string {
  const cpu = figures.cpuSPerVehicle;
  return cpu ? `${fixed(cpu.node + cpu.browser, 2)} (${fixed(cpu.node, 2)}+${fixed(cpu.browser, 2)})` : '-';
}

const HEADERS = [
  'tabs',
  'wall s',
  'veh/h',
  'ideal veh/h',
  'eff',
  'overhead s/veh',
  'req/veh',
  'PDF gen/veh',
  'CPU s/veh (node+Chromium)',
  'peak PSS MB',
  'peak RSS MB',
  'PSS MB quarters',
  'run',
];

/** One table per variant and build; the baseline's run right below this checkout's. */
export function resultsTables(runs: BenchRun[], timeScale: number): string {
  return groups(runs)
    .map((group) => {
      const title = `Results, variant ${group.variant}, ${group.browser} (portal time compressed x ${timeScale}):`;
      const rows = group.runs.map((run) => resultRow(run.figures));
      return `${title}\n\n${indent(table(HEADERS, rows))}${problemsText(group.runs)}`;
    })
    .join('\n\n');
}

function problemsText(runs: BenchRun[]): string {
  const lines = runs.flatMap(({ figures, measurement }) => {
    if (measurement.skipped) return [`  ${runName(figures)} skipped: ${measurement.skipped}`];
    if (measurement.problems.length === 0) return [];
    return [`  ${runName(figures)} FAILED: ${measurement.problems.join('; ')}`];
  });
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}

export function writeJson(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

// The benchmark's output: ASCII tables on the console, everything in a JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { VEHICLE_ROUTES, VEHICLE_STEPS, type RunFigures } from './figures.ts';
import type { Machine } from './machine.ts';
import type { RunMeasurement } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { FIELD_VEHICLES, PREDECESSOR, type Projection } from './projection.ts';
import type { TargetResult } from './targets.ts';

export interface BenchReport {
  createdAt: string;
  options: BenchOptions;
  machine: Machine;
  interrupted: boolean;
  notes: string[];
  runs: Array<{ figures: RunFigures; measurement: RunMeasurement }>;
  targets: TargetResult[];
  projection: Projection | null;
  predecessor: typeof PREDECESSOR;
}

export const NOTES = [
  `portal time per vehicle = the portal's server time of the steps ${VEHICLE_STEPS.join(', ')} / vehicles; "inventory" also holds the control tab's few loads (login, export, logout); waiting for a PDF slot is not in it.`,
  'wall = the download phase from the ledger: first vehicle leased to last outcome recorded (browser start, login, CSV export and logout excluded).',
  'ideal veh/h = min(tabs / portal time per vehicle, PDF capacity / PDF time per vehicle); efficiency = measured / ideal.',
  'overhead = wall x tabs / vehicles - portal time per vehicle; in parentheses where the PDF capacity bounds the ideal: it then includes queueing at the portal.',
  `req/veh = requests of the routes ${VEHICLE_ROUTES.join(', ')} / vehicles, then all requests / vehicles.`,
  'memory = node plus every Chromium process of the product, sampled every 500 ms; PSS counts shared pages once.',
];

function table(headers: string[], rows: string[][], rightAligned = true): string {
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

export const tabsLabel = (tabs: number) => `${tabs} tab${tabs === 1 ? '' : 's'}`;

const indent = (text: string) => text.replace(/^(?=.)/gm, '  ');

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);

function resultRow(figures: RunFigures): string[] {
  const overhead = fixed(figures.overheadSPerVehicle, 2);
  return [
    String(figures.tabs),
    fixed(figures.downloadWallS, 1),
    fixed(figures.vehiclesPerHour, 0),
    fixed(figures.idealVehiclesPerHour, 0),
    fixed(figures.efficiency, 2),
    figures.capacityLimited && overhead !== '-' ? `(${overhead})` : overhead,
    `${fixed(figures.vehicleRequestsPerVehicle, 1)} / ${fixed(figures.requestsPerVehicle, 1)}`,
    fixed(figures.pdfGenerationsPerVehicle, 3),
    fixed(figures.peakPssMb, 0),
    fixed(figures.peakRssMb, 0),
    figures.pssAtQuartersMb.map((mb) => fixed(mb, 0)).join('/'),
    figures.ok ? 'ok' : 'FAILED',
  ];
}

export function resultsTable(runs: BenchReport['runs']): string {
  const headers = [
    'tabs',
    'wall s',
    'veh/h',
    'ideal veh/h',
    'eff',
    'overhead s/veh',
    'req/veh',
    'PDF gen/veh',
    'peak PSS MB',
    'peak RSS MB',
    'PSS MB at 1/4..4/4',
    'run',
  ];
  const text = indent(
    table(
      headers,
      runs.map((run) => resultRow(run.figures)),
    ),
  );
  const problems = runs
    .filter((run) => run.measurement.problems.length > 0)
    .map((run) => `  ${tabsLabel(run.figures.tabs)} FAILED: ${run.measurement.problems.join('; ')}`);
  return [text, ...problems].join('\n');
}

/** Where a vehicle's time goes: the product's own per-step times, and the portal's server time per step. */
export function stepsTable(runs: BenchReport['runs']): string {
  const steps = [...new Set(runs.flatMap((run) => Object.keys(run.measurement.clientStepSeconds)))];
  if (steps.length === 0) return '(no per-step times found in bookout.log)';
  const client = table(
    ['client s/veh (bookout.log)', ...runs.map((run) => tabsLabel(run.figures.tabs))],
    steps.map((step) => [
      step === 'total' ? 'whole vehicle' : step,
      ...runs.map((run) => fixed(run.measurement.clientStepSeconds[step], 2)),
    ]),
  );
  const portal = table(
    ['portal server s/veh', ...runs.map((run) => tabsLabel(run.figures.tabs))],
    [...VEHICLE_STEPS, 'static'].map((step) => [
      step,
      ...runs.map((run) =>
        fixed(
          (run.measurement.portal.serverTimeByStepMs[step] ?? 0) / 1000 / Math.max(1, run.measurement.vehiclesDone),
          2,
        ),
      ),
    ]),
  );
  const peaks = table(
    ['portal peaks', ...runs.map((run) => tabsLabel(run.figures.tabs))],
    [
      ['requests at once', ...runs.map((run) => String(run.measurement.portal.peakConcurrentRequests))],
      ['PDFs generated at once', ...runs.map((run) => String(run.measurement.portal.pdfPeakConcurrent))],
      ['PDFs waiting for a slot', ...runs.map((run) => String(run.measurement.portal.pdfQueuedPeak))],
    ],
  );
  return indent(`${client}\n\n${portal}\n\n${peaks}`);
}

/** What the peak PSS of each run is made of. */
export function memoryText(runs: BenchReport['runs']): string {
  return runs
    .map(({ figures, measurement: { memory } }) => {
      const kinds = Object.entries(memory.peakPssByKindMb)
        .sort(([, a], [, b]) => b - a)
        .map(
          ([kind, mb]) =>
            `${kind}${(memory.peakProcessesByKind[kind] ?? 1) > 1 ? ` x${memory.peakProcessesByKind[kind]}` : ''} ${Math.round(mb)}`,
        );
      return `  ${tabsLabel(figures.tabs).padStart(7)}: ${Math.round(memory.peakPssMb)} MB = ${kinds.join(', ') || '-'}`;
    })
    .join('\n');
}

/** CPU per vehicle, and how busy the machine was (a saturated machine slows every tab). */
export function cpuText(runs: BenchReport['runs'], cpus: number): string {
  return runs
    .map(({ figures }) => {
      const cpu = figures.cpuSPerVehicle;
      const perVehicle = cpu
        ? `${(cpu.node + cpu.browser).toFixed(2)} CPU s/vehicle (node ${cpu.node.toFixed(2)}, Chromium ${cpu.browser.toFixed(2)})`
        : 'not sampled';
      const busy =
        figures.machineBusy === null ? '' : `; machine busy ${Math.round(figures.machineBusy * 100)}% of ${cpus} CPUs`;
      return `  ${tabsLabel(figures.tabs).padStart(7)}: ${perVehicle}${busy}`;
    })
    .join('\n');
}

export function targetsText(targets: TargetResult[]): string {
  return targets.map((target) => `  ${target.status.padEnd(4)}  ${target.target}: ${target.measured}`).join('\n');
}

export function projectionText(projection: Projection | null): string {
  if (!projection) return '  (no usable run)';
  const lines = [
    `  uncompressed: portal ${projection.portalSPerVehicle.toFixed(1)} s/vehicle (PDF ${projection.pdfSPerVehicle.toFixed(1)} s), ` +
      `client overhead ${projection.overheadSPerVehicle.toFixed(2)} s/vehicle (${projection.overheadFrom})`,
    `  PDF capacity floor: ${projection.capacityFloorHours.toFixed(2)} h whatever the tabs; assumes the overhead per vehicle does not grow with the portal's delays`,
    indent(
      table(
        [`${FIELD_VEHICLES} vehicles`, 'bookout (projected)', 'predecessor (field)'],
        projection.rows.map((row) => [
          tabsLabel(row.tabs),
          `${row.hours.toFixed(2)} h${row.capacityLimited ? ' (PDF capacity)' : ''}`,
          row.tabs === 1
            ? `${PREDECESSOR[0]!.hours}, ${PREDECESSOR[0]!.perVehicle}`
            : row.tabs === 5
              ? `${PREDECESSOR[1]!.hours}, ${PREDECESSOR[1]!.perVehicle}`
              : '-',
        ]),
        false,
      ),
    ),
  ];
  return lines.join('\n');
}

export function writeJson(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

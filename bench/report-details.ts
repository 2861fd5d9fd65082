// Where each run's time, memory and CPU went, per variant and build; and the projection to the field.
import { VEHICLE_STEPS } from './figures.ts';
import { FIELD_VEHICLES, PREDECESSOR, type Projection } from './projection.ts';
import { fixed, groups, indent, rowLabel, table, type BenchRun } from './report.ts';

/** Where a vehicle's time goes: the product's own per-step times, and the portal's server time per step. */
export function stepsText(runs: BenchRun[]): string {
  return groups(runs)
    .map((group) => `  ${group.variant}, ${group.browser}:\n\n${indent(stepsTables(group.runs), '    ')}`)
    .join('\n\n');
}

function stepsTables(allRuns: BenchRun[]): string {
  const runs = allRuns.filter((run) => !run.measurement.skipped);
  const columns = runs.map((run) => rowLabel(run.figures));
  const steps = [...new Set(runs.flatMap((run) => Object.keys(run.measurement.clientStepSeconds)))];
  const client =
    steps.length === 0
      ? '(no per-step times found in bookout.log)'
      : table(
          ['client s/veh (bookout.log)', ...columns],
          steps.map((step) => [
            step === 'total' ? 'whole vehicle' : step,
            ...runs.map((run) => fixed(run.measurement.clientStepSeconds[step], 2)),
          ]),
        );
  const perVehicle = (run: BenchRun, step: string) =>
    (run.measurement.portal.serverTimeByStepMs[step] ?? 0) / 1000 / Math.max(1, run.measurement.vehiclesDone);
  const portal = table(
    ['portal server s/veh', ...columns],
    [...VEHICLE_STEPS, 'static'].map((step) => [step, ...runs.map((run) => fixed(perVehicle(run, step), 2))]),
  );
  const peak = (name: string, value: (run: BenchRun) => number) => [name, ...runs.map((run) => String(value(run)))];
  const peaks = table(
    ['portal peaks', ...columns],
    [
      peak('requests at once', (run) => run.measurement.portal.peakConcurrentRequests),
      peak('PDFs generated at once', (run) => run.measurement.portal.pdfPeakConcurrent),
      peak('PDFs waiting for a slot', (run) => run.measurement.portal.pdfQueuedPeak),
      peak('overload refusals (503)', (run) => run.measurement.portal.overloadRefusals),
    ],
  );
  return `${client}\n\n${portal}\n\n${peaks}`;
}

/** Runs by the build they ran with. */
const byBuild = (runs: BenchRun[]) => {
  const builds = [...new Set(runs.map((run) => run.figures.build))];
  return builds.map((browser) => ({
    browser,
    runs: runs.filter((run) => run.figures.build === browser && !run.measurement.skipped),
  }));
};

// Under its own build's heading, a run needs no "(build)".
const runTitle = (run: BenchRun) =>
  `${run.figures.variant} ${rowLabel({ ...run.figures, build: run.figures.browser })}`;

/** Memory by kind of process for each build: at the peak (kind xN MB), and each kind's own highest. */
export function memoryText(runs: BenchRun[]): string {
  return byBuild(runs)
    .map(({ browser, runs: buildRuns }) => {
      const width = Math.max(0, ...buildRuns.map((run) => runTitle(run).length));
      const lines = buildRuns.map((run) => `    ${runTitle(run).padEnd(width)}  ${memoryLine(run)}`);
      return `  ${browser}:\n${lines.join('\n')}`;
    })
    .join('\n');
}

function memoryLine({ measurement: { memory } }: BenchRun): string {
  const count = (counts: Record<string, number>, kind: string) => ((counts[kind] ?? 1) > 1 ? ` x${counts[kind]}` : '');
  const kinds = (mb: Record<string, number>, counts: Record<string, number>) =>
    Object.entries(mb)
      .filter(([, value]) => value >= 0.5)
      .sort(([, a], [, b]) => b - a)
      .map(([kind, value]) => `${kind}${count(counts, kind)} ${Math.round(value)}`)
      .join(', ') || '-';
  return (
    `peak ${Math.round(memory.peakPssMb)} MB = ${kinds(memory.peakPssByKindMb, memory.peakProcessesByKind)}; ` +
    `each kind's highest: ${kinds(memory.maxPssByKindMb, memory.maxProcessesByKind)}`
  );
}

/** CPU per vehicle for each build, and how busy the machine was (a saturated machine slows every tab). */
export function cpuText(runs: BenchRun[], cpus: number): string {
  return byBuild(runs)
    .map(({ browser, runs: buildRuns }) => {
      const width = Math.max(0, ...buildRuns.map((run) => runTitle(run).length));
      const lines = buildRuns.map((run) => `    ${runTitle(run).padEnd(width)}  ${cpuLine(run, cpus)}`);
      return `  ${browser}:\n${lines.join('\n')}`;
    })
    .join('\n');
}

function cpuLine({ figures }: BenchRun, cpus: number): string {
  const cpu = figures.cpuSPerVehicle;
  const perVehicle = cpu
    ? `${(cpu.node + cpu.browser).toFixed(2)} CPU s/vehicle (node ${cpu.node.toFixed(2)}, Chromium ${cpu.browser.toFixed(2)})`
    : 'not sampled';
  const busy =
    figures.machineBusy === null ? '' : `; machine busy ${Math.round(figures.machineBusy * 100)}% of ${cpus} CPUs`;
  return `${perVehicle}${busy}`;
}

export function projectionText(projection: Projection | null): string {
  if (!projection) return '  (no usable run)';
  const predecessor = (tabs: number) =>
    tabs === 1
      ? `${PREDECESSOR[0]!.hours}, ${PREDECESSOR[0]!.perVehicle}`
      : tabs === 5
        ? `${PREDECESSOR[1]!.hours}, ${PREDECESSOR[1]!.perVehicle}`
        : '-';
  const rows = projection.rows.map((row) => [
    `${row.tabs} tab${row.tabs === 1 ? '' : 's'}`,
    `${row.hours.toFixed(2)} h${row.capacityLimited ? ' (PDF capacity)' : ''}`,
    predecessor(row.tabs),
  ]);
  return [
    `  from: ${projection.from}`,
    `  uncompressed: portal ${projection.portalSPerVehicle.toFixed(1)} s/vehicle (PDF ${projection.pdfSPerVehicle.toFixed(1)} s), ` +
      `client overhead ${projection.overheadSPerVehicle.toFixed(2)} s/vehicle (${projection.overheadFrom})`,
    `  PDF capacity floor: ${projection.capacityFloorHours.toFixed(2)} h whatever the tabs; assumes the overhead per vehicle does not grow with the portal's delays`,
    indent(table([`${FIELD_VEHICLES} vehicles`, 'bookout (projected)', 'predecessor (field)'], rows, false)),
  ].join('\n');
}

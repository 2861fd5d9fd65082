// npm run bench: throughput, efficiency, client overhead, portal load, memory and CPU of the real product
// against the simulated portal, per variant, browser build and tab count (and WORKERS=auto, and a baseline
// checkout measured alongside). See bench/options.ts for the options.
import { relative } from 'node:path';
import { optionsOrExit } from '../test/support/tool-options.ts';
import { againstBaseline, autoVsBestFixed, strictVsCacheable } from './compare.ts';
import { runFigures } from './figures.ts';
import { describeMachine, type Machine } from './machine.ts';
import { measureRun } from './measure.ts';
import { BENCH_ROOT, HELP, parseOptions, type BenchOptions } from './options.ts';
import { planRuns, runLabel, type PlannedRun } from './plan.ts';
import { project, PREDECESSOR } from './projection.ts';
import { autoText, baselineText, targetsText, variantText } from './report-compare.ts';
import { cpuText, memoryText, projectionText, stepsText } from './report-details.ts';
import { NOTES, resultsTables, writeJson, type BenchReport, type BenchRun } from './report.ts';
import { judgeTargets } from './targets.ts';

/** Ctrl-C (or SIGTERM) stops after the current run has stopped cleanly; what was measured is still reported. */
function stopOnSignal(): AbortController {
  const controller = new AbortController();
  const onSignal = () => {
    if (!controller.signal.aborted)
      console.log(
        '\nStopping: the current run is stopped cleanly (up to a minute), then the results so far are written.',
      );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

function printHeader(options: BenchOptions, machine: Machine): void {
  const { capacityChange: change, overload, loadLatency } = options;
  const auto = options.auto ? ` (+ auto, at most ${Math.max(...options.tabs)})` : '';
  const capacity = [
    `${options.pdfCapacity} PDFs at once`,
    change ? `${change.pdfCapacity} once ${change.afterPdfs} PDFs were served` : '',
    overload ? `503 with ${overload.maxQueued} waiting (Retry-After ${overload.retryAfterSeconds ?? 2} s)` : '',
    loadLatency ? `slower above ${loadLatency.knee} requests in flight` : '',
    options.reportTab ? `report tabs opened by ${options.reportTab}` : '',
  ].filter(Boolean);
  console.log(
    [
      `bookout benchmark: ${options.vehicles} vehicles, realistic profile x ${options.timeScale}, seed ${options.seed}`,
      `  variants ${options.variants.join(', ')}; builds ${options.browsers.map((b) => b.name).join(', ')}; tabs ${options.tabs.join(',')}${auto}`,
      `  portal capacity: ${capacity.join('; ')}`,
      `  baseline: ${options.baseline ?? 'none (--baseline <folder>)'}${options.baselineBrowser ? ` on ${options.baselineBrowser.name}` : ''}`,
      `machine: ${machine.cpus} CPUs, ${machine.memoryGb} GB, load ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}`,
      ...machine.browsers.map((build) => `  ${build.name}: ${build.path} (${build.version})`),
      ...busyWarning(machine),
      '',
    ].join('\n'),
  );
}

function busyWarning(machine: Machine): string[] {
  const load = machine.loadAverageAtStart[0] ?? 0;
  if (load < machine.cpus) return [];
  return [
    `  WARNING: the machine is busy already (load ${load} on ${machine.cpus} CPUs): the figures will be slower than on a quiet one`,
  ];
}

/** Every planned run in turn; stops early on Ctrl-C or when the harness itself fails. */
async function measureAll(options: BenchOptions, stop: AbortSignal): Promise<{ runs: BenchRun[]; broken: boolean }> {
  const plan = planRuns(options);
  const width = Math.max(...plan.map((run) => runLabel(run).length));
  const runs: BenchRun[] = [];
  for (const planned of plan) {
    if (stop.aborted) break;
    process.stdout.write(`${runLabel(planned).padEnd(width)}: running... `);
    try {
      const measurement = await measureRun(setupOf(planned, options), stop);
      const figures = runFigures(measurement);
      runs.push({ figures, measurement });
      console.log(progressLine({ figures, measurement }));
    } catch (error) {
      // The harness itself failed (not the product): report what was measured so far.
      console.log(`could not measure: ${(error as Error).stack ?? error}`);
      return { runs, broken: true };
    }
  }
  return { runs, broken: false };
}

function setupOf(planned: PlannedRun, options: BenchOptions) {
  const { vehicles, timeScale, seed, pdfCapacity, capacityChange, loadLatency, overload, reportTab } = options;
  const root = planned.checkout === 'baseline' ? options.baseline! : BENCH_ROOT;
  const portal = { pdfCapacity, capacityChange, loadLatency, overload, reportTab };
  return { ...planned, root, vehicles, timeScale, seed, ...portal };
}

function progressLine({ figures, measurement }: BenchRun): string {
  if (measurement.skipped) return `skipped: ${measurement.skipped}`;
  const wall = figures.downloadWallS === null ? '-' : `${figures.downloadWallS.toFixed(1)} s`;
  const exit = measurement.exitCode ?? measurement.exitSignal;
  const failed = figures.ok ? '' : ` (FAILED: ${measurement.problems.join('; ')})`;
  return `download phase ${wall}, whole process ${figures.processWallS.toFixed(1)} s, exit ${exit}${failed}`;
}

function buildReport(
  options: BenchOptions,
  machine: Machine,
  runs: BenchRun[],
  startedAt: number,
  interrupted: boolean,
) {
  const figures = runs.map((run) => run.figures);
  return {
    createdAt: new Date(startedAt).toISOString(),
    options,
    machine,
    interrupted,
    notes: NOTES,
    runs,
    comparisons: {
      strictVsCacheable: strictVsCacheable(figures),
      againstBaseline: againstBaseline(figures),
      autoVsBestFixed: autoVsBestFixed(figures),
    },
    targets: judgeTargets(figures, options),
    projection: project(figures, options.timeScale, options.pdfCapacity),
    predecessor: PREDECESSOR,
  } satisfies BenchReport;
}

function printReport(report: BenchReport): void {
  const { options, runs, comparisons } = report;
  const sections: Array<[string, string]> = [
    ['', resultsTables(runs, options.timeScale)],
    ['', NOTES.map((note) => `  - ${note}`).join('\n')],
    [
      'Strict against cacheable (issue 9: within 10% at the same tab count):',
      variantText(comparisons.strictVsCacheable),
    ],
    ['WORKERS=auto:', autoText(runs, comparisons.autoVsBestFixed)],
    ['Memory by kind of process (PSS MB; xN processes of that kind):', memoryText(runs)],
    ['CPU during the download phase (processes sampled every 500 ms):', cpuText(runs, report.machine.cpus)],
    ["Where a vehicle's time goes:", stepsText(runs)],
    ['Targets:', targetsText(report.targets)],
    [
      `Projection for ${report.projection?.vehicles ?? 2000} vehicles at the uncompressed realistic profile:`,
      projectionText(report.projection),
    ],
  ];
  if (options.baseline) {
    const skipped = runs.filter((run) => run.measurement.skipped);
    sections.splice(3, 0, [
      `This checkout against the baseline (${options.baseline}):`,
      baselineText(comparisons.againstBaseline, skipped),
    ]);
  }
  for (const [title, text] of sections) console.log(title ? `\n${title}\n${text}` : `\n${text}`);
}

/** The builds of this checkout's runs, and the baseline's when it has its own. */
function buildsUsed(options: BenchOptions) {
  const builds = [...options.browsers, ...(options.baselineBrowser ? [options.baselineBrowser] : [])];
  return builds.filter((build, index) => builds.findIndex((other) => other.path === build.path) === index);
}

async function main(): Promise<number> {
  const options = optionsOrExit('bench', HELP, (argv) => parseOptions(argv));
  const stop = stopOnSignal();
  const machine = describeMachine(buildsUsed(options));
  const startedAt = Date.now();
  printHeader(options, machine);
  const { runs, broken } = await measureAll(options, stop.signal);
  const report = buildReport(options, machine, runs, startedAt, stop.signal.aborted);
  printReport(report);
  writeJson(options.out, report);
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  console.log(`\nWritten: ${relative(process.cwd(), options.out)} (benchmark took ${minutes} min)`);
  if (stop.signal.aborted) return 130;
  return !broken && runs.every((run) => run.figures.ok || run.figures.skipped) ? 0 : 1;
}

process.exitCode = await main();

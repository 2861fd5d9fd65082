// npm run bench: throughput, efficiency, client overhead, portal load and memory of the real product
// against the simulated portal, for several tab counts. See bench/options.ts for the options.
import { relative } from 'node:path';
import { runFigures } from './figures.ts';
import { describeMachine } from './machine.ts';
import { measureRun } from './measure.ts';
import { optionsOrExit } from '../test/support/tool-options.ts';
import { HELP, parseOptions } from './options.ts';
import { project, PREDECESSOR } from './projection.ts';
import {
  cpuText,
  memoryText,
  NOTES,
  projectionText,
  resultsTable,
  stepsTable,
  tabsLabel,
  targetsText,
  writeJson,
  type BenchReport,
} from './report.ts';
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

async function main(): Promise<number> {
  const options = optionsOrExit('bench', HELP, (argv) => parseOptions(argv));
  const stop = stopOnSignal();
  const machine = describeMachine();
  const startedAt = Date.now();
  console.log(
    `bookout benchmark: ${options.vehicles} vehicles, realistic profile x ${options.timeScale}, PDF capacity ${options.pdfCapacity}, seed ${options.seed}, variant ${options.variant}, tabs ${options.tabs.join(',')}`,
  );
  console.log(
    `machine: ${machine.cpus} CPUs, ${machine.memoryGb} GB, load ${machine.loadAverageAtStart.join(' ')}, node ${machine.node}, ${machine.browser?.version ?? 'browser unknown'}\n`,
  );

  const runs: BenchReport['runs'] = [];
  let failedToMeasure = false;
  for (const tabs of options.tabs) {
    if (stop.signal.aborted) break;
    process.stdout.write(`${tabsLabel(tabs).padStart(7)}: running... `);
    let measurement: Awaited<ReturnType<typeof measureRun>>;
    try {
      measurement = await measureRun(
        {
          tabs,
          vehicles: options.vehicles,
          timeScale: options.timeScale,
          pdfCapacity: options.pdfCapacity,
          seed: options.seed,
          variant: options.variant,
        },
        stop.signal,
      );
    } catch (error) {
      // The harness itself failed (not the product): report what was measured so far.
      console.log(`could not measure: ${(error as Error).stack ?? error}`);
      failedToMeasure = true;
      break;
    }
    const figures = runFigures(measurement);
    runs.push({ figures, measurement });
    const wall = figures.downloadWallS === null ? '-' : `${figures.downloadWallS.toFixed(1)} s`;
    console.log(
      `download phase ${wall}, whole process ${figures.processWallS.toFixed(1)} s, exit ${measurement.exitCode ?? measurement.exitSignal}${figures.ok ? '' : ` (FAILED: ${measurement.problems.join('; ')})`}`,
    );
  }

  const figures = runs.map((run) => run.figures);
  const report: BenchReport = {
    createdAt: new Date(startedAt).toISOString(),
    options,
    machine,
    interrupted: stop.signal.aborted,
    notes: NOTES,
    runs,
    targets: judgeTargets(figures),
    projection: project(figures, options.timeScale, options.pdfCapacity),
    predecessor: PREDECESSOR,
  };
  console.log(`\nResults (portal time compressed x ${options.timeScale}, variant ${options.variant}):\n`);
  console.log(resultsTable(runs));
  console.log(`\n${NOTES.map((note) => `  - ${note}`).join('\n')}`);
  console.log(`\nWhere a vehicle's time goes:\n\n${stepsTable(runs)}`);
  console.log(`\nMemory at the peak (PSS MB by process kind):\n${memoryText(runs)}`);
  console.log(`\nCPU during the download phase (processes sampled every 500 ms):\n${cpuText(runs, machine.cpus)}`);
  console.log(`\nTargets:\n${targetsText(report.targets)}`);
  console.log(
    `\nProjection for ${report.projection?.vehicles ?? 2000} vehicles at the uncompressed realistic profile:\n${projectionText(report.projection)}`,
  );
  writeJson(options.out, report);
  console.log(
    `\nWritten: ${relative(process.cwd(), options.out)} (benchmark took ${((Date.now() - startedAt) / 60_000).toFixed(1)} min)`,
  );
  if (stop.signal.aborted) return 130;
  return !failedToMeasure && figures.every((run) => run.ok) ? 0 : 1;
}

process.exitCode = await main();

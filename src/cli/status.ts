import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { computeMetrics } from '../output/reports.ts';
import { listRunFolders, runPaths, type RunPaths } from '../output/run-folders.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { formatDuration } from '../text.ts';

/** The run folder named by --run, or the latest run under the download folder. */
export function findRun(settings: Settings, runFolder: string | undefined): RunPaths {
  if (runFolder) {
    const paths = runPaths(resolve(runFolder));
    if (!existsSync(paths.ledger))
      throw new UserError(`${runFolder} is not a bookout run folder (no run_data/state.db in it).`);
    return paths;
  }
  const latest = listRunFolders(resolve(settings.downloadFolder))[0];
  if (!latest)
    throw new UserError(`There is no run in ${resolve(settings.downloadFolder)} yet. Start one with: bookout run`);
  return runPaths(latest);
}

export function statusCommand(output: ConsoleOutput, settings: Settings, runFolder: string | undefined): number {
  const paths = findRun(settings, runFolder);
  const running = RunLock.isHeld(paths.lock);
  const ledger = Ledger.openReadOnly(paths.ledger);
  try {
    const counts = ledger.counts();
    const metrics = computeMetrics(ledger, 0, running ? 'running' : 'stopped');
    const inProgress = ledger.vehicles('leased').map((vehicle) => vehicle.ref);
    const state = running
      ? 'running now'
      : counts.pending + counts.leased > 0
        ? 'unfinished (run bookout run to continue)'
        : 'finished';
    output.line(`run ${paths.root}: ${state}`);
    output.line(
      `  ${counts.done} of ${counts.total} done, ${counts.failed} failed, ${counts.rejected} rejected rows, ${counts.pending + counts.leased} to do`,
    );
    output.line(
      `  run time ${formatDuration(metrics.total_runtime_hours * 3_600_000)}, ${metrics.vehicles_per_hour} vehicles/hour, p50 ${metrics.p50_seconds_per_vehicle} s per vehicle`,
    );
    if (running && inProgress.length > 0) output.line(`  in progress: ${inProgress.join(', ')}`);
    const lastDone = ledger.lastDoneAt();
    if (lastDone)
      output.line(
        `  last vehicle done at ${new Date(lastDone).toLocaleString()} (${formatDuration(Date.now() - lastDone)} ago)`,
      );
    if (counts.failed + counts.rejected > 0) output.line(`  failures and reasons: ${paths.failures}`);
    return 0;
  } finally {
    ledger.close();
  }
}

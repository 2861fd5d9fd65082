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
  if (runFolder) return namedRun(runFolder);
  const latest = listRunFolders(resolve(settings.downloadFolder))[0];
  if (!latest)
    throw new UserError(`There is no run in ${resolve(settings.downloadFolder)} yet. Start one with: bookout run`);
  return runPaths(latest);
}

/** The run folder a user named, which must hold a run. */
export function namedRun(runFolder: string): RunPaths {
  const paths = runPaths(resolve(runFolder));
  if (!existsSync(paths.ledger))
    throw new UserError(`${runFolder} is not a bookout run folder (no run_data/state.db in it).`);
  return paths;
}

/** `bookout status --json`: one object, the same fields as the text. */
export interface StatusReport {
  run_folder: string;
  /** `running`: a bookout works on it now; `unfinished`: vehicles are left (run again); `finished`: none left. */
  state: 'running' | 'unfinished' | 'finished';
  counts: { total: number; done: number; failed: number; rejected: number; to_do: number; in_progress: number };
  rates: {
    vehicles_per_hour: number;
    success_rate: number;
    p50_seconds_per_vehicle: number;
    p95_seconds_per_vehicle: number;
  };
  run_time_hours: number;
  /** References being worked on now (empty unless running). */
  in_progress: string[];
  started_at: string | null;
  last_done_at: string | null;
  /** When the latest invocation ended; null while running. */
  ended_at: string | null;
  /** failures.csv, when some vehicle failed or an inventory row was rejected; else null. */
  failures_file: string | null;
}

export function statusOf(paths: RunPaths, now = Date.now()): StatusReport {
  const running = RunLock.isHeld(paths.lock);
  const ledger = Ledger.openReadOnly(paths.ledger);
  try {
    const counts = ledger.counts();
    const toDo = counts.pending + counts.leased;
    const metrics = computeMetrics(ledger, 0, running ? 'running' : 'stopped', now);
    const inProgress = running ? ledger.vehicles('leased').map((vehicle) => vehicle.ref) : [];
    return {
      run_folder: paths.root,
      state: running ? 'running' : toDo > 0 || !ledger.hasInventory() ? 'unfinished' : 'finished',
      counts: {
        total: counts.total,
        done: counts.done,
        failed: counts.failed,
        rejected: counts.rejected,
        to_do: toDo,
        in_progress: inProgress.length,
      },
      rates: {
        vehicles_per_hour: metrics.vehicles_per_hour,
        success_rate: metrics.success_rate,
        p50_seconds_per_vehicle: metrics.p50_seconds_per_vehicle,
        p95_seconds_per_vehicle: metrics.p95_seconds_per_vehicle,
      },
      run_time_hours: metrics.total_runtime_hours,
      in_progress: inProgress,
      started_at: metrics.started_at,
      last_done_at: metrics.last_vehicle_done_at,
      ended_at: metrics.ended_at,
      failures_file: counts.failed + counts.rejected > 0 ? paths.failures : null,
    };
  } finally {
    ledger.close();
  }
}

/** JSON with every character outside ASCII escaped: any console prints it, and it parses back exactly. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function statusCommand(
  output: ConsoleOutput,
  settings: Settings,
  runFolder: string | undefined,
  options: { json?: boolean } = {},
): number {
  const status = statusOf(findRun(settings, runFolder));
  if (options.json) {
    output.write(`${asciiJson(status)}\n`);
    return 0;
  }
  const state = {
    running: 'running now',
    unfinished: `unfinished (to continue it: bookout run --run "${status.run_folder}")`,
    finished: 'finished',
  }[status.state];
  const { counts, rates } = status;
  output.line(`run ${status.run_folder}: ${state}`);
  output.line(
    `  ${counts.done} of ${counts.total} done, ${counts.failed} failed, ${counts.rejected} rejected rows, ${counts.to_do} to do`,
  );
  output.line(
    `  run time ${formatDuration(status.run_time_hours * 3_600_000)}, ${rates.vehicles_per_hour} vehicles/hour, p50 ${rates.p50_seconds_per_vehicle} s per vehicle`,
  );
  if (status.in_progress.length > 0) output.line(`  in progress: ${status.in_progress.join(', ')}`);
  if (status.last_done_at) {
    const lastDone = Date.parse(status.last_done_at);
    output.line(
      `  last vehicle done at ${new Date(lastDone).toLocaleString()} (${formatDuration(Date.now() - lastDone)} ago)`,
    );
  }
  if (status.failures_file) output.line(`  failures and reasons: ${status.failures_file}`);
  return 0;
}

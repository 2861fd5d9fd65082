import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';

/** Where everything of one run lives. */
export interface RunPaths {
  root: string;
  name: string;
  pdfs: string;
  data: string;
  temp: string;
  ledger: string;
  /** Held by the process working on the run (see RunLock). */
  lock: string;
  inventoryCsv: string;
  tracking: string;
  checkpoint: string;
  metrics: string;
  failures: string;
  report: string;
  /** The report with charts, in the run folder itself (easy to find in the morning). */
  reportHtml: string;
  log: string;
  /** The log as JSON lines (LOG_JSON). */
  jsonLog: string;
  /** Error snapshots: pages of failed attempts (HTML and PNG). */
  snapshots: string;
}

export function runPaths(root: string): RunPaths {
  const data = join(root, 'run_data');
  return {
    root,
    name: root.split(/[\\/]/).pop() ?? root,
    pdfs: join(root, 'pdfs'),
    data,
    temp: join(data, 'tmp'),
    ledger: join(data, 'state.db'),
    lock: join(data, 'run.lock'),
    inventoryCsv: join(data, 'inventory.csv'),
    tracking: join(data, 'tracking.json'),
    checkpoint: join(data, 'checkpoint.json'),
    metrics: join(data, 'metrics.json'),
    failures: join(data, 'failures.csv'),
    report: join(data, 'report.txt'),
    reportHtml: join(root, 'report.html'),
    log: join(data, 'bookout.log'),
    jsonLog: join(data, 'bookout.jsonl'),
    snapshots: join(data, 'snapshots'),
  };
}

const RUN_FOLDER = /^(\d{2})-(\d{2})-(\d{4})(?: \((\d+)\))?$/;

/** MM-DD-YYYY, the folder name of a run started on `date`. */
export function dateFolderName(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())}-${date.getFullYear()}`;
}

/** Run folders under `downloadFolder`, newest first (by date, then by number). */
export function listRunFolders(downloadFolder: string): string[] {
  if (!existsSync(downloadFolder)) return [];
  const runs = readdirSync(downloadFolder, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() &&
        RUN_FOLDER.test(entry.name) &&
        existsSync(runPaths(join(downloadFolder, entry.name)).ledger),
    )
    .map((entry) => {
      const [, month, day, year, number] = RUN_FOLDER.exec(entry.name)!;
      return { path: join(downloadFolder, entry.name), key: `${year}${month}${day}`, number: Number(number ?? 1) };
    });
  runs.sort((a, b) => (a.key === b.key ? b.number - a.number : b.key.localeCompare(a.key)));
  return runs.map((run) => run.path);
}

/** True when a run still has vehicles to do (or never got its inventory). */
export function isUnfinished(paths: RunPaths): boolean {
  const ledger = Ledger.openReadOnly(paths.ledger);
  try {
    const counts = ledger.counts();
    return !ledger.hasInventory() || counts.pending + counts.leased > 0;
  } finally {
    ledger.close();
  }
}

export interface ChosenRun {
  paths: RunPaths;
  /** True when continuing an earlier, unfinished run. */
  resumed: boolean;
}

/**
 * The run folder named by `runFolder`; else the latest run when it is unfinished (or
 * `continueFinished`), otherwise a new folder for today: MM-DD-YYYY, then "MM-DD-YYYY (2)" and so on.
 */
export function chooseRunFolder(
  downloadFolder: string,
  options: { forceNew?: boolean; continueFinished?: boolean; runFolder?: string; now?: Date } = {},
): ChosenRun {
  if (options.runFolder !== undefined) {
    const paths = runPaths(resolve(options.runFolder));
    if (!existsSync(paths.ledger))
      throw new UserError(`${options.runFolder} is not a bookout run folder (no run_data/state.db in it).`);
    return { paths, resumed: true };
  }
  const base = resolve(downloadFolder);
  ensureWritableFolder(base);
  const latest = listRunFolders(base)[0];
  if (latest && !options.forceNew && (options.continueFinished || isUnfinished(runPaths(latest)))) {
    return { paths: runPaths(latest), resumed: true };
  }
  const today = dateFolderName(options.now ?? new Date());
  let name = today;
  for (let number = 2; existsSync(join(base, name)); number += 1) name = `${today} (${number})`;
  return { paths: createRunFolder(join(base, name)), resumed: false };
}

/**
 * Creates the run's folders. `run_data` (the state, the log, the inventory, the session's browser
 * profile) is readable by the user only; `pdfs` follows the download folder's own permissions.
 */
export function createRunFolder(root: string): RunPaths {
  const paths = runPaths(root);
  for (const folder of [paths.root, paths.pdfs]) mkdirSync(folder, { recursive: true });
  for (const folder of [paths.data, paths.temp]) mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(paths.data, 0o700);
  return paths;
}

function ensureWritableFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    const probe = join(folder, `.bookout-write-test-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `Cannot write to the download folder ${folder} (${code}). Choose another one with DOWNLOAD_FOLDER or --out.`,
    );
  }
}

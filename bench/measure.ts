// One measured run: a fresh simulated portal in this process, the real product as a child
// process against it, memory sampled meanwhile, and what the run left behind read afterwards.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPortal, type SimStats, type VariantName } from '../sim/index.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { runFolderOf, startCli, type CliResult, type CliRun } from '../test/support/harness.ts';
import { processesNamed } from '../test/support/processes.ts';
import { MemorySampler, type CpuSummary, type MemorySummary } from '../test/support/memory-sampler.ts';

export interface RunSetup {
  tabs: number;
  vehicles: number;
  timeScale: number;
  pdfCapacity: number;
  seed: number;
  variant: VariantName;
}

/** Portal figures the benchmark uses (a subset of SimStats, kept in the JSON). */
export interface PortalFigures {
  serverTimeByStepMs: Record<string, number>;
  requestsByRoute: Record<string, number>;
  requestsTotal: number;
  pdfGenerations: number;
  /** References generated more than once, with their count. */
  pdfGeneratedTwice: Record<string, number>;
  pdfPeakConcurrent: number;
  pdfQueuedPeak: number;
  peakConcurrentRequests: number;
  logins: number;
}

export interface RunMeasurement {
  setup: RunSetup;
  /** Vehicles in the portal's inventory. */
  vehicles: number;
  /** Vehicles with their PDF in pdfs/ (all of them unless the run failed). */
  vehiclesDone: number;
  exitCode: number | null;
  exitSignal: string | null;
  /** Empty when the run is usable. */
  problems: string[];
  /** Start of the product to its end (browser start, login, export, downloads, logout). */
  processWallMs: number;
  /** First vehicle leased to the last outcome recorded, from the ledger: the download phase only. */
  downloadWallMs: number | null;
  portal: PortalFigures;
  pdfFiles: { expected: number; missing: string[]; unexpected: string[] };
  memory: MemorySummary;
  /** CPU of the product's processes during the download phase; null when too short to sample. */
  cpu: CpuSummary | null;
  /** Mean seconds per vehicle of each step the product logs ("done in ... (step x s, ...)"). */
  clientStepSeconds: Record<string, number>;
  productMetrics: Record<string, unknown> | null;
}

/** Safety net for a run that never ends: generous, since one tab alone needs vehicles x ~20 s x timeScale. */
function deadlineMs(setup: RunSetup): number {
  return 180_000 + setup.vehicles * 20_000 * setup.timeScale * 5;
}

const STOP_GRACE_MS = 60_000;

export async function measureRun(setup: RunSetup, stop: AbortSignal): Promise<RunMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bookout-bench-'));
  const portal = await startPortal({
    vehicles: setup.vehicles,
    seed: setup.seed,
    profile: 'realistic',
    timeScale: setup.timeScale,
    pdfCapacity: setup.pdfCapacity,
    variant: setup.variant,
  });
  let sampler: MemorySampler | undefined;
  try {
    const downloads = join(dir, 'downloads');
    const env: Record<string, string> = {
      JD_USER: portal.credentials.username,
      JD_PASS: portal.credentials.password,
      PORTAL_URL: portal.url,
      DOWNLOAD_FOLDER: downloads,
      WORKERS: String(setup.tabs),
      BLOCK_RESOURCES: 'true',
      ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
    };
    const startedAt = Date.now();
    const run = startCli(['run', '--progress', 'plain', '--new'], env, dir);
    sampler = new MemorySampler(run.child.pid!);
    const problems: string[] = [];
    const result = await waitForEnd(run, deadlineMs(setup), stop, problems);
    const processWallMs = Date.now() - startedAt;
    await sampler.stop();
    const leftovers = await leftoverBrowsers(sampler.browserPids());
    if (leftovers > 0) problems.push(`${leftovers} Chromium process(es) outlived the product (killed)`);
    if (result.code !== 0 && !stop.aborted)
      problems.push(`exit code ${result.code ?? result.signal}: ${lastLines(result)}`);

    const runFolder = onlyRunFolder(downloads);
    const span = runFolder ? readAttemptSpan(join(runFolder, 'run_data', 'state.db')) : null;
    if (!span) problems.push('no vehicle was attempted');
    const phase = span ? { from: span.firstStartedAt, to: span.lastEndedAt } : null;
    const refs = portal.inventory.map((vehicle) => vehicle.ref);
    const pdfFiles = checkPdfFiles(runFolder, refs);
    if (pdfFiles.missing.length > 0) problems.push(`${pdfFiles.missing.length} vehicle(s) without a PDF`);
    if (pdfFiles.unexpected.length > 0)
      problems.push(`unexpected files in pdfs/: ${pdfFiles.unexpected.slice(0, 5).join(', ')}`);

    return {
      setup,
      vehicles: refs.length,
      vehiclesDone: refs.length - pdfFiles.missing.length,
      exitCode: result.code,
      exitSignal: result.signal,
      problems,
      processWallMs,
      downloadWallMs: span ? span.lastEndedAt - span.firstStartedAt : null,
      portal: portalFigures(portal.stats()),
      pdfFiles,
      memory: sampler.memory(phase),
      cpu: sampler.cpu(phase),
      clientStepSeconds: runFolder ? clientSteps(join(runFolder, 'run_data', 'bookout.log')) : {},
      productMetrics: runFolder ? readJsonOrNull(join(runFolder, 'run_data', 'metrics.json')) : null,
    };
  } finally {
    await sampler?.stop();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Waits for the product to end. On Ctrl-C it asks it to stop cleanly (unless the terminal's Ctrl-C
 * already reached it: it shares our process group); past the deadline or the grace it is killed.
 */
async function waitForEnd(run: CliRun, deadline: number, stop: AbortSignal, problems: string[]): Promise<CliResult> {
  const ended = run.done.then(() => 'ended' as const);
  const timer = (ms: number) => sleep(ms, 'timeout' as const, { ref: false });
  const stopped = new Promise<'stopped'>((resolve) =>
    stop.aborted ? resolve('stopped') : stop.addEventListener('abort', () => resolve('stopped'), { once: true }),
  );
  const first = await Promise.race([ended, timer(deadline), stopped]);
  if (first === 'ended') return run.done;
  problems.push(first === 'stopped' ? 'interrupted' : `no end after ${Math.round(deadline / 1000)} s`);
  if (first === 'stopped') await Promise.race([ended, timer(1500)]);
  if (run.child.exitCode === null && !/Stopping cleanly/.test(run.output())) run.child.kill('SIGINT');
  if ((await Promise.race([ended, timer(STOP_GRACE_MS)])) === 'timeout') run.child.kill('SIGKILL');
  return run.done;
}

/** Browser processes of the run still alive after the product ended: waited for briefly, then killed. */
async function leftoverBrowsers(seen: Set<number>): Promise<number> {
  const alive = () => processesNamed(/chrom/i).filter((pid) => seen.has(pid));
  for (let waited = 0; waited < 3000 && alive().length > 0; waited += 250) await sleep(250);
  const left = alive();
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  return left.length;
}

function onlyRunFolder(downloads: string): string | null {
  try {
    return runFolderOf(downloads);
  } catch {
    return null;
  }
}

function readAttemptSpan(path: string): { firstStartedAt: number; lastEndedAt: number } | null {
  if (!existsSync(path)) return null;
  const ledger = Ledger.openReadOnly(path);
  try {
    return ledger.attemptSpan();
  } finally {
    ledger.close();
  }
}

function checkPdfFiles(runFolder: string | null, refs: string[]): RunMeasurement['pdfFiles'] {
  const folder = runFolder ? join(runFolder, 'pdfs') : null;
  const files = new Set(folder && existsSync(folder) ? readdirSync(folder) : []);
  const expected = new Set(refs.map((ref) => `${ref}.pdf`));
  return {
    expected: expected.size,
    missing: [...expected].filter((file) => !files.has(file)),
    unexpected: [...files].filter((file) => !expected.has(file)),
  };
}

function portalFigures(stats: SimStats): PortalFigures {
  return {
    serverTimeByStepMs: stats.serverTimeMs.byStep,
    requestsByRoute: stats.requests.byRoute,
    requestsTotal: stats.requests.total,
    pdfGenerations: stats.pdf.generations,
    pdfGeneratedTwice: Object.fromEntries(Object.entries(stats.pdf.byRef).filter(([, count]) => count > 1)),
    pdfPeakConcurrent: stats.pdf.peakConcurrent,
    pdfQueuedPeak: stats.pdf.queuedPeak,
    peakConcurrentRequests: stats.peakConcurrentRequests,
    logins: stats.logins.accepted,
  };
}

/** Parses the product's "<ref>: done in 4.5 s (opening inventory 0.57 s, ...)" log lines. */
function clientSteps(logPath: string): Record<string, number> {
  if (!existsSync(logPath)) return {};
  const totals = new Map<string, number>();
  let vehicles = 0;
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    const match = /: done in ([\d.]+) s \((.*)\)(?: \[[^\]]*\])?\s*$/.exec(line);
    if (!match) continue;
    vehicles += 1;
    totals.set('total', (totals.get('total') ?? 0) + Number(match[1]));
    for (const part of match[2]!.split(', ')) {
      const step = /^(.+) ([\d.]+) s$/.exec(part);
      if (step) totals.set(step[1]!, (totals.get(step[1]!) ?? 0) + Number(step[2]));
    }
  }
  return Object.fromEntries([...totals].map(([step, seconds]) => [step, seconds / vehicles]));
}

function readJsonOrNull(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function lastLines(result: CliResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
}

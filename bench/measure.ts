// One measured run: a fresh simulated portal in this process, the product of a checkout as a child
// process against it, memory and the portal's capacity sampled meanwhile, and what the run left behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPortal, type SimPortal, type SimStats } from '../sim/index.ts';
import type { CliResult } from '../test/support/harness.ts';
import { processesNamed } from '../test/support/processes.ts';
import { MemorySampler, type CpuSummary, type MemorySummary } from '../test/support/memory-sampler.ts';
import { CapacityWatch, type CapacityPoint } from './capacity-watch.ts';
import type { PortalSettings } from './options.ts';
import type { PlannedRun } from './plan.ts';
import { startProduct, type ProductRun } from './product.ts';
import { readRunFiles, type RunFiles } from './run-files.ts';

export interface RunSetup extends PlannedRun, PortalSettings {
  /** The checkout whose product runs (this one or the baseline). */
  root: string;
  vehicles: number;
  timeScale: number;
  seed: number;
}

/** Portal figures the benchmark uses (a subset of SimStats, kept in the JSON). */
export interface PortalFigures {
  serverTimeByStepMs: Record<string, number>;
  requestsByRoute: Record<string, number>;
  requestsTotal: number;
  /** Answers with a status of 400 or more, by status. */
  errorAnswers: Record<string, number>;
  pdfGenerations: number;
  /** References generated more than once, with their count. */
  pdfGeneratedTwice: Record<string, number>;
  pdfPeakConcurrent: number;
  pdfQueuedPeak: number;
  peakConcurrentRequests: number;
  logins: number;
  /** PDF requests refused with 503 because too many waited (--overload). */
  overloadRefusals: number;
}

export interface RunMeasurement extends Omit<RunFiles, 'span'> {
  setup: RunSetup;
  /** Why this checkout could not run these settings at all (it refused them), or null. */
  skipped: string | null;
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
  /** The download phase (epoch ms), from the ledger. */
  downloadSpan: { from: number; to: number } | null;
  /** First vehicle leased to the last outcome recorded: the download phase only. */
  downloadWallMs: number | null;
  portal: PortalFigures;
  /** The portal's PDF capacity at the start, and each change while the run went. */
  capacity: CapacityPoint[];
  memory: MemorySummary;
  /** CPU of the product's processes during the download phase; null when too short to sample. */
  cpu: CpuSummary | null;
}

/** Safety net for a run that never ends: generous, since one tab alone needs vehicles x ~20 s x timeScale. */
function deadlineMs(setup: RunSetup): number {
  return 180_000 + setup.vehicles * 20_000 * setup.timeScale * 5;
}

const STOP_GRACE_MS = 60_000;
/** A checkout that exits with "bad settings" this fast did not run: it does not know what it was asked. */
const REFUSAL_WITHIN_MS = 30_000;

export async function measureRun(setup: RunSetup, stop: AbortSignal): Promise<RunMeasurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bookout-bench-'));
  const portal = await startPortal({
    vehicles: setup.vehicles,
    seed: setup.seed,
    profile: 'realistic',
    timeScale: setup.timeScale,
    variant: setup.variant,
    pdfCapacity: setup.pdfCapacity,
    capacityChange: setup.capacityChange,
    loadLatency: setup.loadLatency,
    overload: setup.overload,
    reportTab: setup.reportTab ?? undefined,
  });
  const capacity = new CapacityWatch(portal, setup.capacityChange !== null);
  let sampler: MemorySampler | undefined;
  try {
    const startedAt = Date.now();
    const run = startProduct(setup.root, ['run', '--progress', 'plain', '--new'], productEnv(setup, portal, dir), dir);
    sampler = new MemorySampler(run.child.pid!);
    const problems: string[] = [];
    const result = await waitForEnd(run, deadlineMs(setup), stop, problems);
    const processWallMs = Date.now() - startedAt;
    await sampler.stop();
    const leftovers = await leftoverBrowsers(sampler.browserPids());
    if (leftovers > 0) problems.push(`${leftovers} Chromium process(es) outlived the product (killed)`);
    const skipped = refusal(setup, result, processWallMs);
    if (result.code !== 0 && !stop.aborted && !skipped)
      problems.push(`exit code ${result.code ?? result.signal}: ${lastLines(result)}`);
    const refs = portal.inventory.map((vehicle) => vehicle.ref);
    const { span, ...files } = readRunFiles(join(dir, 'downloads'), refs);
    if (!span && !skipped) problems.push('no vehicle was attempted');
    if (files.pdfFiles.missing.length > 0 && !skipped)
      problems.push(`${files.pdfFiles.missing.length} vehicle(s) without a PDF`);
    if (files.pdfFiles.unexpected.length > 0)
      problems.push(`unexpected files in pdfs/: ${files.pdfFiles.unexpected.slice(0, 5).join(', ')}`);
    return {
      ...files,
      setup,
      skipped,
      vehicles: refs.length,
      vehiclesDone: refs.length - files.pdfFiles.missing.length,
      exitCode: result.code,
      exitSignal: result.signal,
      problems,
      processWallMs,
      downloadSpan: span,
      downloadWallMs: span ? span.to - span.from : null,
      portal: portalFigures(portal.stats()),
      capacity: capacity.stop(),
      memory: sampler.memory(span),
      cpu: sampler.cpu(span),
    };
  } finally {
    capacity.stop();
    await sampler?.stop();
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The product's environment: the portal, a private state folder, no keychain, the build and the tab count. */
function productEnv(setup: RunSetup, portal: SimPortal, dir: string): Record<string, string> {
  return {
    JD_USER: portal.credentials.username,
    JD_PASS: portal.credentials.password,
    PORTAL_URL: portal.url,
    DOWNLOAD_FOLDER: join(dir, 'downloads'),
    BOOKOUT_STATE_DIR: join(dir, 'state'),
    BOOKOUT_KEYCHAIN: 'off',
    WORKERS: String(setup.workers),
    ...(setup.maxWorkers === null ? {} : { MAX_WORKERS: String(setup.maxWorkers) }),
    BLOCK_RESOURCES: 'true',
    BROWSER_PATH: setup.build.path,
  };
}

/** The baseline exiting at once with "bad settings" (exit 2) does not know a setting: that run is skipped. */
function refusal(setup: RunSetup, result: CliResult, wallMs: number): string | null {
  if (setup.checkout !== 'baseline' || result.code !== 2 || wallMs > REFUSAL_WITHIN_MS) return null;
  const message = lastLines(result, ' ').replace(/\s+/g, ' ');
  return `the baseline refuses these settings: ${message}`;
}

/**
 * Waits for the product to end. On Ctrl-C it asks it to stop cleanly (unless the terminal's Ctrl-C
 * already reached it: it shares our process group); past the deadline or the grace it is killed.
 */
async function waitForEnd(run: ProductRun, deadline: number, stop: AbortSignal, problems: string[]) {
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

function portalFigures(stats: SimStats): PortalFigures {
  return {
    serverTimeByStepMs: stats.serverTimeMs.byStep,
    requestsByRoute: stats.requests.byRoute,
    requestsTotal: stats.requests.total,
    errorAnswers: Object.fromEntries(
      Object.entries(stats.requests.byStatus).filter(([status]) => Number(status) >= 400),
    ),
    pdfGenerations: stats.pdf.generations,
    pdfGeneratedTwice: Object.fromEntries(Object.entries(stats.pdf.byRef).filter(([, count]) => count > 1)),
    pdfPeakConcurrent: stats.pdf.peakConcurrent,
    pdfQueuedPeak: stats.pdf.queuedPeak,
    peakConcurrentRequests: stats.peakConcurrentRequests,
    logins: stats.logins.accepted,
    overloadRefusals: stats.overloadRefusals,
  };
}

function lastLines(result: CliResult, separator = ' | '): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(separator);
}

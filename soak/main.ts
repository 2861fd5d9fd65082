// npm run soak: a whole inventory under a fault mix, crashes and kills; checked from outside.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemorySampler, type MemorySample } from '../test/support/memory-sampler.ts';
import { startPortal, type SimPortal } from '../sim/index.ts';
import {
  checkPdfsOnDisk,
  generations,
  runFolderOf,
  startCli,
  type CliResult,
  type CliRun,
} from '../test/support/harness.ts';
import { injected, outcomeChecks, type Check } from '../test/support/outcome.ts';
import { browserProcess } from '../test/support/processes.ts';
import { optionsOrExit } from '../test/support/tool-options.ts';
import { HELP, parseOptions, type SoakOptions } from './options.ts';
import { disruptionPlan, portalFaults, productSettings, type Disruption } from './plan.ts';
import { checksTable, memoryFlatness, memoryTable, type ProgressPoint } from './report.ts';

/** Everything one soak run observes while it goes. */
/** A hang must not cost a vehicle more than this (the watchdog's limit follows each step's own timings). */
const HANG_COST_LIMIT_S = 15;

class Soak {
  readonly options: SoakOptions;
  readonly portal: SimPortal;
  readonly dir: string;
  readonly downloads: string;
  readonly env: Record<string, string>;
  readonly startedAt = Date.now();
  readonly samples: Array<MemorySample & { segment: number }> = [];
  readonly progress: ProgressPoint[] = [];
  readonly events: string[] = [];
  /** Generations of each vehicle that was proven on disk when the product was killed. */
  readonly provenAtKill = new Map<string, number>();
  readonly badAfterKill: string[] = [];
  segment = 0;

  constructor(options: SoakOptions, portal: SimPortal) {
    this.options = options;
    this.portal = portal;
    this.dir = mkdtempSync(join(tmpdir(), 'bookout-soak-'));
    this.downloads = join(this.dir, 'downloads');
    this.env = {
      JD_USER: portal.credentials.username,
      JD_PASS: portal.credentials.password,
      PORTAL_URL: portal.url,
      DOWNLOAD_FOLDER: this.downloads,
      ...productSettings(options),
      ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
    };
  }

  note(text: string): void {
    const line = `[${minutes(Date.now() - this.startedAt)}] ${text}`;
    this.events.push(line);
    console.log(line);
  }

  pdfsOnDisk(): number {
    try {
      return readdirSync(join(runFolderOf(this.downloads), 'pdfs')).length;
    } catch {
      return 0;
    }
  }

  /** Runs the product once (one segment), applying each disruption when due. Resolves when the process ends. */
  async segmentRun(disruptions: Disruption[]): Promise<CliResult> {
    this.segment += 1;
    const segment = this.segment;
    const run = startCli(['run', '--progress', 'plain'], this.env, this.dir);
    const sampler = new MemorySampler(run.child.pid!, 2000);
    const ticker = setInterval(() => this.#tick(), 10_000);
    try {
      for (const disruption of disruptions) await this.#disrupt(run, disruption);
      return await run.done;
    } finally {
      clearInterval(ticker);
      await sampler.stop();
      this.samples.push(...sampler.samples.map((sample) => ({ ...sample, segment })));
    }
  }

  #tick(): void {
    const point = { at: Date.now(), pdfs: this.pdfsOnDisk(), generations: this.portal.stats().pdf.generations };
    this.progress.push(point);
    console.log(
      `  ${minutes(point.at - this.startedAt)}  ${point.pdfs}/${this.options.vehicles} PDFs on disk, ${point.generations} generated`,
    );
  }

  async #disrupt(run: CliRun, disruption: Disruption): Promise<void> {
    const due = await waitUntil(() => this.portal.stats().pdf.generations >= disruption.afterPdfs, run);
    if (!due) return; // the run ended first (the report says so)
    if (disruption.kind === 'crash') {
      const browser = browserProcess(run.child.pid!);
      if (browser) process.kill(browser, 'SIGKILL');
      this.note(`killed Chromium (pid ${browser ?? 'not found'}) after ${disruption.afterPdfs} PDFs`);
      return;
    }
    run.child.kill('SIGKILL');
    await run.done;
    const disk = await checkPdfsOnDisk(runFolderOf(this.downloads), this.portal);
    const counts = generations(this.portal);
    for (const ref of disk.proven) if (!this.provenAtKill.has(ref)) this.provenAtKill.set(ref, counts.get(ref) ?? 0);
    this.badAfterKill.push(...disk.bad.map((bad) => `${bad.file}: ${bad.why}`));
    this.note(
      `SIGKILL after ${disruption.afterPdfs} PDFs: ${disk.proven.length} proven on disk, ${disk.bad.length} bad files`,
    );
  }

  /** Each hang from bookout.log: the seconds it cost before bookout gave up on the answer, and its log line. */
  hangCosts(): Array<{ seconds: number; line: string }> {
    let log = '';
    try {
      log = readFileSync(join(runFolderOf(this.downloads), 'run_data', 'bookout.log'), 'utf8');
    } catch {
      return [];
    }
    const costs = [
      ...log.matchAll(/(?:no answer for (\d+) s|timed out after (\d+) s|nothing happened within (\d+) s)[^\n]*/g),
    ];
    // Each hang is logged for the tab ('in "step"') and again for its vehicle ('in step "step"'): counted once.
    return costs
      .filter((match) => !match[0].split('"')[0]?.endsWith(' in step '))
      .map((match) => ({ seconds: Number(match[1] ?? match[2] ?? match[3]), line: match[0] }));
  }

  /** The last run's metrics.json (null when it has none). */
  metrics(): {
    attempts_lost_to_own_errors: number;
    failed_attempts_by_cause: Record<string, { attempts: number; counted: number }>;
  } | null {
    try {
      return JSON.parse(readFileSync(join(runFolderOf(this.downloads), 'run_data', 'metrics.json'), 'utf8'));
    } catch {
      return null;
    }
  }

  async checks(last: CliResult): Promise<Check[]> {
    const stats = this.portal.stats();
    const ruinedPdfs = injected(this.portal, /truncatedPdf|htmlAsPdf/);
    // A vehicle in flight when its session ends, its browser dies or its process is killed may be generated again.
    const interruptions = this.options.kills + 3;
    const folder = runFolderOf(this.downloads);
    const outcome = await outcomeChecks(folder, this.portal, {
      extraGenerationsAllowed: ruinedPdfs + interruptions * this.options.workers,
    });
    const counts = generations(this.portal);
    const redone = [...this.provenAtKill].filter(([ref, count]) => counts.get(ref) !== count).map(([ref]) => ref);
    const allowedLogins = 1 + (stats.sessionsEnded.expired + stats.sessionsEnded.kicked);
    const flat = memoryFlatness(this.samples);
    const metrics = this.metrics();
    const lost = metrics?.attempts_lost_to_own_errors;
    const hangs = this.hangCosts();
    const worst = hangs.reduce((max, hang) => (hang.seconds > max.seconds ? hang : max), { seconds: 0, line: '' });
    return [
      { name: 'the last run ended with exit code 0', ok: last.code === 0, detail: `exit ${last.code ?? last.signal}` },
      ...outcome,
      {
        name: 'no bad file on disk right after any kill',
        ok: this.badAfterKill.length === 0,
        detail: this.badAfterKill.slice(0, 5).join(', ') || 'none',
      },
      {
        name: "no vehicle's retry spent on bookout's or a tab's own error",
        ok: lost === 0,
        detail: lost === undefined ? 'no metrics.json' : `${lost} lost`,
      },
      {
        name: `every hang cost less than ${HANG_COST_LIMIT_S} s`,
        ok: worst.seconds < HANG_COST_LIMIT_S,
        detail: hangs.length
          ? `${hangs.length} hangs, the worst ${worst.seconds} s (${worst.line.slice(0, 90)})`
          : 'no hang noticed',
      },
      {
        name: 'nothing proven before a kill was downloaded again',
        ok: redone.length === 0,
        detail: redone.length ? redone.slice(0, 5).join(', ') : `${this.provenAtKill.size} checked`,
      },
      {
        name: 'one login, plus one per session expiry or kick',
        ok: stats.logins.accepted <= allowedLogins && stats.logins.refusedActiveSession === 0,
        detail: `${stats.logins.accepted} accepted (allowed ${allowedLogins}), ${stats.logins.refusedActiveSession} refused`,
      },
      {
        name: 'memory stays flat (last quarter vs second quarter of the longest stretch)',
        ok: flat.ok,
        detail: flat.detail,
      },
    ];
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `condition` until true (returns true) or the run ends first (returns false). */
async function waitUntil(condition: () => boolean, run: CliRun): Promise<boolean> {
  let ended = false;
  void run.done.then(() => (ended = true));
  while (!condition()) {
    if (ended) return false;
    await sleep(100);
  }
  return true;
}

function indent(text: string): string {
  return text.replace(/^/gm, '    | ');
}

function minutes(ms: number): string {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

async function main(): Promise<number> {
  const options = optionsOrExit('soak', HELP, (argv) => parseOptions(argv));
  const faults = portalFaults(options.vehicles, options.mix);
  const portal = await startPortal({
    vehicles: options.vehicles,
    seed: options.seed,
    profile: 'realistic',
    timeScale: options.timeScale,
    pdfCapacity: options.pdfCapacity,
    variant: options.variant,
    faults,
  });
  const soak = new Soak(options, portal);
  const plan = disruptionPlan(options);
  console.log(
    `bookout soak: ${options.vehicles} vehicles, ${options.workers} tabs, realistic profile x ${options.timeScale}, PDF capacity ${options.pdfCapacity}, seed ${options.seed}, variant ${options.variant}`,
  );
  console.log(`faults: ${JSON.stringify(faults)}`);
  console.log(`plan: ${plan.map((step) => `${step.kind} after ${step.afterPdfs} PDFs`).join(', ')}\n`);
  let stopped = false;
  let keep = false;
  process.once('SIGINT', () => {
    stopped = true;
    console.log('\nInterrupted: the product is stopped (it got the same Ctrl-C); checks follow.');
  });
  try {
    let last: CliResult | undefined;
    // One segment per kill; the crash happens inside a segment (the product relaunches Chromium itself).
    const segments = splitAtKills(plan);
    for (const disruptions of segments) {
      if (stopped) break;
      last = await soak.segmentRun(disruptions);
      soak.note(`product ended: exit ${last.code ?? last.signal}`);
      if (last.code !== 0 && last.signal !== 'SIGKILL')
        console.log(indent(`${last.stdout}${last.stderr}`.trimEnd().split('\n').slice(-25).join('\n')));
    }
    const checks = await soak.checks(last!);
    console.log(`\n${memoryTable(soak.samples, soak.progress, soak.startedAt)}\n`);
    console.log(checksTable(checks));
    console.log(
      `\nfailed attempts by cause (how many of them used up a vehicle's retry):\n${causesText(soak.metrics())}`,
    );
    const failed = checks.filter((check) => !check.ok).length;
    console.log(
      `\n${failed === 0 ? 'SOAK PASSED' : `SOAK FAILED: ${failed} check(s)`} in ${minutes(Date.now() - soak.startedAt)}; faults injected: ${JSON.stringify(portal.stats().faultsInjected)}`,
    );
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(
      options.out,
      `${JSON.stringify({ options, faults, plan, checks, events: soak.events, progress: soak.progress, memory: soak.samples, portal: portal.stats() }, null, 2)}\n`,
    );
    console.log(`results: ${options.out}`);
    if (failed > 0) {
      keep = true;
      console.log(`the run's folder is kept to look into: ${soak.downloads}`);
    }
    return stopped ? 130 : failed === 0 ? 0 : 1;
  } finally {
    await portal.stop();
    if (!keep) soak.close();
  }
}

/** Groups the plan into segments that each end with a kill (the last one runs to the end). */
function splitAtKills(plan: Disruption[]): Disruption[][] {
  const segments: Disruption[][] = [[]];
  for (const disruption of plan) {
    segments.at(-1)!.push(disruption);
    if (disruption.kind === 'kill') segments.push([]);
  }
  return segments;
}

process.exitCode = await main();

function causesText(metrics: ReturnType<Soak['metrics']>): string {
  const causes = Object.entries(metrics?.failed_attempts_by_cause ?? {});
  if (causes.length === 0) return '  none';
  return causes
    .map(([cause, { attempts, counted }]) => `  ${cause.padEnd(24)} ${attempts} (${counted} counted)`)
    .join('\n');
}

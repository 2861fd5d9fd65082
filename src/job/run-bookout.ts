import { readFile, rename } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { BrowserHost } from '../browser/browser-host.ts';
import { blockResources } from '../browser/resource-blocking.ts';
import { sealCookies, unsealCookies } from '../browser/sealed-cookies.ts';
import { classifyBrowserError } from '../browser/web-failures.ts';
import type { Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { TaskFailure, messageOf } from '../engine/failure.ts';
import type { RecoveryHooks } from '../engine/types.ts';
import { exponentialBackoff } from '../engine/backoff.ts';
import { Watchdog } from '../engine/watchdog.ts';
import { WorkerPool, type PoolObserver, type PoolResult } from '../engine/worker-pool.ts';
import { Ledger, type SavedPdf, type VehicleTask } from '../ledger/ledger.ts';
import { LedgerQueue } from '../ledger/ledger-queue.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { DurableWriter } from '../output/atomic-write.ts';
import { PdfStore } from '../output/pdf-store.ts';
import { finalReport, writeReports, type Metrics, type RunStatus } from '../output/reports.ts';
import { chooseRunFolder, createRunFolder, listRunFolders, runPaths, type RunPaths } from '../output/run-folders.ts';
import { BookoutTab } from '../portal/bookout-tab.ts';
import { readInventoryCsv } from '../portal/inventory-csv.ts';
import { PdfCapture } from '../portal/pdf-capture.ts';
import { PortalSession } from '../portal/portal-session.ts';
import { RunLog, type ConsoleOutput } from '../ui/console.ts';
import { ProgressDisplay } from '../ui/progress.ts';
import { makeRedactor } from '../ui/text.ts';
import { BookoutJob } from './bookout-job.ts';

export interface RunRequest {
  settings: Settings;
  output: ConsoleOutput;
  /** Start a new run folder even when the latest run is unfinished. */
  forceNew?: boolean;
  /** Continue the latest run even if finished, and try its failed vehicles again. */
  retryFailed?: boolean;
  /** `auto`: live on a terminal, plain lines otherwise. */
  progress?: 'auto' | 'live' | 'plain';
  /** Aborting it stops the run cleanly (Ctrl-C). */
  stopSignal?: AbortSignal;
  /** How long the portal may be unreachable before the run stops. Default 30 minutes. */
  maxOutageMs?: number;
  /** Session recoveries allowed per invocation before the run stops. Default 30. */
  maxSessionRecoveries?: number;
}

export interface RunOutcome {
  /** 0 all done, 1 some vehicles failed, 3 login refused, 4 stopped by a fatal problem, 130 interrupted. */
  exitCode: number;
  status: RunStatus;
  paths: RunPaths;
  metrics: Metrics;
  /** The fatal problem, when there was one. */
  message?: string;
}

/** `bookout run`: the whole job, blocking until done, stopped or failed. */
export async function runBookout(request: RunRequest): Promise<RunOutcome> {
  const { settings, output } = request;
  output.setRedactor(makeRedactor([settings.password, settings.username]));
  const chosen = chooseRunFolder(settings.downloadFolder, {
    forceNew: request.forceNew,
    continueFinished: request.retryFailed,
  });
  const paths = createRunFolder(chosen.paths.root);
  const lock = RunLock.acquire(paths.lock);
  if (!lock)
    throw new UserError(
      `Another bookout is already working on ${paths.root}. Wait for it to finish, or stop it first.`,
    );
  try {
    const run = new BookoutRun(request, paths);
    return await run.execute(chosen.resumed);
  } finally {
    lock.release();
  }
}

/** "opening inventory 0.4 s, filtering grid 0.2 s, ..." from a task's step timeline. */
function stepDurations(timeline: Array<{ name: string; at: number }>, end: number): string {
  return timeline
    .slice(1)
    .map((step, index) => `${step.name} ${(((timeline[index + 2]?.at ?? end) - step.at) / 1000).toFixed(2)} s`)
    .join(', ');
}

class BookoutRun {
  readonly request: RunRequest;
  readonly settings: Settings;
  readonly paths: RunPaths;
  readonly ledger: Ledger;
  readonly writer: DurableWriter;
  readonly log: RunLog;
  readonly host: BrowserHost;
  readonly capture: PdfCapture;
  readonly session: PortalSession;
  readonly secret: string;
  /** Delay before retry number n (1-based) of a vehicle or of a step before the downloads. */
  readonly retryDelay: (retry: number) => number;
  readonly finishedAt: number[] = [];
  pool: WorkerPool<VehicleTask, BookoutTab, SavedPdf> | null = null;
  note: string | undefined;

  constructor(request: RunRequest, paths: RunPaths) {
    this.request = request;
    this.settings = request.settings;
    this.paths = paths;
    this.ledger = Ledger.open(paths.ledger);
    this.writer = new DurableWriter(paths.temp);
    this.log = new RunLog(paths.log, request.output);
    this.host = new BrowserHost(
      { headless: this.settings.headless, executablePath: this.settings.browserPath },
      { fetchTimeoutMs: this.settings.taskTimeoutMs },
    );
    this.capture = new PdfCapture();
    this.session = new PortalSession(
      this.host,
      this.settings.portalUrl,
      this.settings,
      { info: (text) => this.log.info(text) },
      Math.min(this.settings.taskTimeoutMs, 120_000),
    );
    this.secret = `${this.settings.username}\n${this.settings.password}\n${this.settings.portalUrl}`;
    this.retryDelay = exponentialBackoff({ baseMs: this.settings.retryDelayMs });
  }

  get stopped(): boolean {
    return this.request.stopSignal?.aborted === true;
  }

  async execute(resumed: boolean): Promise<RunOutcome> {
    const invocation = this.#startInvocation(resumed);
    let status: RunStatus = 'failed';
    let exitCode = 4;
    let message: string | undefined;
    try {
      await this.writer.clearTemp();
      await this.#startBrowser();
      await this.#signIn();
      await this.#loadInventory();
      const result = await this.#download();
      ({ status, exitCode, message } = this.#judge(result));
    } catch (error) {
      ({ status, exitCode, message } = this.#judgeError(error));
    } finally {
      await this.#shutDown();
    }
    this.ledger.endInvocation(invocation, status);
    const metrics = await writeReports(this.ledger, this.paths, this.writer, this.settings.workers, status);
    const report = finalReport(this.ledger, this.paths, metrics, status, message);
    await this.writer.write(this.paths.report, report);
    this.request.output.line();
    for (const line of report.trimEnd().split('\n')) this.request.output.line(line);
    this.ledger.close();
    return { exitCode, status, paths: this.paths, metrics, message };
  }

  #startInvocation(resumed: boolean): number {
    this.ledger.closeOpenInvocations('killed');
    const released = this.ledger.releaseAllLeases();
    const counts = this.ledger.counts();
    if (resumed) {
      this.log.info(
        `continuing the run in ${this.paths.root}: ${counts.done} of ${counts.total} done${released ? `, ${released} interrupted vehicles will be redone` : ''} (use --new for a fresh run)`,
      );
    } else {
      this.log.info(`new run in ${this.paths.root}`);
    }
    return this.ledger.startInvocation(this.settings.workers);
  }

  async #startBrowser(): Promise<void> {
    await this.capture.install(this.host.interceptor);
    await this.host.start();
    const sealed = this.#sealedSession();
    const cookies = sealed ? unsealCookies(sealed, this.secret) : null;
    if (cookies) {
      this.host.setCookies(cookies);
      await this.host.context.addCookies(cookies);
      this.log.detail('restored the session of an interrupted run');
    }
  }

  /**
   * The session cookies this run kept, or for a new run those of the latest earlier run: a run
   * that could not log out (killed, or the portal did not answer) left its session open, and
   * taking it back avoids being refused for an active session.
   */
  #sealedSession(): Uint8Array | undefined {
    const own = this.ledger.loadSealedSession();
    if (own) return own;
    const previous = listRunFolders(resolve(this.settings.downloadFolder)).find(
      (folder) => resolve(folder) !== resolve(this.paths.root),
    );
    if (!previous) return undefined;
    try {
      const ledger = Ledger.openReadOnly(runPaths(previous).ledger);
      try {
        return ledger.loadSealedSession();
      } finally {
        ledger.close();
      }
    } catch {
      return undefined; // an unreadable old run is no reason not to log in
    }
  }

  async #signIn(): Promise<void> {
    try {
      await this.#setupStep('signing in', async () => {
        const result = await this.session.ensureSignedIn();
        if (result === 'already')
          this.log.info('the portal session opened earlier is still alive; continuing with it (no new login)');
      });
    } finally {
      // Also when sign-in failed half-way: a session may have opened, and the next run can take it back.
      await this.#saveSession().catch(() => undefined);
    }
  }

  /**
   * A step before the downloads start (sign-in, export), retried like a vehicle would be: a few
   * times with backoff for transient errors, after the shared recovery for the others. A refused
   * login is never retried.
   */
  async #setupStep<V>(what: string, step: () => Promise<V>, attempts = 4): Promise<V> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await step();
      } catch (error) {
        if (error instanceof UserError) throw error;
        const failure = this.#classify(error);
        if (failure.kind === 'fatal' || failure.kind === 'permanent' || attempt >= attempts || this.stopped)
          throw failure;
        this.log.warn(`${what} failed (${failure.message}); trying again`);
        if (failure.kind === 'unavailable') await this.#waitForPortal();
        else if (failure.kind === 'browser') await this.host.relaunch();
        else
          await sleep(failure.retryAfterMs ?? this.retryDelay(attempt), undefined, { signal: this.request.stopSignal });
      }
    }
  }

  /** Until the portal answers again; fatal after `maxOutageMs`, at once on Ctrl-C. */
  #waitForPortal(): Promise<void> {
    return this.session.waitUntilReachable(this.request.maxOutageMs ?? 30 * 60_000, this.request.stopSignal);
  }

  async #saveSession(): Promise<void> {
    const cookies = await this.host.rememberCookies();
    if (cookies.length > 0) this.ledger.saveSealedSession(sealCookies(cookies, this.secret));
  }

  async #loadInventory(): Promise<void> {
    if (!this.ledger.hasInventory()) {
      this.log.info('exporting the inventory (Export > Export All Columns > Export to CSV)');
      const download = join(this.paths.temp, 'inventory-download.csv');
      const { clearedFilter } = await this.#setupStep('exporting the inventory', () =>
        this.session.exportInventory(download, Math.max(this.settings.taskTimeoutMs, 300_000)),
      );
      if (clearedFilter) this.log.info('cleared a grid filter left from an earlier session');
      const inventory = readInventoryCsv(await readFile(download), 'The exported inventory');
      await rename(download, this.paths.inventoryCsv);
      this.ledger.importInventory(inventory.references, inventory.rejected);
      const extra = [
        inventory.duplicateRows ? `${inventory.duplicateRows} duplicate rows ignored` : '',
        inventory.rejected.length ? `${inventory.rejected.length} rows rejected (see failures.csv)` : '',
      ].filter(Boolean);
      this.log.info(`inventory: ${inventory.references.length} vehicles${extra.length ? `; ${extra.join('; ')}` : ''}`);
    }
    if (this.request.retryFailed) {
      const failed = this.ledger.vehicles('failed').map((vehicle) => vehicle.ref);
      this.ledger.requeue(failed);
      if (failed.length) this.log.info(`trying ${failed.length} failed vehicles again`);
    }
    if (this.settings.blockResources) await blockResources(this.host.interceptor);
    await this.session.closeControlPage();
  }

  async #download(): Promise<PoolResult> {
    if (this.stopped) return { reason: 'stopped' };
    const store = new PdfStore(this.paths.pdfs, this.writer);
    const job = new BookoutJob(store, {
      alreadyOnDisk: (reference) =>
        this.log.detail(`${reference}: a proven PDF is already on disk; not downloaded again`),
      wrongVehicle: (reference, reason) => {
        this.ledger.increment('wrong_vehicle_pdfs');
        this.log.error(`${reference}: ${reason}; rejected and retried`);
      },
    });
    const pool = new WorkerPool<VehicleTask, BookoutTab, SavedPdf>(
      {
        queue: new LedgerQueue(this.ledger, this.settings.maxDownloads),
        slots: {
          create: async () =>
            new BookoutTab(await this.host.newPage(), this.capture, {
              origin: this.settings.portalUrl,
              stepTimeoutMs: this.settings.taskTimeoutMs,
            }),
        },
        job,
        recovery: this.#recoveryHooks(),
        classify: (error) => this.#classify(error),
        observer: this.#observer(),
      },
      {
        workers: this.settings.workers,
        taskTimeoutMs: this.settings.taskTimeoutMs,
        maxAttempts: this.settings.maxRetries + 1,
        retryDelayMs: this.retryDelay,
        pauseBetweenTasksMs: this.settings.pauseBetweenVehiclesMs,
        recycleSlotEvery: this.settings.recycleTabEvery,
      },
    );
    this.pool = pool;
    const counts = this.ledger.counts();
    const batch = this.settings.maxDownloads ? ` (at most ${this.settings.maxDownloads} in this batch)` : '';
    this.log.info(`downloading ${counts.pending} vehicles with ${this.settings.workers} tabs${batch}`);
    const watchdog = new Watchdog(pool, { stallTimeoutMs: this.settings.stallTimeoutMs }, (view) =>
      this.log.warn(
        `tab ${view.id}: no progress on ${view.taskId} in "${view.step}"; replacing the tab and retrying the vehicle`,
      ),
    );
    const progress = this.#progressDisplay(pool);
    const onStop = () => pool.stop();
    this.request.stopSignal?.addEventListener('abort', onStop, { once: true });
    const sessionKeeper = setInterval(() => void this.#saveSession().catch(() => undefined), 60_000);
    watchdog.start();
    progress.start();
    try {
      return await pool.run();
    } finally {
      clearInterval(sessionKeeper);
      watchdog.stop();
      progress.stop();
      this.log.setSink({ event: (_level, text) => this.request.output.line(text) });
      this.request.stopSignal?.removeEventListener('abort', onStop);
    }
  }

  #progressDisplay(pool: WorkerPool<VehicleTask, BookoutTab, SavedPdf>): ProgressDisplay {
    const mode = this.request.progress ?? 'auto';
    const display = new ProgressDisplay(
      {
        numbers: () => {
          const counts = this.ledger.counts();
          return {
            total: counts.total,
            done: counts.done,
            failed: counts.failed,
            remaining: counts.pending + counts.leased,
            finishedAt: this.finishedAt,
          };
        },
        workers: () => pool.snapshot(),
        note: () => this.note,
      },
      this.request.output,
      { mode: mode === 'auto' ? (this.request.output.isTerminal ? 'live' : 'plain') : mode },
    );
    this.log.setSink(display);
    return display;
  }

  #observer(): PoolObserver<VehicleTask> {
    const steps = new Map<string, Array<{ name: string; at: number }>>();
    return {
      taskStarted: (_worker, task) => steps.set(task.id, [{ name: 'start', at: Date.now() }]),
      taskStep: (_worker, task, name) => steps.get(task.id)?.push({ name, at: Date.now() }),
      taskSucceeded: (_worker, task, ms) => {
        this.finishedAt.push(Date.now());
        this.log.detail(
          `${task.id}: done in ${(ms / 1000).toFixed(1)} s (${stepDurations(steps.get(task.id) ?? [], Date.now())})`,
        );
        steps.delete(task.id);
      },
      taskRetrying: (worker, task, failure, delayMs, counted) => {
        steps.delete(task.id);
        if (counted)
          this.log.warn(
            `${task.id}: ${failure.message}; retry ${task.attempts + 1} of ${this.settings.maxRetries} in ${Math.round(delayMs / 1000)} s`,
          );
        else this.log.detail(`${task.id} (tab ${worker}): ${failure.message}; will be redone after recovery`);
      },
      taskFailed: (_worker, task, failure) => {
        steps.delete(task.id);
        this.log.warn(`${task.id}: FAILED: ${failure.message}`);
      },
      recoveryStarted: (kind, failure) => {
        this.note = {
          session: 'signing in again',
          unavailable: 'waiting for the portal to answer',
          browser: 'restarting the browser',
          throttled: 'slowing down',
        }[kind];
        this.log.warn(`all tabs paused: ${failure.message}`);
      },
      recoveryFinished: () => {
        this.note = undefined;
      },
      slotReplaced: (worker, reason) => this.log.detail(`tab ${worker} replaced (${reason})`),
    };
  }

  #recoveryHooks(): RecoveryHooks {
    const maxRecoveries = this.request.maxSessionRecoveries ?? 30;
    return {
      session: async () => {
        this.ledger.increment('session_recoveries');
        if (this.session.recoveries >= maxRecoveries)
          throw new TaskFailure('fatal', `the portal session ended ${maxRecoveries} times in this run; stopping`);
        await this.session.recover();
        await this.#saveSession();
      },
      unavailable: async () => {
        await this.#waitForPortal();
        this.log.info('the portal answers again; all tabs resume');
        await this.session.ensureSignedIn();
      },
      browser: async () => {
        this.ledger.increment('browser_restarts');
        await this.host.relaunch();
        this.log.info('browser restarted with the same session');
        await this.session.ensureSignedIn();
        await this.#saveSession();
      },
    };
  }

  #classify(error: unknown): TaskFailure {
    if (error instanceof UserError) return new TaskFailure('fatal', error.message, { cause: error });
    return classifyBrowserError(error, this.host.isAlive());
  }

  #judge(result: PoolResult): { status: RunStatus; exitCode: number; message?: string } {
    if (result.reason === 'fatal') {
      const cause = result.fatal?.cause;
      return {
        status: 'failed',
        exitCode: cause instanceof UserError ? cause.exitCode : 4,
        message: result.fatal?.message,
      };
    }
    if (result.reason === 'stopped')
      return { status: 'stopped', exitCode: 130, message: 'stopped on request; run bookout again to continue' };
    const counts = this.ledger.counts();
    if (counts.pending + counts.leased > 0)
      return {
        status: 'stopped',
        exitCode: counts.failed + counts.rejected > 0 ? 1 : 0,
        message: 'batch limit reached (MAX_DOWNLOADS); run bookout again to continue',
      };
    return { status: 'finished', exitCode: counts.failed + counts.rejected > 0 ? 1 : 0 };
  }

  #judgeError(error: unknown): { status: RunStatus; exitCode: number; message: string } {
    if (this.stopped)
      return { status: 'stopped', exitCode: 130, message: 'stopped on request; run bookout again to continue' };
    if (error instanceof UserError) return { status: 'failed', exitCode: error.exitCode, message: error.message };
    const failure = this.#classify(error);
    return { status: 'failed', exitCode: 4, message: `stopped: ${failure.message}` };
  }

  /** Logout always (also after errors and Ctrl-C), then close the browser. */
  async #shutDown(): Promise<void> {
    try {
      if (this.host.isAlive()) {
        await this.session.logout();
        this.ledger.clearSealedSession();
      }
    } catch (error) {
      this.log.warn(`could not log out (${messageOf(error)}); the next run takes the session back`);
    } finally {
      await this.host.close();
    }
  }
}

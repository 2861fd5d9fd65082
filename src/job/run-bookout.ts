import { chmodSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { BrowserHost, type AccountBrowser } from '../browser/browser-host.ts';
import { claimScratchFolder, releaseScratchFolder } from '../browser/scratch-folder.ts';
import { classifyBrowserError } from '../browser/web-failures.ts';
import { mostTabs, type Settings } from '../config/settings.ts';
import { exponentialBackoff } from '../engine/backoff.ts';
import { TaskFailure, messageOf } from '../engine/failure.ts';
import type { SharedBudget } from '../engine/shared-budget.ts';
import { StepTimings } from '../engine/step-timing.ts';
import { UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { leaseOwner, releaseStaleLeasesOf } from '../ledger/ledger-queue.ts';
import { SqliteRunLedger, type RunLedger } from '../ledger/run-ledger.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { DurableWriter } from '../output/atomic-write.ts';
import { PdfStore } from '../output/pdf-store.ts';
import { throughputOf } from '../output/report-data.ts';
import {
  finalReport,
  writeOnItsOwn,
  writeReports,
  type Metrics,
  type ReportsOptions,
  type RunStatus,
  type Unwritten,
} from '../output/reports.ts';
import { chooseRunFolder, createRunFolder, type RunPaths } from '../output/run-folders.ts';
import type { Portal, PortalKind } from '../portal/portal.ts';
import { SessionStore, type SessionVault } from '../session/session-store.ts';
import { userStateFolder } from '../session/state-folder.ts';
import { KeepAwake, keepAwakePlan } from '../system/keep-awake.ts';
import { detectNetworkDrive } from '../system/network-drive.ts';
import { ConsoleLogSink, FileLogSink, JsonLogSink, Log, type ConsoleOutput } from '../ui/console.ts';
import { diskFailure, OWN_STEPS } from './download-job.ts';
import { downloadAll } from './download-phase.ts';
import { vehiclesFrom } from './inventory.ts';
import { LOGOUT_WITHIN_MS, QUICK_LOGOUT_WITHIN_MS, STOP_LOGOUT_WITHIN_MS } from './policy.ts';
import { RecoveryPolicy } from './recovery.ts';
import { RunEvents } from './run-events.ts';
import { tell, type RunObserver } from './run-observer.ts';
import { judgeError, judgeResult, type Verdict } from './run-outcome.ts';
import { LedgerFigures } from './ledger-figures.ts';
import { SessionKeeper } from './session-keeper.ts';

export interface RunRequest {
  settings: Settings;
  portalKind: PortalKind;
  output: ConsoleOutput;
  /** Start a new run folder even when the latest run is unfinished. */
  forceNew?: boolean;
  /** Continue the latest run (or `runFolder`) even if finished, and try its failed vehicles again. */
  retryFailed?: boolean;
  /** Continue this run folder instead of the latest one. */
  runFolder?: string;
  /** `auto`: live on a terminal, plain lines otherwise. */
  progress?: 'auto' | 'live' | 'plain';
  /** Aborting it stops the run cleanly (Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Registers the last steps to take when the user quits at once (a second Ctrl-C). */
  onQuit?: (last: () => Promise<void>) => void;
  /** Sees the run while it works (the web page). */
  observer?: RunObserver;
}

/** What one run works with besides its request: where it writes, its ledger, its browser, its saved session. */
export interface RunParts {
  paths: RunPaths;
  ledger: RunLedger;
  /** The account's browser context (its own host, or one context of a host shared by accounts). */
  browser: AccountBrowser;
  sessions: SessionVault;
  /** Tabs shared with the runs of other accounts. */
  budget?: SharedBudget;
  /** Keep the computer awake (a group's run does it once, not per account). Default: KEEP_AWAKE. */
  keepAwake?: boolean;
  /** Warn when the run folder is on a network drive (where a SQLite ledger is at risk). */
  warnOnNetworkDrive: boolean;
  /** Runs once the browser is closed. */
  afterClose?: () => void;
  /** The machine's name in the leases of this run (a queue worker's --name); default: the host name. */
  leaseHost?: string;
}

export interface RunOutcome extends Verdict {
  paths: RunPaths;
  /** Null when the run ended before it had an inventory (then its new folder is removed again). */
  metrics: Metrics | null;
}

/** `bookout run`: the whole job, blocking until done, stopped or failed. */
export async function runBookout(request: RunRequest): Promise<RunOutcome> {
  const { settings, output } = request;
  output.redactor.add([settings.password, settings.username]);
  const chosen = chooseRunFolder(settings.downloadFolder, {
    forceNew: request.forceNew,
    continueFinished: request.retryFailed,
    runFolder: request.runFolder,
  });
  const paths = createRunFolder(chosen.paths.root);
  const lock = RunLock.acquire(paths.lock);
  if (!lock) throw new UserError(`Another bookout is already working on ${paths.root}. Wait for it, or stop it first.`);
  let outcome: RunOutcome;
  try {
    const { headless, browserPath } = settings;
    const scratchFolder = claimScratchFolder();
    outcome = await runWith(request, chosen.resumed, {
      paths,
      ledger: new SqliteRunLedger(Ledger.open(paths.ledger)),
      browser: new BrowserHost({ headless, executablePath: browserPath, scratchFolder }),
      sessions: new SessionStore(userStateFolder(), settings.portalUrl, settings.username),
      warnOnNetworkDrive: true,
      afterClose: () => releaseScratchFolder(scratchFolder),
    });
  } finally {
    lock.release();
  }
  // A new run that never got its inventory (a refused login, say) leaves no empty folder behind.
  if (!outcome.metrics && !chosen.resumed) rmSync(paths.root, { recursive: true, force: true });
  return outcome;
}

/** One invocation of a run with the parts given (a single run, one account of a group, a queue's job). */
export function runWith(request: RunRequest, resumed: boolean, parts: RunParts): Promise<RunOutcome> {
  return new BookoutRun(request, parts).execute(resumed);
}

/** One invocation on one run folder: start the browser, sign in, load the inventory, download, shut down. */
class BookoutRun {
  readonly request: RunRequest;
  readonly settings: Settings;
  readonly paths: RunPaths;
  readonly parts: RunParts;
  readonly ledger: RunLedger;
  readonly figures: LedgerFigures;
  readonly writer: DurableWriter;
  readonly log: Log;
  readonly host: AccountBrowser;
  readonly keeper: SessionKeeper;
  readonly events: RunEvents;
  readonly stopSignal: AbortSignal;
  portal!: Portal;
  #warnedUnwritten = new Set<string>();
  #stateWrites = Promise.resolve();
  recovery!: RecoveryPolicy;

  constructor(request: RunRequest, parts: RunParts) {
    this.request = request;
    this.settings = request.settings;
    this.parts = parts;
    this.paths = parts.paths;
    this.stopSignal = request.stopSignal ?? new AbortController().signal;
    this.ledger = parts.ledger;
    this.figures = new LedgerFigures(parts.ledger);
    this.writer = new DurableWriter(this.paths.temp);
    this.log = new Log(request.output.redactor);
    this.log.add(new FileLogSink(this.paths.log));
    if (this.settings.logJson) this.log.add(new JsonLogSink(this.paths.jsonLog));
    this.host = parts.browser;
    this.keeper = new SessionKeeper(parts.sessions, this.host, this.log);
    const recorded = (what: string) => (error: unknown) =>
      this.log.detail(`could not record ${what} in the ledger (${messageOf(error)})`);
    this.events = new RunEvents(this.log, this.settings.maxRetries, {
      steps: (ref, steps) => void this.ledger.recordSteps(ref, steps).catch(recorded('the steps')),
      incident: (kind, detail) => void this.ledger.recordIncident(kind, detail).catch(recorded('an incident')),
    });
  }

  async execute(resumed: boolean): Promise<RunOutcome> {
    this.request.onQuit?.(() => this.#quit());
    const console = new ConsoleLogSink(this.request.output);
    const removeConsole = this.log.add(console);
    const invocation = await this.#startInvocation(resumed);
    if (this.parts.warnOnNetworkDrive) this.#warnOnNetworkDrive();
    const awake = this.#keepAwake();
    await this.figures.start();
    tell(this.request.observer, (observer) =>
      observer.started?.({
        paths: this.paths,
        log: this.log,
        counts: () => this.figures.counts(),
        counter: (name) => this.figures.reads().counter(name),
        throughput: () => throughputOf(this.figures.reads()),
      }),
    );
    let verdict: Verdict;
    try {
      await this.writer.clearTemp();
      await this.#openPortal();
      await this.recovery.persist('signing in', () => this.#signIn());
      await this.#loadInventory();
      removeConsole(); // the progress display prints the log from here on
      const result = await downloadAll(this.#downloadDeps());
      verdict = judgeResult(result, await this.ledger.counts());
    } catch (error) {
      verdict = judgeError(error, this.stopSignal.aborted, (e) => this.#classify(e));
    } finally {
      this.log.add(console);
      await this.#shutDown();
      await awake?.stop();
      this.figures.stop();
    }
    return this.#finish(invocation, verdict);
  }

  async #startInvocation(resumed: boolean): Promise<number> {
    await this.ledger.closeOpenInvocations('killed');
    const released = await releaseStaleLeasesOf(this.ledger);
    const counts = await this.ledger.counts();
    const redo = released ? `, ${released} interrupted vehicles will be redone` : '';
    if (resumed)
      this.log.info(
        `continuing the run in ${this.paths.root}: ${counts.done} of ${counts.total} done${redo} (use --new for a fresh run)`,
      );
    else this.log.info(`new run in ${this.paths.root}`);
    return await this.ledger.startInvocation(mostTabs(this.settings));
  }

  #warnOnNetworkDrive(): void {
    const network = detectNetworkDrive(this.paths.root);
    if (network)
      this.log.warn(
        `the download folder is on a network drive (${network}): the run's state database (SQLite) is not reliable there; choose a folder on this computer with DOWNLOAD_FOLDER or --out`,
      );
  }

  /** A helper process that keeps the computer from sleeping until the run ends (KEEP_AWAKE). */
  #keepAwake(): KeepAwake | undefined {
    if (!(this.parts.keepAwake ?? this.settings.keepAwake)) return undefined;
    const plan = keepAwakePlan(process.platform, process.pid);
    if (!plan) {
      this.log.detail(`could not keep the computer awake: no way is known on ${process.platform}`);
      return undefined;
    }
    const awake = new KeepAwake(plan, (text) => this.log.detail(text));
    if (awake.pid !== undefined)
      this.log.detail(`keeping the computer awake while the run works (${plan.command}, pid ${awake.pid})`);
    return awake;
  }

  async #openPortal(): Promise<void> {
    const host = this.host;
    this.portal = await this.request.portalKind.open({
      origin: this.settings.portalUrl,
      credentials: { username: this.settings.username, password: this.settings.password },
      context: () => host.context,
      interceptor: host.interceptor,
      isBrowserAlive: () => host.isAlive(),
      events: {
        info: (text) => this.log.info(text),
        loginSent: () => this.keeper.loginTried(),
        sessionOpened: () => this.keeper.save(),
      },
      stepTimeoutMs: this.settings.taskTimeoutMs,
    });
    this.recovery = new RecoveryPolicy({
      portal: this.portal,
      host,
      log: this.log,
      stopSignal: this.stopSignal,
      retryDelayMs: exponentialBackoff({ baseMs: this.settings.retryDelayMs }),
      classify: (error) => this.#classify(error),
      count: (counter) => {
        const kind = counter === 'session_recoveries' ? 'session' : 'browser';
        void Promise.all([this.ledger.increment(counter), this.ledger.recordIncident(kind)]).catch((error) =>
          this.log.detail(`could not count ${counter} in the ledger (${messageOf(error)})`),
        );
      },
    });
    await this.recovery.persist('starting the browser', () => host.ensureStarted());
    await this.keeper.restore();
  }

  async #signIn(): Promise<void> {
    const result = await this.portal.signIn();
    if (result === 'already')
      this.log.info('the portal session opened earlier is still alive; continuing with it (no new login)');
    await this.keeper.save();
    this.keeper.start();
    tell(this.request.observer, (observer) => observer.signedIn?.(result === 'logged-in'));
  }

  async #loadInventory(): Promise<void> {
    if (!(await this.ledger.hasInventory())) {
      this.log.info('exporting the inventory');
      const exported = await this.recovery.persist('exporting the inventory', () =>
        this.portal.exportInventory(this.paths.inventoryCsv),
      );
      if (process.platform !== 'win32') chmodSync(this.paths.inventoryCsv, 0o600);
      if (exported.clearedFilter) this.log.info('cleared a grid filter left from an earlier session');
      const inventory = vehiclesFrom(exported.rows, 'The exported inventory');
      await this.ledger.importInventory(inventory.references, inventory.rejected);
      const extra = [
        inventory.duplicateRows ? `${inventory.duplicateRows} duplicate rows ignored` : '',
        inventory.rejected.length ? `${inventory.rejected.length} rows rejected (see failures.csv)` : '',
      ].filter(Boolean);
      this.log.info(`inventory: ${inventory.references.length} vehicles${extra.length ? `; ${extra.join('; ')}` : ''}`);
    }
    if (this.request.retryFailed) {
      const failed = (await this.ledger.vehicles('failed')).map((vehicle) => vehicle.ref);
      await this.ledger.requeue(failed);
      if (failed.length) this.log.info(`trying ${failed.length} failed vehicles again`);
    }
    await this.portal.prepareForDownloads({ blockResources: this.settings.blockResources });
  }

  #downloadDeps() {
    const mode = this.request.progress ?? 'auto';
    return {
      settings: this.settings,
      ledger: this.ledger,
      figures: this.figures,
      budget: this.parts.budget,
      portal: this.portal,
      store: new PdfStore(this.paths.pdfs, this.writer, this.portal.reportIdentity),
      snapshotsFolder: this.paths.snapshots,
      log: this.log,
      output: this.request.output,
      events: this.events,
      recovery: this.recovery,
      timings: new StepTimings({ floorMs: this.settings.hangFloorMs, ceilingMs: this.settings.stallTimeoutMs }),
      classify: (error: unknown) => this.#classify(error),
      owner: leaseOwner(this.parts.leaseHost),
      progress: mode === 'auto' ? (this.request.output.isTerminal ? 'live' : 'plain') : mode,
      stopSignal: this.stopSignal,
      saveState: () => this.#saveState('running'),
      observer: this.request.observer,
    } as const;
  }

  #classify(error: unknown): TaskFailure {
    if (error instanceof UserError) return new TaskFailure('fatal', error.message, { cause: error });
    return diskFailure(error, this.paths.root) ?? classifyBrowserError(error, this.host.isAlive());
  }

  /** Logout always (also after errors and Ctrl-C), then close the browser. */
  async #shutDown(): Promise<void> {
    this.keeper.stop();
    try {
      if (this.host.isAlive() && this.keeper.mayHaveSession) {
        await this.portal?.logout(this.stopSignal.aborted ? STOP_LOGOUT_WITHIN_MS : LOGOUT_WITHIN_MS);
        await this.keeper.forget();
      }
    } catch (error) {
      this.log.warn(`could not log out (${messageOf(error)}); the next run takes the session back`);
    } finally {
      await this.host.close();
      this.parts.afterClose?.();
    }
  }

  /** The user quits at once: one quick logout attempt, and the state files as they are. */
  async #quit(): Promise<void> {
    try {
      if (this.host.isAlive() && this.portal && this.keeper.mayHaveSession) {
        await this.portal.logout(QUICK_LOGOUT_WITHIN_MS);
        await this.keeper.forget();
      }
    } catch {
      // the session stays saved: the next run takes it back
    }
    await this.#saveState('stopped');
  }

  /** One write of the state files at a time, so a late periodic write never replaces the final one. */
  #saveState(status: RunStatus): Promise<void> {
    this.#stateWrites = this.#stateWrites.then(async () => {
      try {
        const reads = await this.ledger.reads();
        this.figures.remember(reads);
        const written = await writeReports(reads, this.paths, this.writer, this.#reportsOptions(status));
        this.#reportUnwritten(written.unwritten);
      } catch {
        // the ledger has it all; the state files catch up at the next write
      }
    });
    return this.#stateWrites;
  }

  #reportsOptions(status: RunStatus, note?: string): ReportsOptions {
    return { workers: mostTabs(this.settings), status, note, ownSteps: Object.values(OWN_STEPS) };
  }

  /** Says once per file that it could not be written (the state files are written every 30 s). */
  #reportUnwritten(unwritten: readonly Unwritten[]): void {
    for (const problem of unwritten) {
      const text = `could not write ${basename(problem.file)} (${problem.reason})${heldHint(problem.code)}; the other files are written`;
      if (this.#warnedUnwritten.has(problem.file)) this.log.detail(text);
      else this.log.warn(text);
      this.#warnedUnwritten.add(problem.file);
    }
  }

  /**
   * Records the end, writes the reports and prints the summary. On a full or read-only disk each
   * file that cannot be written is named with its cause, and the summary is still printed.
   */
  async #finish(invocation: number, verdict: Verdict): Promise<RunOutcome> {
    const output = this.request.output;
    await this.#stateWrites;
    try {
      await this.ledger.endInvocation(invocation, verdict.status);
    } catch (error) {
      this.log.warn(`could not record the end of the run in ${this.ledger.where} (${messageOf(error)})`);
    }
    const ended = `run ended: ${verdict.status}${verdict.message ? `, ${verdict.message}` : ''} (exit code ${verdict.exitCode})`;
    this.log.detail(ended, {
      verdict: { status: verdict.status, exitCode: verdict.exitCode, message: verdict.message },
    });
    const reads = await this.ledger.reads();
    if (!reads.hasInventory()) {
      await this.ledger.close();
      if (verdict.message) output.line(`bookout: ${verdict.message}`);
      tell(this.request.observer, (observer) => observer.finished?.({ ...verdict, metrics: null, paths: this.paths }));
      return { ...verdict, paths: this.paths, metrics: null };
    }
    const options = this.#reportsOptions(verdict.status, verdict.message);
    const { metrics, unwritten } = await writeReports(reads, this.paths, this.writer, options);
    const report = finalReport(reads, this.paths, metrics, verdict.status, verdict.message);
    const reportProblem = await writeOnItsOwn(this.writer, this.paths.report, () => report);
    await this.ledger.close();
    output.line();
    for (const line of report.trimEnd().split('\n')) output.line(line);
    this.#warnedUnwritten.clear();
    this.#reportUnwritten(reportProblem ? [...unwritten, reportProblem] : unwritten);
    tell(this.request.observer, (observer) => observer.finished?.({ ...verdict, metrics, paths: this.paths }));
    return { ...verdict, paths: this.paths, metrics };
  }
}

/** A rename refused on Windows usually means another program holds the file open. */
function heldHint(code: string | undefined): string {
  return code === 'EPERM' || code === 'EACCES' || code === 'EBUSY' ? ', is it open in another program?' : '';
}

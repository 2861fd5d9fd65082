import type { AccountBrowser } from '../browser/browser-host.ts';
import { classifyBrowserError } from '../browser/web-failures.ts';
import { mostTabs, type Settings } from '../config/settings.ts';
import { TaskFailure, messageOf } from '../engine/failure.ts';
import { StepTimings } from '../engine/step-timing.ts';
import { UserError } from '../errors.ts';
import { leaseOwner, releaseStaleLeasesOf } from '../ledger/ledger-queue.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import { DurableWriter } from '../output/atomic-write.ts';
import { PdfStore } from '../output/pdf-store.ts';
import { throughputOf } from '../output/report-data.ts';
import type { RunPaths } from '../output/run-folders.ts';
import { ConsoleLogSink, FileLogSink, JsonLogSink, Log } from '../ui/console.ts';
import { diskFailure } from './download-job.ts';
import { downloadAll } from './download-phase.ts';
import { RunEvents } from './run-events.ts';
import { tell } from './run-observer.ts';
import { judgeError, judgeResult, type Verdict } from './run-outcome.ts';
import { LedgerFigures } from './ledger-figures.ts';
import { loadInventory } from './inventory-phase.ts';
import { keepComputerAwake, warnOnNetworkDrive } from './machine-care.ts';
import type { RunOutcome, RunParts, RunRequest } from './run-parts.ts';
import { RunReports } from './run-reports.ts';
import { PortalSession, quickLogout, shutDown } from './portal-session.ts';
import { SessionKeeper } from './session-keeper.ts';

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
  readonly reports: RunReports;
  session: PortalSession | undefined;

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
    const { settings, paths, ledger, figures, writer, log } = this;
    this.reports = new RunReports({ settings, paths, ledger, figures, writer, log });
    this.keeper = new SessionKeeper(parts.sessions, this.host, this.log);
    const recorded = (what: string) => (error: unknown) =>
      this.log.detail(`could not record ${what} in the ledger (${messageOf(error)})`);
    this.events = new RunEvents(this.log, this.settings.maxRetries, {
      steps: (ref, steps) => void this.ledger.recordSteps(ref, steps).catch(recorded('the steps')),
      incident: (kind, detail) => void this.ledger.recordIncident(kind, detail).catch(recorded('an incident')),
    });
  }

  async execute(resumed: boolean): Promise<RunOutcome> {
    this.request.onQuit?.(async () => {
      await quickLogout(this.host, this.keeper, this.session?.portal);
      await this.reports.save('stopped');
    });
    const console = new ConsoleLogSink(this.request.output);
    const removeConsole = this.log.add(console);
    const invocation = await this.#startInvocation(resumed);
    if (this.parts.warnOnNetworkDrive) warnOnNetworkDrive(this.paths.root, this.log);
    const awake = (this.parts.keepAwake ?? this.settings.keepAwake) ? keepComputerAwake(this.log) : undefined;
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
      const session = await PortalSession.open({
        ...this.request,
        host: this.host,
        keeper: this.keeper,
        ledger: this.ledger,
        log: this.log,
        stopSignal: this.stopSignal,
        classify: (e) => this.#classify(e),
      });
      this.session = session;
      await session.start();
      await session.signIn();
      const { portal, recovery } = session;
      await loadInventory({
        portal,
        ledger: this.ledger,
        recovery,
        log: this.log,
        inventoryCsv: this.paths.inventoryCsv,
        retryFailed: this.request.retryFailed === true,
        blockResources: this.settings.blockResources,
      });
      removeConsole(); // the progress display prints the log from here on
      const result = await downloadAll(this.#downloadDeps(session));
      verdict = judgeResult(result, await this.ledger.counts());
    } catch (error) {
      verdict = judgeError(error, this.stopSignal.aborted, (e) => this.#classify(e));
    } finally {
      this.log.add(console);
      await shutDown(this, this.session?.portal);
      this.parts.afterClose?.();
      await awake?.stop();
      this.figures.stop();
    }
    return this.reports.finish(invocation, verdict, this.request.output, this.request.observer);
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

  #downloadDeps({ portal, recovery, requestGate }: PortalSession) {
    const mode = this.request.progress ?? 'auto';
    return {
      settings: this.settings,
      ledger: this.ledger,
      figures: this.figures,
      budget: this.parts.budget,
      portal,
      requestGate,
      store: new PdfStore(this.paths.pdfs, this.writer, portal.reportIdentity),
      snapshotsFolder: this.paths.snapshots,
      log: this.log,
      output: this.request.output,
      events: this.events,
      recovery,
      timings: new StepTimings({ floorMs: this.settings.hangFloorMs, ceilingMs: this.settings.stallTimeoutMs }),
      classify: (error: unknown) => this.#classify(error),
      owner: leaseOwner(this.parts.leaseHost),
      progress: mode === 'auto' ? (this.request.output.isTerminal ? 'live' : 'plain') : mode,
      stopSignal: this.stopSignal,
      saveState: () => this.reports.save('running'),
      observer: this.request.observer,
    } as const;
  }

  #classify(error: unknown): TaskFailure {
    if (error instanceof UserError) return new TaskFailure('fatal', error.message, { cause: error });
    return diskFailure(error, this.paths.root) ?? classifyBrowserError(error, this.host.isAlive());
  }
}

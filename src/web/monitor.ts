import type {
  Counts,
  ObservedDownloads,
  ObservedRun,
  RunEnd,
  RunObserver,
  RunPoolEvent,
  WorkerView,
} from '../job/run-observer.ts';
import { throughputSvg } from '../output/charts.ts';
import type { Throughput } from '../output/report-data.ts';
import type { LogEntry } from '../ui/console.ts';
import { ratePerHour } from '../ui/progress.ts';

export type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'finished' | 'stopped' | 'failed';

/** The fields of the form: the defaults (bookout ui) or the run's own settings (bookout run --ui). Never a credential. */
export interface FormView {
  folder: string;
  maxDownloads: string;
  workers: string;
  /** The number of tabs "auto" stands for. */
  /** What an empty Workers field means: the settings' own value. */
  autoWorkers: number | 'auto';
  headless: boolean;
  /** JD_USER is set (in the environment or .env): the user field may stay empty. */
  userFromSettings: boolean;
  /** JD_PASS is set: the password field may stay empty. */
  passwordFromSettings: boolean;
}

export interface TabView {
  id: number;
  state: WorkerView['state'];
  vehicle: string;
  step: string;
  inStepMs: number;
}

export interface PageState {
  /** `control`: bookout ui (Start and Stop); `watch`: a run started from the terminal (Stop only). */
  mode: 'control' | 'watch';
  phase: Phase;
  /** The latest thing done ("exporting the inventory"), or why the run ended. */
  message: string;
  form: FormView;
  run: { name: string; folder: string } | null;
  progress: {
    total: number;
    done: number;
    failed: number;
    left: number;
    percent: number;
    perHour: number;
    etaMs: number | null;
    /** When the run should be done at this speed (ms since epoch): the page shows it as a time of day. */
    finishAt: number | null;
    elapsedMs: number;
  };
  tabs: TabView[];
  health: {
    errorsPerMinute: number;
    sessionRecoveries: number;
    browserRestarts: number;
    waitsFor429: number;
    outages: number;
    note: string | null;
  };
  warnings: Array<{ at: number; level: string; text: string }>;
  /** The throughput chart, SVG markup made by bookout (the page puts it in as is). */
  chart: string;
  report: { href: string; path: string } | null;
  exitCode: number | null;
}

const WARNINGS_KEPT = 50;
const ERROR_WINDOW_MS = 5 * 60_000;
const CHART_EVERY_MS = 2000;

const NO_PROGRESS: PageState['progress'] = {
  total: 0,
  done: 0,
  failed: 0,
  left: 0,
  percent: 0,
  perHour: 0,
  etaMs: null,
  finishAt: null,
  elapsedMs: 0,
};

/**
 * What the web page shows, made from what the run already has: its counts (the ledger), the pool's
 * events and per-tab snapshot, the log's entries (a sink), the throughput from the ledger, the
 * metrics at the end. One monitor follows one run at a time; `begin` starts the next.
 */
export class RunMonitor implements RunObserver {
  readonly mode: PageState['mode'];
  #form: FormView;
  #phase: Phase = 'idle';
  #message = '';
  #run: ObservedRun | undefined;
  #runInfo: PageState['run'] = null;
  #downloads: ObservedDownloads | undefined;
  #unsubscribe: (() => void) | undefined;
  #removeSink: (() => void) | undefined;
  #warnings: PageState['warnings'] = [];
  #failedAt: number[] = [];
  #startedAt = Date.now();
  #lastCounts: Counts | undefined;
  #lastHealth: Omit<PageState['health'], 'errorsPerMinute' | 'note'> = {
    sessionRecoveries: 0,
    browserRestarts: 0,
    waitsFor429: 0,
    outages: 0,
  };
  #chart = { at: 0, svg: '' };
  #report: PageState['report'] = null;
  #exitCode: number | null = null;
  #onSignedIn: ((withPassword: boolean) => void) | undefined;
  #onFinished: ((end: RunEnd) => void) | undefined;

  constructor(mode: PageState['mode'], form: FormView) {
    this.mode = mode;
    this.#form = form;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** A new run is being started: everything shown so far is cleared. */
  begin(
    form: FormView,
    hooks: { signedIn?: (withPassword: boolean) => void; finished?: (end: RunEnd) => void } = {},
  ): void {
    this.#detach();
    this.#form = form;
    this.#phase = 'starting';
    this.#message = 'starting';
    this.#runInfo = null;
    this.#warnings = [];
    this.#failedAt = [];
    this.#startedAt = Date.now();
    this.#lastCounts = undefined;
    this.#chart = { at: 0, svg: '' };
    this.#report = null;
    this.#exitCode = null;
    this.#onSignedIn = hooks.signedIn;
    this.#onFinished = hooks.finished;
  }

  /** The user asked the run to stop. */
  stopping(): void {
    if (this.#phase === 'starting' || this.#phase === 'running') {
      this.#phase = 'stopping';
      this.#message = 'stopping cleanly (saving state, logging out)';
    }
  }

  /** The run could not start or ended with an error of its own. */
  failed(message: string): void {
    this.#detach();
    this.#phase = 'failed';
    this.#message = message;
  }

  /** A line for the page only (not the run's log): the password was saved, could not be saved... */
  say(level: 'info' | 'warn', text: string): void {
    if (level === 'warn') this.#addWarning({ at: Date.now(), level, text });
    else this.#message = text;
  }

  // --- RunObserver ---------------------------------------------------------------------------

  started(run: ObservedRun): void {
    this.#run = run;
    this.#runInfo = { name: run.paths.name, folder: run.paths.root };
    this.#removeSink = run.log.add({ write: (entry) => this.#onLog(entry) });
    if (this.#phase === 'idle') this.#phase = 'starting';
  }

  signedIn(withPassword: boolean): void {
    this.#onSignedIn?.(withPassword);
  }

  downloading(downloads: ObservedDownloads): void {
    this.#downloads = downloads;
    this.#unsubscribe = downloads.events.on((event) => this.#onEvent(event));
    if (this.#phase === 'starting' || this.#phase === 'idle') this.#phase = 'running';
  }

  downloadsEnded(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  finished(end: RunEnd): void {
    this.#refresh(Date.now(), true);
    this.#detach();
    this.#phase = end.status === 'running' ? 'stopped' : end.status;
    this.#message = end.message ?? (end.status === 'finished' ? 'finished' : end.status);
    this.#exitCode = end.exitCode;
    this.#report = { href: 'report.html', path: end.paths.reportHtml };
    this.#onFinished?.(end);
  }

  // --- what the page shows -------------------------------------------------------------------

  /** The path of the report the page may show (the run's report.html), once the run has ended. */
  get reportPath(): string | undefined {
    return this.#report?.path;
  }

  state(now = Date.now()): PageState {
    this.#refresh(now, false);
    return {
      mode: this.mode,
      phase: this.#phase,
      message: this.#message,
      form: this.#form,
      run: this.#runInfo,
      progress: this.#progress(now),
      tabs: this.#tabs(now),
      health: {
        ...this.#lastHealth,
        errorsPerMinute: this.#errorsPerMinute(now),
        note: this.#downloads?.note() ?? null,
      },
      warnings: this.#warnings,
      chart: this.#chart.svg,
      report: this.#report,
      exitCode: this.#exitCode,
    };
  }

  /** Reads the run's figures (the ledger) at most every few seconds for the chart, every time for the counts. */
  #refresh(now: number, force: boolean): void {
    const run = this.#run;
    if (!run) return;
    try {
      this.#lastCounts = run.counts();
      if (!force && now - this.#chart.at < CHART_EVERY_MS) return;
      const throughput: Throughput = run.throughput();
      this.#chart = { at: now, svg: throughputSvg(throughput, 900, 220) };
      const marks = (kind: string) => throughput.marks.filter((mark) => mark.kind === kind).length;
      this.#lastHealth = {
        sessionRecoveries: run.counter('session_recoveries'),
        browserRestarts: run.counter('browser_restarts'),
        waitsFor429: marks('throttled'),
        outages: marks('outage'),
      };
    } catch {
      // the run is closing its ledger: the figures read last stay shown
    }
  }

  #progress(now: number): PageState['progress'] {
    const counts = this.#lastCounts;
    if (!counts) return { ...NO_PROGRESS, elapsedMs: this.#phase === 'idle' ? 0 : now - this.#startedAt };
    const left = counts.pending + counts.leased;
    const downloads = this.#downloads;
    const perHour = downloads ? ratePerHour(downloads.finishedAt, downloads.startedAt, now) : 0;
    const etaMs = left === 0 ? 0 : perHour > 0 ? (left / perHour) * 3_600_000 : null;
    const active = this.#phase === 'running' || this.#phase === 'stopping' || this.#phase === 'starting';
    return {
      total: counts.total,
      done: counts.done,
      failed: counts.failed,
      left,
      percent: counts.total === 0 ? 0 : Math.round((1000 * counts.done) / counts.total) / 10,
      perHour: Math.round(perHour),
      etaMs: active ? etaMs : null,
      finishAt: active && etaMs !== null ? now + etaMs : null,
      elapsedMs: now - this.#startedAt,
    };
  }

  #tabs(now: number): TabView[] {
    if (!this.#downloads) return [];
    return this.#downloads.tabs().map((view) => ({
      id: view.id,
      state: view.state,
      vehicle: view.state === 'working' ? (view.taskId ?? '') : '',
      step: view.state === 'working' ? (view.step ?? '') : view.state,
      inStepMs: now - view.since,
    }));
  }

  #errorsPerMinute(now: number): number {
    this.#failedAt = this.#failedAt.filter((at) => now - at <= ERROR_WINDOW_MS);
    const minutes = Math.max(1, Math.min(ERROR_WINDOW_MS, now - this.#startedAt) / 60_000);
    return Math.round((10 * this.#failedAt.length) / minutes) / 10;
  }

  #onEvent(event: RunPoolEvent): void {
    if (event.type === 'task-retrying' || event.type === 'task-failed') this.#failedAt.push(Date.now());
  }

  #onLog(entry: LogEntry): void {
    if (entry.level === 'info') this.#message = entry.text;
    else if (entry.level === 'warn' || entry.level === 'error') this.#addWarning(entry);
  }

  #addWarning(entry: { at: number; level: string; text: string }): void {
    this.#warnings = [{ at: entry.at, level: entry.level, text: entry.text }, ...this.#warnings].slice(
      0,
      WARNINGS_KEPT,
    );
  }

  #detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#removeSink?.();
    this.#removeSink = undefined;
    this.#run = undefined;
    this.#downloads = undefined;
  }
}

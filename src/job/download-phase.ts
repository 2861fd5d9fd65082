import { ConcurrencyController } from '../engine/concurrency.ts';
import type { RequestGate } from '../engine/request-gate.ts';
import { messageOf, TaskFailure } from '../engine/failure.ts';
import type { StepTimings } from '../engine/step-timing.ts';
import { Watchdog } from '../engine/watchdog.ts';
import { WorkerPool, type FailureScene, type PoolResult } from '../engine/worker-pool.ts';
import { mostTabs, type Settings } from '../config/settings.ts';
import type { SharedBudget } from '../engine/shared-budget.ts';
import { LedgerQueue } from '../ledger/ledger-queue.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import type { PdfStore } from '../output/pdf-store.ts';
import type { Portal, ReportTab } from '../portal/portal.ts';
import type { SavedPdf, VehicleTask } from '../records.ts';
import type { ConsoleOutput, Log } from '../ui/console.ts';
import { MachineLoad } from '../system/machine-load.ts';
import { ProgressDisplay } from '../ui/progress.ts';
import { DownloadJob, PdfRejected } from './download-job.ts';
import type { LedgerFigures } from './ledger-figures.ts';
import { SnapshotStore } from '../output/snapshots.ts';
import {
  AUTO_START_TABS,
  CHANGED_IN_A_ROW,
  NO_PROGRESS_LIMIT_MS,
  SNAPSHOT_AND_WRITE_WITHIN_MS,
  SNAPSHOT_WITHIN_MS,
  SNAPSHOTS_PER_KIND,
  SNAPSHOTS_PER_RUN,
  STATE_FILES_EVERY_MS,
  SWEEP_KINDS,
  SWEEP_ROUNDS,
} from './policy.ts';
import type { RecoveryPolicy } from './recovery.ts';
import type { RunEvents } from './run-events.ts';
import { tell, type RunObserver } from './run-observer.ts';

type Pool = WorkerPool<VehicleTask, ReportTab, SavedPdf>;

export interface DownloadDeps {
  settings: Settings;
  ledger: RunLedger;
  /** The ledger's figures for the displays. */
  figures: LedgerFigures;
  /** Tabs shared with the runs of other accounts. */
  budget?: SharedBudget;
  portal: Portal;
  /** The portal's costliest requests pass it; with WORKERS=auto the controller sets its limit. */
  requestGate: RequestGate;
  store: PdfStore;
  /** Where the error snapshots go (run_data/snapshots). */
  snapshotsFolder: string;
  log: Log;
  output: ConsoleOutput;
  events: RunEvents;
  recovery: RecoveryPolicy;
  timings: StepTimings;
  classify: (error: unknown) => TaskFailure;
  /** Names this process's leases. */
  owner: string;
  progress: 'live' | 'plain';
  stopSignal: AbortSignal;
  /** Writes the run's state files (checkpoint, metrics...) while it works. */
  saveState: () => Promise<void>;
  observer?: RunObserver;
}

/**
 * Every pending vehicle, then the final sweep: up to SWEEP_ROUNDS rounds for those that failed for
 * a passing reason, each after a cool-down (one more try each per round, so a vehicle the portal
 * never serves costs SWEEP_ROUNDS requests more, no matter how long the bad patch lasted).
 */
export async function downloadAll(setup: DownloadDeps): Promise<PoolResult> {
  const { settings } = setup;
  const concurrency =
    settings.workers === 'auto'
      ? new ConcurrencyController({ max: settings.maxWorkers, start: AUTO_START_TABS }, Date.now(), setup.requestGate)
      : undefined;
  const deps: PoolDeps = { ...setup, concurrency, machine: new MachineLoad() };
  let result = await runPool(deps);
  for (let round = 1; round <= SWEEP_ROUNDS && result.reason === 'finished' && settings.finalSweep; round += 1) {
    const cooldown = settings.sweepCooldownMs;
    const again = await deps.ledger.failedFor(SWEEP_KINDS);
    if (again.length === 0) break;
    await deps.ledger.requeueFailed(again, Date.now() + cooldown);
    const seconds = Math.round(cooldown / 1000);
    deps.log.info(
      `final sweep ${round}: ${again.length} vehicles that failed for a passing reason get one more try in ${seconds} s`,
    );
    result = await runPool(deps);
  }
  return result;
}

/** What one round of the pool needs: the run's parts, and the tab count's controller when it is automatic. */
interface PoolDeps extends DownloadDeps {
  concurrency: ConcurrencyController | undefined;
  machine: MachineLoad;
}

async function runPool(deps: PoolDeps): Promise<PoolResult> {
  const { settings, log } = deps;
  const pool = newPool(deps);
  const removeListener = pool.events.on(deps.events.listener);
  const watchdog = new Watchdog(pool, deps.timings, (hang) => {
    if (!hang.view.taskId) return;
    const task = { id: hang.view.taskId, attempts: 0, freeRetries: 0 };
    const step = hang.view.step ?? 'unknown';
    const own = hang.view.ownStep === true;
    pool.events.emit({ type: 'hang-detected', worker: hang.view.id, task, step, own, ...hang });
  });
  const display = progressDisplay(deps, pool);
  const removeDisplay = log.add(display);
  const stopWatching = watchProgress(pool, deps);
  void deps.saveState(); // at once: a checkpoint left by an earlier invocation says "running" from now on
  const stateTimer = setInterval(() => void deps.saveState(), STATE_FILES_EVERY_MS);
  stateTimer.unref();
  const onStop = () => pool.stop();
  deps.stopSignal.addEventListener('abort', onStop, { once: true });
  const batch = settings.maxDownloads ? ` (at most ${settings.maxDownloads} in this batch)` : '';
  const shared = deps.budget ? ` (of ${deps.budget.size} shared by the accounts)` : '';
  const tabs = deps.concurrency
    ? `${deps.concurrency.current} tabs to start with (auto, at most ${mostTabs(settings)})`
    : `${settings.workers} tabs`;
  const pending = (await deps.ledger.counts()).pending;
  log.info(`downloading ${pending} vehicles with ${tabs}${shared}${batch}`);
  watchdog.start();
  display.start();
  tell(deps.observer, (observer) =>
    observer.downloading?.({
      startedAt: Date.now(),
      events: pool.events,
      tabs: () => pool.snapshot(),
      note: () => deps.events.note,
      finishedAt: deps.events.finishedAt,
    }),
  );
  try {
    return await pool.run();
  } finally {
    tell(deps.observer, (observer) => observer.downloadsEnded?.());
    deps.stopSignal.removeEventListener('abort', onStop);
    clearInterval(stateTimer);
    stopWatching();
    watchdog.stop();
    display.stop();
    removeDisplay();
    removeListener();
  }
}

function newPool(deps: PoolDeps): Pool {
  const { settings, log } = deps;
  const job = new DownloadJob(deps.store, {
    alreadyOnDisk: (reference) => log.detail(`${reference}: a proven PDF is already on disk; not downloaded again`),
    wrongVehicle: (reference, reason) => {
      void deps.ledger.increment('wrong_vehicle_pdfs').catch(() => undefined);
      log.error(`${reference}: ${reason}; rejected and retried`, { ref: reference });
    },
  });
  const parts = {
    queue: new LedgerQueue(deps.ledger, settings.maxDownloads),
    slots: { create: () => deps.portal.newTab() },
    job,
    recovery: deps.recovery.hooks(),
    classify: deps.classify,
    evidence: snapshotter(deps),
  };
  const options = {
    workers: mostTabs(settings),
    autoscale: deps.concurrency ? { controller: deps.concurrency, pressure: () => deps.machine.read() } : undefined,
    owner: deps.owner,
    taskTimeoutMs: settings.taskTimeoutMs,
    maxAttempts: settings.maxRetries + 1,
    retryDelayMs: deps.recovery.retryDelayMs,
    pauseBetweenTasksMs: settings.pauseBetweenVehiclesMs,
    recycleSlotEvery: settings.recycleTabEvery,
    maxChangedInRow: CHANGED_IN_A_ROW,
    evidenceTimeoutMs: SNAPSHOT_AND_WRITE_WITHIN_MS,
    stepTimings: deps.timings,
    budget: deps.budget,
  };
  const onListenerError = (error: unknown, event: { type: string }) =>
    log.error(`internal error (please report it): a listener failed on ${event.type}: ${messageOf(error)}`);
  return new WorkerPool(parts, options, onListenerError);
}

/**
 * Error snapshots: the tab of the first failure of each distinct kind, before it is reset or
 * replaced (capped per kind and per run), listed in the log.
 */
function snapshotter(deps: DownloadDeps) {
  const snapshots = new SnapshotStore(deps.snapshotsFolder, { perKind: SNAPSHOTS_PER_KIND, perRun: SNAPSHOTS_PER_RUN });
  return async (failure: TaskFailure, scene: FailureScene<VehicleTask, ReportTab>): Promise<void> => {
    // A rejected PDF is a kind of its own here: a portal's error pages must not use up its snapshots.
    const kind = failure instanceof PdfRejected ? 'rejected' : failure.kind;
    if (!snapshots.claim(kind, failure.message)) return;
    const shot = await scene.slot.snapshot(SNAPSHOT_WITHIN_MS).catch(() => null);
    if (!shot) return snapshots.unclaim(kind, failure.message);
    const reference = scene.task.id;
    const reason = deps.output.redactor.redact(failure.message);
    const at = { at: Date.now(), reference, step: scene.step, kind, reason };
    const files = await snapshots.save(at, { ...shot, html: deps.output.redactor.redact(shot.html) });
    const where = `run_data/snapshots/${files.join(', ')}`;
    deps.log.detail(`${reference}: snapshot of the tab in "${scene.step ?? 'starting'}" (${kind}): ${where}`, {
      ref: reference,
      tab: scene.worker,
    });
  };
}

function progressDisplay(deps: PoolDeps, pool: Pool): ProgressDisplay {
  const numbers = () => {
    const counts = deps.figures.counts();
    const remaining = counts.pending + counts.leased;
    return {
      total: counts.total,
      done: counts.done,
      failed: counts.failed,
      remaining,
      finishedAt: deps.events.finishedAt,
      tabs: deps.concurrency ? pool.activeWorkers : undefined,
    };
  };
  const source = { numbers, workers: () => pool.snapshot(), note: () => deps.events.note };
  return new ProgressDisplay(source, deps.output, { mode: deps.progress });
}

/**
 * The run's own watchdog: no vehicle finished (or failed) for NO_PROGRESS_LIMIT_MS while work is
 * left and no recovery explains it. The first time every tab is replaced; the second time the run
 * stops and says why, instead of waiting all night.
 */
function watchProgress(pool: Pool, deps: DownloadDeps): () => void {
  let strikes = 0;
  const minutes = Math.round(NO_PROGRESS_LIMIT_MS / 60_000);
  const timer = setInterval(
    () => {
      const quiet = Date.now() - deps.events.lastOutcomeAt;
      const paused = pool.gate.isRecovering || pool.gate.throttledUntil > Date.now();
      if (quiet < NO_PROGRESS_LIMIT_MS || paused || !pool.snapshot().some((view) => view.state === 'working')) return;
      strikes += 1;
      deps.events.lastOutcomeAt = Date.now();
      if (strikes === 1) {
        deps.log.warn(`no vehicle finished for ${minutes} minutes while work is left; replacing every tab`);
        pool.abortAll(new TaskFailure('slot', `no progress for ${minutes} minutes`));
      } else {
        pool.fail(new TaskFailure('fatal', `no vehicle finished for ${2 * minutes} minutes while work was left`));
      }
    },
    Math.min(30_000, NO_PROGRESS_LIMIT_MS / 4),
  );
  timer.unref();
  return () => clearInterval(timer);
}

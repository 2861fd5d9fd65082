import { exponentialBackoff } from './backoff.ts';
import type { ConcurrencyController, MachinePressure } from './concurrency.ts';
import { EventHub, type PoolEvent } from './events.ts';
import { TaskFailure, isCounted, isSharedKind, messageOf, type SharedFailureKind } from './failure.ts';
import { FailureStorm } from './failure-storm.ts';
import { RecoveryGate } from './gate.ts';
import { StepTimings } from './step-timing.ts';
import type { SharedBudget } from './shared-budget.ts';
import { pause, raceAbort, settleWithin, withTimeout } from './time-limits.ts';
import type { Job, RecoveryHooks, Slot, SlotFactory, StepKind, Task, TaskQueue } from './types.ts';
import { WakeSignal } from './wake-signal.ts';

export interface PoolOptions {
  /** Number of workers, each with its own slot. Default 5. */
  workers: number;
  /** Names the leases of this pool's workers (`<owner>/worker-<n>`). Default `pool-<pid>`. */
  owner: string;
  /** A task running longer is stopped (its slot disposed) and retried. Default 180000 ms. */
  taskTimeoutMs: number;
  /** Attempts per task, the first included. Default 3 (two retries). */
  maxAttempts: number;
  /** Uncounted retries (causes that were not the task's or the server's) before they start to count. Default 10. */
  maxFreeRetries: number;
  /** Delay before counted retry number n (1-based). Default: 5 s doubling, at most 2 min, with jitter. */
  retryDelayMs: (retry: number) => number;
  /** Pause a worker takes after each task, to be gentle with the server. Default 0. */
  pauseBetweenTasksMs: number;
  /** Replace a worker's slot after this many tasks to bound memory; 0 never. Default 50. */
  recycleSlotEvery: number;
  /** A slot that failed this many tasks in a row is replaced instead of reset. Default 2. */
  replaceSlotAfterFailures: number;
  /** How long creating a slot may take. Default 60000 ms. */
  slotCreateTimeoutMs: number;
  /** How long resetting or disposing a slot may take before the worker drops it and goes on. Default 2000 ms. */
  slotCloseTimeoutMs: number;
  /** Slot creations that may fail in a row on one worker before the run stops. Default 5. */
  maxSlotFailures: number;
  /** How long to wait for stopped work to wind down after its slot was disposed. Default 10000 ms. */
  abandonGraceMs: number;
  /** While the run stops, closing a slot and winding its work down may take this long in all. Default 2000 ms. */
  stopGraceMs: number;
  /**
   * Tasks that fail in a row because the server's pages are not what the job knows (kind `changed`,
   * with no success in between) before the run stops; 0 never stops. Default 3.
   */
  maxChangedInRow: number;
  /** How long taking the evidence of a failure from its slot may take (see PoolParts.evidence). Default 5000 ms. */
  evidenceTimeoutMs: number;
  /** Step durations, for hang detection (shared with the watchdog). Default: a new one. */
  stepTimings: StepTimings;
  /**
   * When given, the number of workers follows the controller (`workers` is then the most there can
   * be); `pressure` says how busy this machine is. Default: a fixed number of workers.
   */
  autoscale?: { controller: ConcurrencyController; pressure: () => MachinePressure; checkEveryMs?: number };
  /**
   * Permits shared with other pools: a worker holds one while it has a slot, so the slots of all
   * the pools together never exceed the budget. Default: none (each pool has its `workers`).
   */
  budget?: SharedBudget;
}

export const poolDefaults: Omit<PoolOptions, 'stepTimings' | 'autoscale' | 'budget'> = {
  workers: 5,
  owner: `pool-${process.pid}`,
  taskTimeoutMs: 180_000,
  maxAttempts: 3,
  maxFreeRetries: 10,
  retryDelayMs: exponentialBackoff(),
  pauseBetweenTasksMs: 0,
  recycleSlotEvery: 50,
  replaceSlotAfterFailures: 2,
  slotCreateTimeoutMs: 60_000,
  slotCloseTimeoutMs: 2000,
  maxSlotFailures: 5,
  abandonGraceMs: 10_000,
  stopGraceMs: 2000,
  maxChangedInRow: 3,
  evidenceTimeoutMs: 5000,
};

export interface WorkerView {
  id: number;
  /** `parked`: not one of the workers the autoscaler wants now (no slot, takes no task). */
  state: 'starting' | 'working' | 'idle' | 'waiting' | 'parked' | 'stopped';
  taskId?: string;
  step?: string;
  /** True while the step waits on this machine only (see TaskContext.step). */
  ownStep?: boolean;
  /** True while the step waits in line behind other tasks' requests (see TaskContext.step). */
  inLine?: boolean;
  /** When the current step (or state) began, ms since epoch. */
  since: number;
  taskStartedAt?: number;
}

export interface PoolResult {
  /**
   * `finished`: nothing left to do; `stopped`: stop() was called; `fatal`: a failure ended the run
   * (of kind `fatal`, or `changed` when the server's pages changed).
   */
  reason: 'finished' | 'stopped' | 'fatal';
  fatal?: TaskFailure;
}

interface RunningTask<T> {
  task: T;
  controller: AbortController;
  startedAt: number;
  epoch: number;
  leasedUntil: number;
  /** The failure's evidence was taken (or skipped) already. */
  evidenceTaken?: boolean;
}

interface WorkerState<S, T> {
  id: number;
  owner: string;
  slot: S | null;
  tasksOnSlot: number;
  slotFailures: number;
  failuresInRow: number;
  view: WorkerView;
  running: RunningTask<T> | null;
  /** True while the worker holds a permit of the shared budget. */
  permit: boolean;
}

export interface PoolParts<T extends Task, S extends Slot, R> {
  queue: TaskQueue<T, R>;
  slots: SlotFactory<S>;
  job: Job<T, S, R>;
  recovery: RecoveryHooks;
  /** Turns an unexpected error into a TaskFailure. Default: internal (a bug). */
  classify?: (error: unknown) => TaskFailure;
  /**
   * Called once per failed task with its slot, before the slot is reset or replaced: what the slot
   * still shows is evidence of the failure (a snapshot of a tab, say). Bounded by `evidenceTimeoutMs`;
   * its errors are ignored and never change the task's outcome. Not called while the run stops.
   */
  evidence?: (failure: TaskFailure, at: FailureScene<T, S>) => Promise<void>;
}

/** Where a task failed: on which worker's slot, in which step. */
export interface FailureScene<T extends Task, S extends Slot> {
  task: T;
  slot: S;
  worker: number;
  /** The step the task was in when it failed. */
  step: string | undefined;
}

/**
 * Runs tasks from a queue on N workers until the queue is empty, stop() is called or a fatal
 * failure happens. Knows nothing of what the tasks are: see Job, Slot and RecoveryHooks.
 * What happens is published as data on `events`.
 */
export class WorkerPool<T extends Task, S extends Slot, R> {
  readonly options: PoolOptions;
  readonly gate = new RecoveryGate();
  readonly events: EventHub<PoolEvent<T>>;
  #parts: PoolParts<T, S, R>;
  #workers: Array<WorkerState<S, T>> = [];
  #stop = new AbortController();
  #wake = new WakeSignal();
  #storm: FailureStorm;
  #fatal: TaskFailure | undefined;
  /**
   * Aborted once a worker found nothing left at all: parked workers end too, and workers still
   * waiting for a permit of the shared budget need none.
   */
  #drained = new AbortController();
  /** Tasks that failed as `changed` since the last success. */
  #changedInRow = new Set<string>();

  constructor(
    parts: PoolParts<T, S, R>,
    options: Partial<PoolOptions> = {},
    onListenerError?: (error: unknown, event: PoolEvent<T>) => void,
  ) {
    this.#parts = parts;
    this.options = { ...poolDefaults, stepTimings: new StepTimings(), ...options };
    this.events = new EventHub(onListenerError);
    this.#storm = new FailureStorm(this.options.workers, this.options.retryDelayMs);
  }

  get timings(): StepTimings {
    return this.options.stepTimings;
  }

  async run(): Promise<PoolResult> {
    this.#workers = Array.from({ length: this.options.workers }, (_, index) => this.#newWorker(index + 1));
    const stopScaling = this.#startAutoscale();
    await Promise.all(this.#workers.map((worker) => this.#workerLoop(worker)));
    stopScaling();
    await Promise.all(this.#workers.map((worker) => this.#disposeSlot(worker)));
    if (this.#fatal) return { reason: 'fatal', fatal: this.#fatal };
    return { reason: this.#stop.signal.aborted ? 'stopped' : 'finished' };
  }

  #newWorker(id: number): WorkerState<S, T> {
    const view: WorkerView = { id, state: 'starting', since: Date.now() };
    const owner = `${this.options.owner}/worker-${id}`;
    return {
      id,
      owner,
      slot: null,
      tasksOnSlot: 0,
      slotFailures: 0,
      failuresInRow: 0,
      view,
      running: null,
      permit: false,
    };
  }

  /** Stop leasing, stop the tasks in flight and hand them back untouched. */
  stop(): void {
    if (!this.#stop.signal.aborted) this.#stop.abort();
    for (const worker of this.#workers) worker.running?.controller.abort(new TaskFailure('transient', 'run stopped'));
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  snapshot(): WorkerView[] {
    return this.#workers.map((worker) => ({ ...worker.view }));
  }

  /** Stop every task in flight with `failure` (their slots are replaced); the run goes on. */
  abortAll(failure: TaskFailure): void {
    for (const worker of this.#workers) this.abortTask(worker.id, failure);
  }

  /** End the run with a fatal failure (its message is the run's reason to stop). */
  fail(failure: TaskFailure): void {
    this.#failRun(failure);
  }

  /** Stop one worker's current task (used by the watchdog). */
  abortTask(workerId: number, failure: TaskFailure): boolean {
    const running = this.#workers.find((worker) => worker.id === workerId)?.running;
    if (!running || running.controller.signal.aborted) return false;
    running.controller.abort(failure);
    return true;
  }

  #setView(worker: WorkerState<S, T>, view: Partial<WorkerView> & Pick<WorkerView, 'state'>): void {
    worker.view = { id: worker.id, since: Date.now(), ...view };
  }

  /** How many workers should take tasks now. */
  get activeWorkers(): number {
    return Math.min(this.options.workers, this.options.autoscale?.controller.current ?? this.options.workers);
  }

  /** Asks the autoscaler every few seconds; returns the function that stops asking. */
  #startAutoscale(): () => void {
    const autoscale = this.options.autoscale;
    if (!autoscale) return () => undefined;
    const timer = setInterval(() => {
      const change = autoscale.controller.decide(Date.now(), autoscale.pressure());
      if (!change) return;
      this.events.emit({ type: 'workers-changed', ...change });
      this.#wake.notify();
    }, autoscale.checkEveryMs ?? 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** A worker beyond the wanted count gives its slot (and permit) back and waits until it is wanted (or all is done). */
  async #park(worker: WorkerState<S, T>): Promise<void> {
    if (worker.permit) await this.#givePermitBack(worker);
    else if (worker.slot) await this.#disposeSlot(worker);
    this.#setView(worker, { state: 'parked' });
    await this.#wake.wait(1000, this.#stop.signal);
  }

  async #workerLoop(worker: WorkerState<S, T>): Promise<void> {
    while (!this.stopping && !this.#drained.signal.aborted) {
      if (worker.id > this.activeWorkers) {
        await this.#park(worker);
        continue;
      }
      try {
        await this.gate.pass(this.#stop.signal);
      } catch {
        break; // stopping
      }
      if (!(await this.#holdPermit(worker))) break;
      const slot = await this.#ensureSlot(worker);
      if (!slot) continue;
      const now = Date.now();
      const task = await this.#read(() => this.#parts.queue.lease(worker.owner, now, now + this.#leaseMs()));
      if (task === undefined) break;
      if (!task) {
        if (await this.#waitForWork(worker)) continue;
        break;
      }
      await this.#process(worker, slot, task);
      this.#wake.notify();
      if (this.options.pauseBetweenTasksMs > 0) await pause(this.options.pauseBetweenTasksMs, this.#stop.signal);
    }
    if (worker.permit) await this.#givePermitBack(worker);
    this.#setView(worker, { state: 'stopped' });
  }

  /** With a shared budget: waits until the worker holds a permit. False when the pool stops first. */
  async #holdPermit(worker: WorkerState<S, T>): Promise<boolean> {
    const budget = this.options.budget;
    if (!budget || worker.permit) return true;
    this.#setView(worker, { state: 'waiting', step: 'waiting for a free slot' });
    try {
      await budget.acquire(AbortSignal.any([this.#stop.signal, this.#drained.signal]));
    } catch {
      return false; // stopping, or nothing is left to do
    }
    worker.permit = true;
    return true;
  }

  /** The worker's slot goes, and its permit back to the budget (another pool may use it). */
  async #givePermitBack(worker: WorkerState<S, T>): Promise<void> {
    await this.#disposeSlot(worker);
    worker.permit = false;
    this.options.budget?.release();
  }

  /** A lease lasts as long as a task may, plus the time its abandoned work gets to wind down. */
  #leaseMs(): number {
    return this.options.taskTimeoutMs + this.options.abandonGraceMs + this.options.slotCloseTimeoutMs;
  }

  /** Sleeps until work may be ready. Returns false when there is nothing left at all. */
  async #waitForWork(worker: WorkerState<S, T>): Promise<boolean> {
    const readyAt = await this.#read(() => this.#parts.queue.nextReadyAt());
    if (readyAt === undefined) return false;
    const othersBusy = this.#workers.some((other) => other.running !== null);
    if (readyAt === null && !othersBusy) {
      this.#drained.abort();
      this.#wake.notify();
      return false;
    }
    // Nothing to do now while another pool waits for a slot: this worker's permit serves it meanwhile.
    const readyNow = readyAt !== null && readyAt <= Date.now();
    if (!readyNow && worker.permit && (this.options.budget?.waiting ?? 0) > 0) await this.#givePermitBack(worker);
    this.#setView(worker, { state: readyAt === null ? 'idle' : 'waiting' });
    await this.#wake.wait(readyAt === null ? undefined : Math.max(0, readyAt - Date.now()), this.#stop.signal);
    return true;
  }

  async #ensureSlot(worker: WorkerState<S, T>): Promise<S | null> {
    if (worker.slot?.isUsable() && !this.#dueForRecycling(worker)) return worker.slot;
    if (worker.slot) await this.#replaceSlot(worker, worker.slot.isUsable() ? 'recycled' : 'unusable');
    this.#setView(worker, { state: 'starting' });
    const epoch = this.gate.epoch;
    const creating = this.#parts.slots.create(worker.id);
    try {
      worker.slot = await withTimeout(creating, this.options.slotCreateTimeoutMs, 'opening a new worker slot');
      worker.tasksOnSlot = 0;
      worker.slotFailures = 0;
      return worker.slot;
    } catch (error) {
      creating.then((late) => late.dispose()).catch(() => undefined);
      await this.#slotCreationFailed(worker, this.#classify(error), epoch, error);
      return null;
    }
  }

  async #slotCreationFailed(worker: WorkerState<S, T>, failure: TaskFailure, epoch: number, error: unknown) {
    worker.slotFailures += 1;
    if (failure.kind === 'fatal' || worker.slotFailures >= this.options.maxSlotFailures) {
      const message = `could not open a working slot ${worker.slotFailures} times in a row: ${failure.message}`;
      this.#failRun(new TaskFailure('fatal', message, { cause: error }));
    } else if (isSharedKind(failure.kind)) {
      await this.#recoverShared(failure, epoch);
    } else {
      await pause(this.options.retryDelayMs(worker.slotFailures), this.#stop.signal);
    }
  }

  #dueForRecycling(worker: WorkerState<S, T>): boolean {
    return this.options.recycleSlotEvery > 0 && worker.tasksOnSlot >= this.options.recycleSlotEvery;
  }

  async #replaceSlot(worker: WorkerState<S, T>, reason: string): Promise<void> {
    this.events.emit({ type: 'slot-replaced', worker: worker.id, reason });
    await this.#disposeSlot(worker);
  }

  /** Disposes the worker's slot, but never waits longer than `slotCloseTimeoutMs` for it. */
  async #disposeSlot(worker: WorkerState<S, T>): Promise<void> {
    const slot = worker.slot;
    worker.slot = null;
    if (!slot) return;
    const closing = slot.dispose().catch(() => undefined);
    const limit = this.stopping ? this.options.stopGraceMs : this.options.slotCloseTimeoutMs;
    if (!(await settleWithin(closing, limit))) {
      this.events.emit({ type: 'slot-replaced', worker: worker.id, reason: 'closing it did not finish; dropped' });
    }
  }

  async #process(worker: WorkerState<S, T>, slot: S, task: T): Promise<void> {
    const running: RunningTask<T> = {
      task,
      controller: new AbortController(),
      startedAt: Date.now(),
      epoch: this.gate.epoch,
      leasedUntil: Date.now() + this.#leaseMs(),
    };
    worker.running = running;
    worker.tasksOnSlot += 1;
    this.#setView(worker, { state: 'working', taskId: task.id, step: 'starting', taskStartedAt: running.startedAt });
    this.events.emit({ type: 'task-started', worker: worker.id, task });
    let outcome: { ok: true; result: R } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await this.#runWithTimeout(worker, slot, running) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      running.controller.abort(new TaskFailure('transient', 'attempt over')); // nothing of it may go on
    }
    if (outcome.ok) await this.#succeeded(worker, running, outcome.result);
    else await this.#failed(worker, running, outcome.error);
    worker.running = null;
    this.#setView(worker, { state: 'idle' });
  }

  async #succeeded(worker: WorkerState<S, T>, running: RunningTask<T>, result: R): Promise<void> {
    this.#recordStepEnd(worker);
    worker.failuresInRow = 0;
    this.#storm.record(Date.now(), false);
    this.#changedInRow.clear();
    const endedAt = Date.now();
    const durationMs = endedAt - running.startedAt;
    if (await this.#write(() => this.#parts.queue.complete(running.task, result))) {
      this.options.autoscale?.controller.taskDone(running.startedAt, endedAt);
      this.events.emit({ type: 'task-succeeded', worker: worker.id, task: running.task, durationMs });
    }
  }

  async #failed(worker: WorkerState<S, T>, running: RunningTask<T>, error: unknown): Promise<void> {
    const failure = this.#classify(error);
    worker.failuresInRow += 1;
    if (worker.slot) await this.#takeEvidence(worker, worker.slot, running, failure);
    await this.#tidySlot(worker, failure);
    await this.#handleFailure(worker, running, failure);
  }

  /** After a failed task the slot is reset to a known state, or replaced when that is not possible. */
  async #tidySlot(worker: WorkerState<S, T>, failure: TaskFailure): Promise<void> {
    const slot = worker.slot;
    if (!slot || this.stopping) return;
    const mustReplace = ['hang', 'slot', 'browser', 'internal'].includes(failure.kind);
    if (mustReplace || worker.failuresInRow >= this.options.replaceSlotAfterFailures) {
      await this.#replaceSlot(worker, `after a failure (${failure.kind})`);
      return;
    }
    if (!slot.reset) return;
    const reset = slot.reset().catch(() => false);
    const ok = (await settleWithin(reset, this.options.slotCloseTimeoutMs)) && (await reset);
    if (!ok) await this.#replaceSlot(worker, 'it could not be reset');
  }

  async #runWithTimeout(worker: WorkerState<S, T>, slot: S, running: RunningTask<T>): Promise<R> {
    const { controller } = running;
    const seconds = Math.round(this.options.taskTimeoutMs / 1000);
    const timeoutFailure = () => new TaskFailure('hang', `timed out after ${seconds} s`);
    const timer = setTimeout(() => controller.abort(timeoutFailure()), this.options.taskTimeoutMs);
    const context = {
      signal: controller.signal,
      step: (name: string, kind?: StepKind) => this.#step(worker, running, name, kind),
    };
    const work = this.#parts.job.run(running.task, slot, context);
    try {
      return await raceAbort(work, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      // The task was abandoned (timeout, hang, stop): disposing its slot is what really stops it.
      await this.#takeEvidence(worker, slot, running, this.#classify(controller.signal.reason));
      await this.#disposeSlot(worker);
      await settleWithin(work, this.stopping ? this.options.stopGraceMs : this.options.abandonGraceMs);
      throw controller.signal.reason;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The failure's evidence from the slot, once per task, bounded in time; never fails the task. */
  async #takeEvidence(worker: WorkerState<S, T>, slot: S, running: RunningTask<T>, failure: TaskFailure) {
    const evidence = this.#parts.evidence;
    if (!evidence || running.evidenceTaken || this.stopping) return;
    running.evidenceTaken = true;
    const step = worker.view.state === 'working' ? worker.view.step : undefined;
    const scene = { task: running.task, slot, worker: worker.id, step };
    let taking: Promise<void>;
    try {
      taking = evidence(failure, scene);
    } catch {
      return;
    }
    await settleWithin(taking, this.options.evidenceTimeoutMs);
  }

  #step(worker: WorkerState<S, T>, running: RunningTask<T>, name: string, kind: StepKind = 'server'): void {
    if (running.controller.signal.aborted) return;
    this.#recordStepEnd(worker);
    const { task, startedAt } = running;
    const view = { step: name, ownStep: kind === 'own', inLine: kind === 'in-line', taskStartedAt: startedAt };
    this.#setView(worker, { state: 'working', taskId: task.id, ...view });
    this.events.emit({ type: 'task-step', worker: worker.id, task: running.task, step: name });
    this.#renewLease(worker, running);
  }

  /** The step on view ended normally: its duration teaches the hang detector. */
  #recordStepEnd(worker: WorkerState<S, T>): void {
    const view = worker.view;
    if (view.state === 'working' && view.step && view.step !== 'starting') {
      this.timings.record(view.step, Date.now() - view.since);
    }
  }

  #renewLease(worker: WorkerState<S, T>, running: RunningTask<T>): void {
    const now = Date.now();
    const leaseMs = this.#leaseMs();
    if (running.leasedUntil - now > (2 * leaseMs) / 3) return; // renewed recently enough
    running.leasedUntil = now + leaseMs;
    void this.#write(() => this.#parts.queue.renew(running.task, worker.owner, running.leasedUntil));
  }

  async #handleFailure(worker: WorkerState<S, T>, running: RunningTask<T>, failure: TaskFailure): Promise<void> {
    const { task } = running;
    if (this.stopping) return void (await this.#write(() => this.#parts.queue.release(task)));
    if (failure.kind === 'fatal') {
      await this.#write(() => this.#parts.queue.release(task));
      return this.#failRun(failure);
    }
    if (failure.kind === 'permanent') return this.#giveUp(worker, task, failure);
    if (failure.kind === 'changed') return this.#changed(worker, running, failure);
    if (!isCounted(failure.kind) || this.#storm.isRaging(Date.now())) {
      if (task.freeRetries < this.options.maxFreeRetries) return this.#retryUncounted(worker, running, failure);
    }
    if (this.#storm.record(Date.now(), true)) this.#pauseForStorm();
    await this.#retryCounted(worker, task, failure);
  }

  /**
   * The server's pages are not what the job knows. Not the task's fault: it goes back later (so the
   * next tasks show whether it is every page), not counted; after `maxChangedInRow` tasks in a row
   * the run stops with this failure instead of trying every task.
   */
  async #changed(worker: WorkerState<S, T>, running: RunningTask<T>, failure: TaskFailure): Promise<void> {
    const { task } = running;
    this.#changedInRow.add(task.id);
    const limit = this.options.maxChangedInRow;
    if (limit > 0 && this.#changedInRow.size >= limit) {
      if (!(await this.#write(() => this.#parts.queue.retry(task, failure, Date.now(), false)))) return;
      this.events.emit({ type: 'task-retrying', worker: worker.id, task, failure, delayMs: 0, counted: false });
      const message = `${failure.message} (${this.#changedInRow.size} tasks in a row)`;
      return this.#failRun(new TaskFailure('changed', message, { cause: failure }));
    }
    if (task.freeRetries < this.options.maxFreeRetries)
      return this.#retryUncounted(worker, running, failure, this.options.retryDelayMs(1));
    await this.#retryCounted(worker, task, failure);
  }

  async #retryUncounted(
    worker: WorkerState<S, T>,
    running: RunningTask<T>,
    failure: TaskFailure,
    delayMs = 0,
  ): Promise<void> {
    const { task } = running;
    if (!(await this.#write(() => this.#parts.queue.retry(task, failure, Date.now() + delayMs, false)))) return;
    this.events.emit({ type: 'task-retrying', worker: worker.id, task, failure, delayMs, counted: false });
    if (isSharedKind(failure.kind)) {
      this.#setView(worker, { state: 'waiting' }); // not stalled: the watchdog leaves it alone
      await this.#recoverShared(failure, running.epoch);
    }
  }

  async #retryCounted(worker: WorkerState<S, T>, task: T, failure: TaskFailure): Promise<void> {
    const attempt = task.attempts + 1;
    if (attempt >= this.options.maxAttempts) return this.#giveUp(worker, task, failure);
    const delayMs = this.options.retryDelayMs(attempt);
    if (!(await this.#write(() => this.#parts.queue.retry(task, failure, Date.now() + delayMs, true)))) return;
    this.events.emit({ type: 'task-retrying', worker: worker.id, task, failure, delayMs, counted: true });
  }

  async #giveUp(worker: WorkerState<S, T>, task: T, failure: TaskFailure): Promise<void> {
    if (await this.#write(() => this.#parts.queue.giveUp(task, failure))) {
      this.events.emit({ type: 'task-failed', worker: worker.id, task, failure });
    }
  }

  /** Many workers failing within a short time: the server is in trouble, so every worker pauses. */
  #pauseForStorm(): void {
    this.options.autoscale?.controller.serverTrouble('many failures in a short time', Date.now());
    const ms = this.#storm.pauseMs();
    this.gate.throttle(ms);
    this.events.emit({ type: 'workers-paused', reason: 'many failures in a short time', ms });
  }

  async #recoverShared(failure: TaskFailure, seenEpoch: number): Promise<void> {
    const kind = failure.kind as SharedFailureKind;
    if (kind === 'throttled' || kind === 'unavailable') {
      this.options.autoscale?.controller.serverTrouble(
        kind === 'throttled' ? 'asked to wait' : 'could not be reached',
        Date.now(),
      );
    }
    if (kind === 'throttled') {
      this.gate.throttle(failure.retryAfterMs ?? this.options.retryDelayMs(1));
      return;
    }
    const hooks = this.#parts.recovery;
    try {
      await this.gate.recover(seenEpoch, async () => {
        const started = Date.now();
        this.events.emit({ type: 'recovery-started', kind, failure });
        await hooks[kind](failure);
        this.events.emit({ type: 'recovery-finished', kind, durationMs: Date.now() - started });
      });
    } catch (error) {
      if (this.stopping) return; // stopped during the recovery: not a failure of the run
      const reason = this.#classify(error);
      const message = `could not recover (${kind}): ${reason.message}`;
      const final = reason.kind === 'fatal' || reason.kind === 'changed';
      this.#failRun(final ? reason : new TaskFailure('fatal', message, { cause: error }));
    }
  }

  #classify(error: unknown): TaskFailure {
    if (error instanceof TaskFailure) return error;
    const classified = this.#parts.classify?.(error);
    return classified ?? new TaskFailure('internal', messageOf(error), { cause: error });
  }

  /** Runs a queue update; if the state cannot be recorded, nothing else can safely go on. False then. */
  async #write(update: () => Promise<void>): Promise<boolean> {
    try {
      await update();
      return true;
    } catch (error) {
      const failure = this.#classify(error);
      const message = `could not record progress: ${failure.message}`;
      this.#failRun(failure.kind === 'fatal' ? failure : new TaskFailure('fatal', message, { cause: error }));
      return false;
    }
  }

  /** Reads from the queue; undefined (and the run stops) when the queue cannot be read. */
  async #read<V>(read: () => Promise<V>): Promise<V | undefined> {
    try {
      return await read();
    } catch (error) {
      this.#failRun(new TaskFailure('fatal', `could not read the queue: ${messageOf(error)}`, { cause: error }));
      return undefined;
    }
  }

  #failRun(failure: TaskFailure): void {
    this.#fatal ??= failure;
    this.stop();
  }
}

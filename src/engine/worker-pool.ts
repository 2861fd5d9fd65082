import { setTimeout as sleep } from 'node:timers/promises';
import { exponentialBackoff } from './backoff.ts';
import { TaskFailure, isSharedKind, messageOf, type SharedFailureKind } from './failure.ts';
import { RecoveryGate } from './gate.ts';
import type { Job, RecoveryHooks, Slot, SlotFactory, Task, TaskQueue } from './types.ts';
import { WakeSignal } from './wake-signal.ts';

export interface PoolOptions {
  /** Number of workers, each with its own slot. Default 5. */
  workers: number;
  /** A task running longer is stopped (its slot disposed) and retried. Default 180000 ms. */
  taskTimeoutMs: number;
  /** Attempts per task, the first included. Default 3 (two retries). */
  maxAttempts: number;
  /** Uncounted retries after shared failures before they start to count. Default 10. */
  maxFreeRetries: number;
  /** Delay before counted retry number n (1-based). Default: 5 s doubling, at most 2 min, with jitter. */
  retryDelayMs: (retry: number) => number;
  /** Pause a worker takes after each task, to be gentle with the server. Default 0. */
  pauseBetweenTasksMs: number;
  /** Replace a worker's slot after this many tasks to bound memory; 0 never. Default 50. */
  recycleSlotEvery: number;
  /** How long creating a slot may take. Default 60000 ms. */
  slotCreateTimeoutMs: number;
  /** Slot creations that may fail in a row on one worker before the run stops. Default 5. */
  maxSlotFailures: number;
  /** How long to wait for stopped work to wind down after its slot was disposed. Default 10000 ms. */
  abandonGraceMs: number;
}

export const poolDefaults: PoolOptions = {
  workers: 5,
  taskTimeoutMs: 180_000,
  maxAttempts: 3,
  maxFreeRetries: 10,
  retryDelayMs: exponentialBackoff(),
  pauseBetweenTasksMs: 0,
  recycleSlotEvery: 50,
  slotCreateTimeoutMs: 60_000,
  maxSlotFailures: 5,
  abandonGraceMs: 10_000,
};

/** Optional listeners, for progress display, logs and statistics. */
export interface PoolObserver<T extends Task> {
  taskStarted?(worker: number, task: T): void;
  taskStep?(worker: number, task: T, step: string): void;
  taskSucceeded?(worker: number, task: T, durationMs: number): void;
  taskRetrying?(worker: number, task: T, failure: TaskFailure, delayMs: number, counted: boolean): void;
  taskFailed?(worker: number, task: T, failure: TaskFailure): void;
  recoveryStarted?(kind: SharedFailureKind, failure: TaskFailure): void;
  recoveryFinished?(kind: SharedFailureKind, durationMs: number): void;
  slotReplaced?(worker: number, reason: string): void;
}

export interface WorkerView {
  id: number;
  state: 'starting' | 'working' | 'idle' | 'waiting' | 'stopped';
  taskId?: string;
  step?: string;
  /** When the current step (or state) began, ms since epoch. */
  since: number;
  taskStartedAt?: number;
}

export interface PoolResult {
  /** `finished`: nothing left to do; `stopped`: stop() was called; `fatal`: a fatal failure ended the run. */
  reason: 'finished' | 'stopped' | 'fatal';
  fatal?: TaskFailure;
}

interface RunningTask<T> {
  task: T;
  controller: AbortController;
  startedAt: number;
  epoch: number;
}

interface WorkerState<S, T> {
  id: number;
  slot: S | null;
  tasksOnSlot: number;
  slotFailures: number;
  view: WorkerView;
  running: RunningTask<T> | null;
}

export interface PoolParts<T extends Task, S extends Slot, R> {
  queue: TaskQueue<T, R>;
  slots: SlotFactory<S>;
  job: Job<T, S, R>;
  recovery: RecoveryHooks;
  /** Turns an unexpected error into a TaskFailure. Default: transient. */
  classify?: (error: unknown) => TaskFailure;
  observer?: PoolObserver<T>;
}

/**
 * Runs tasks from a queue on N workers until the queue is empty, stop() is called or a fatal
 * failure happens. Knows nothing of what the tasks are: see Job, Slot and RecoveryHooks.
 */
export class WorkerPool<T extends Task, S extends Slot, R> {
  readonly options: PoolOptions;
  readonly gate = new RecoveryGate();
  #parts: PoolParts<T, S, R>;
  #workers: Array<WorkerState<S, T>> = [];
  #stop = new AbortController();
  #wake = new WakeSignal();
  #fatal: TaskFailure | undefined;

  constructor(parts: PoolParts<T, S, R>, options: Partial<PoolOptions> = {}) {
    this.#parts = parts;
    this.options = { ...poolDefaults, ...options };
  }

  async run(): Promise<PoolResult> {
    this.#workers = Array.from({ length: this.options.workers }, (_, index) => ({
      id: index + 1,
      slot: null,
      tasksOnSlot: 0,
      slotFailures: 0,
      view: { id: index + 1, state: 'starting', since: Date.now() },
      running: null,
    }));
    await Promise.all(this.#workers.map((worker) => this.#workerLoop(worker)));
    await Promise.all(this.#workers.map((worker) => this.#disposeSlot(worker)));
    if (this.#fatal) return { reason: 'fatal', fatal: this.#fatal };
    return { reason: this.#stop.signal.aborted ? 'stopped' : 'finished' };
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

  /** Stop one worker's current task (used by the watchdog). The task is retried as a transient failure. */
  abortTask(workerId: number, failure: TaskFailure): boolean {
    const running = this.#workers.find((worker) => worker.id === workerId)?.running;
    if (!running || running.controller.signal.aborted) return false;
    running.controller.abort(failure);
    return true;
  }

  #setView(worker: WorkerState<S, T>, view: Partial<WorkerView> & Pick<WorkerView, 'state'>): void {
    worker.view = { id: worker.id, since: Date.now(), ...view };
  }

  async #workerLoop(worker: WorkerState<S, T>): Promise<void> {
    while (!this.stopping) {
      try {
        await this.gate.pass(this.#stop.signal);
      } catch {
        break; // stopping
      }
      const slot = await this.#ensureSlot(worker);
      if (!slot) continue;
      const task = this.#parts.queue.lease(`worker-${worker.id}`, Date.now());
      if (!task) {
        if (await this.#waitForWork(worker)) continue;
        break;
      }
      await this.#process(worker, slot, task);
      this.#wake.notify();
      if (this.options.pauseBetweenTasksMs > 0 && !this.stopping) {
        await sleep(this.options.pauseBetweenTasksMs, undefined, { signal: this.#stop.signal }).catch(() => undefined);
      }
    }
    this.#setView(worker, { state: 'stopped' });
  }

  /** Sleeps until work may be ready. Returns false when there is nothing left at all. */
  async #waitForWork(worker: WorkerState<S, T>): Promise<boolean> {
    const readyAt = this.#parts.queue.nextReadyAt();
    const othersBusy = this.#workers.some((other) => other.running !== null);
    if (readyAt === null && !othersBusy) return false;
    this.#setView(worker, { state: readyAt === null ? 'idle' : 'waiting' });
    await this.#wake.wait(readyAt === null ? undefined : readyAt - Date.now(), this.#stop.signal);
    return true;
  }

  async #ensureSlot(worker: WorkerState<S, T>): Promise<S | null> {
    if (worker.slot?.isUsable() && !this.#dueForRecycling(worker)) return worker.slot;
    if (worker.slot) {
      this.#parts.observer?.slotReplaced?.(worker.id, worker.slot.isUsable() ? 'recycled' : 'unusable');
      await this.#disposeSlot(worker);
    }
    this.#setView(worker, { state: 'starting' });
    const epoch = this.gate.epoch;
    const creating = this.#parts.slots.create(worker.id);
    try {
      worker.slot = await withTimeout(creating, this.options.slotCreateTimeoutMs, 'opening a new tab');
      worker.tasksOnSlot = 0;
      worker.slotFailures = 0;
      return worker.slot;
    } catch (error) {
      creating.then((late) => late.dispose()).catch(() => undefined);
      const failure = this.#classify(error);
      worker.slotFailures += 1;
      if (failure.kind === 'fatal' || worker.slotFailures >= this.options.maxSlotFailures) {
        this.#failRun(
          new TaskFailure(
            'fatal',
            `could not open a working tab ${worker.slotFailures} times in a row: ${failure.message}`,
            { cause: error },
          ),
        );
      } else if (isSharedKind(failure.kind)) {
        await this.#recoverShared(failure, epoch);
      } else {
        await sleep(this.options.retryDelayMs(worker.slotFailures), undefined, { signal: this.#stop.signal }).catch(
          () => undefined,
        );
      }
      return null;
    }
  }

  #dueForRecycling(worker: WorkerState<S, T>): boolean {
    return this.options.recycleSlotEvery > 0 && worker.tasksOnSlot >= this.options.recycleSlotEvery;
  }

  async #disposeSlot(worker: WorkerState<S, T>): Promise<void> {
    const slot = worker.slot;
    worker.slot = null;
    if (slot) await slot.dispose().catch(() => undefined);
  }

  async #process(worker: WorkerState<S, T>, slot: S, task: T): Promise<void> {
    const running: RunningTask<T> = {
      task,
      controller: new AbortController(),
      startedAt: Date.now(),
      epoch: this.gate.epoch,
    };
    worker.running = running;
    worker.tasksOnSlot += 1;
    this.#setView(worker, { state: 'working', taskId: task.id, step: 'starting', taskStartedAt: running.startedAt });
    this.#parts.observer?.taskStarted?.(worker.id, task);
    try {
      const result = await this.#runWithTimeout(worker, slot, running);
      const durationMs = Date.now() - running.startedAt;
      this.#record(() => this.#parts.queue.complete(task, result, durationMs));
      this.#parts.observer?.taskSucceeded?.(worker.id, task, durationMs);
    } catch (error) {
      await this.#handleFailure(worker, running, error);
    } finally {
      worker.running = null;
      this.#setView(worker, { state: 'idle' });
    }
  }

  async #runWithTimeout(worker: WorkerState<S, T>, slot: S, running: RunningTask<T>): Promise<R> {
    const { controller, task } = running;
    const seconds = Math.round(this.options.taskTimeoutMs / 1000);
    const timer = setTimeout(
      () => controller.abort(new TaskFailure('transient', `timed out after ${seconds} s`)),
      this.options.taskTimeoutMs,
    );
    const context = {
      signal: controller.signal,
      step: (name: string) => {
        if (controller.signal.aborted) return;
        this.#setView(worker, { state: 'working', taskId: task.id, step: name, taskStartedAt: running.startedAt });
        this.#parts.observer?.taskStep?.(worker.id, task, name);
      },
    };
    const work = this.#parts.job.run(task, slot, context);
    try {
      return await raceAbort(work, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      // The task was abandoned (timeout, stall, stop): disposing its slot is what really stops it.
      await this.#disposeSlot(worker);
      await settleWithin(work, this.options.abandonGraceMs);
      throw controller.signal.reason;
    } finally {
      clearTimeout(timer);
    }
  }

  async #handleFailure(worker: WorkerState<S, T>, running: RunningTask<T>, error: unknown): Promise<void> {
    const { task } = running;
    const queue = recordingQueue(this.#parts.queue, (fn) => this.#record(fn));
    if (this.stopping) {
      queue.release(task);
      return;
    }
    let failure = this.#classify(error);
    if (failure.kind === 'fatal') {
      queue.release(task);
      this.#failRun(failure);
      return;
    }
    if (failure.kind === 'permanent') {
      queue.giveUp(task, failure);
      this.#parts.observer?.taskFailed?.(worker.id, task, failure);
      return;
    }
    if (isSharedKind(failure.kind) && task.freeRetries < this.options.maxFreeRetries) {
      queue.retry(task, failure, Date.now(), false);
      this.#parts.observer?.taskRetrying?.(worker.id, task, failure, 0, false);
      this.#setView(worker, { state: 'waiting' }); // not stalled: the watchdog leaves it alone
      await this.#recoverShared(failure, running.epoch);
      return;
    }
    if (isSharedKind(failure.kind)) failure = new TaskFailure('transient', failure.message, { cause: failure });
    const attempt = task.attempts + 1;
    if (attempt >= this.options.maxAttempts) {
      queue.giveUp(task, failure);
      this.#parts.observer?.taskFailed?.(worker.id, task, failure);
      return;
    }
    const delayMs = this.options.retryDelayMs(attempt);
    queue.retry(task, failure, Date.now() + delayMs, true);
    this.#parts.observer?.taskRetrying?.(worker.id, task, failure, delayMs, true);
  }

  async #recoverShared(failure: TaskFailure, seenEpoch: number): Promise<void> {
    const kind = failure.kind as SharedFailureKind;
    if (kind === 'throttled') {
      this.gate.throttle(failure.retryAfterMs ?? this.options.retryDelayMs(1));
      return;
    }
    const hooks = this.#parts.recovery;
    const observer = this.#parts.observer;
    try {
      await this.gate.recover(seenEpoch, async () => {
        const started = Date.now();
        observer?.recoveryStarted?.(kind, failure);
        await hooks[kind](failure);
        observer?.recoveryFinished?.(kind, Date.now() - started);
      });
    } catch (error) {
      if (this.stopping) return; // stopped during the recovery: not a failure of the run
      const reason = this.#classify(error);
      this.#failRun(
        reason.kind === 'fatal'
          ? reason
          : new TaskFailure('fatal', `could not recover (${kind}): ${reason.message}`, { cause: error }),
      );
    }
  }

  #classify(error: unknown): TaskFailure {
    if (error instanceof TaskFailure) return error;
    return this.#parts.classify?.(error) ?? new TaskFailure('transient', messageOf(error), { cause: error });
  }

  /** Runs a queue update; if the state cannot be recorded, nothing else can safely go on. */
  #record(update: () => void): void {
    try {
      update();
    } catch (error) {
      this.#failRun(new TaskFailure('fatal', `could not record progress: ${messageOf(error)}`, { cause: error }));
    }
  }

  #failRun(failure: TaskFailure): void {
    this.#fatal ??= failure;
    this.stop();
  }
}

/** The queue's outcome methods, each run through `record`. */
function recordingQueue<T extends Task, R>(queue: TaskQueue<T, R>, record: (update: () => void) => void) {
  return {
    release: (task: T) => record(() => queue.release(task)),
    giveUp: (task: T, failure: TaskFailure) => record(() => queue.giveUp(task, failure)),
    retry: (task: T, failure: TaskFailure, notBefore: number, counted: boolean) =>
      record(() => queue.retry(task, failure, notBefore, counted)),
  };
}

function raceAbort<V>(work: Promise<V>, signal: AbortSignal): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([
    work.catch(() => undefined),
    sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined),
  ]);
  timer.abort();
}

export async function withTimeout<V>(work: Promise<V>, ms: number, what: string): Promise<V> {
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new TaskFailure('transient', `${what} took longer than ${Math.round(ms / 1000)} s`);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timer.abort();
    timeout.catch(() => undefined);
  }
}

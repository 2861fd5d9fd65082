import type { TaskFailure } from './failure.ts';

/** One unit of work, leased to exactly one worker at a time. */
export interface Task {
  readonly id: string;
  /** Counted attempts before this one (0 on the first try). */
  readonly attempts: number;
  /** Retries that were not counted (shared failures such as an expired session). */
  readonly freeRetries: number;
}

/**
 * Where tasks come from and where their outcome goes. A lease has an owner and an expiry: a task
 * whose lease expired (its worker died) may be leased again. Implemented by the ledger; the engine's
 * tests use the in-memory queue.
 */
export interface TaskQueue<T extends Task, R> {
  /** Lease the next task that is ready now to `owner` until `until`; null when none is ready now. */
  lease(owner: string, now: number, until: number): Promise<T | null>;
  /** Keep `owner`'s lease of the task until `until` (the task makes progress). */
  renew(task: T, owner: string, until: number): Promise<void>;
  /** Earliest time a pending task, or one whose lease runs out, is ready (now or earlier: ready already); null when none. */
  nextReadyAt(): Promise<number | null>;
  complete(task: T, result: R): Promise<void>;
  /** Put the task back, ready at `notBefore`. `counted` says whether this used up an attempt. */
  retry(task: T, failure: TaskFailure, notBefore: number, counted: boolean): Promise<void>;
  giveUp(task: T, failure: TaskFailure): Promise<void>;
  /** Return a leased task untouched (the run is stopping). */
  release(task: T): Promise<void>;
}

/** A worker's private resource (for bookout: one browser tab). */
export interface Slot {
  /** False once the resource died (closed tab, crashed browser): the worker then makes a new one. */
  isUsable(): boolean;
  /**
   * Brings the resource back to a known state after a failed task (nothing of the old task still
   * running on it). False when that is not possible: the worker then replaces the slot.
   */
  reset?(): Promise<boolean>;
  /** Free the resource. Disposing must also stop any work still running on it. */
  dispose(): Promise<void>;
}

export interface SlotFactory<S extends Slot> {
  create(workerId: number): Promise<S>;
}

export type StepKind = 'server' | 'own' | 'in-line';

export interface TaskContext {
  /** Aborted when the task timed out, stalled, ended, or the run is stopping. */
  readonly signal: AbortSignal;
  /**
   * Report progress: names the current step and feeds the watchdog. `own` marks a step that waits
   * on nothing but this machine (the disk, the CPU): taking too long there is never the server's hang.
   * `in-line` marks a wait for other tasks' requests to be answered first (a RequestGate): never a
   * hang of its own, since each request ahead of it has its own time limit.
   */
  step(name: string, kind?: StepKind): void;
}

/** What a worker does with one task on its slot. Throw a TaskFailure to say how it failed. */
export interface Job<T extends Task, S extends Slot, R> {
  run(task: T, slot: S, context: TaskContext): Promise<R>;
}

/**
 * Recoveries for failures that concern every worker. Each runs once while all workers wait;
 * throwing stops the run (a TaskFailure of kind `fatal` gives the message shown to the user).
 */
export interface RecoveryHooks {
  session(failure: TaskFailure): Promise<void>;
  unavailable(failure: TaskFailure): Promise<void>;
  browser(failure: TaskFailure): Promise<void>;
}

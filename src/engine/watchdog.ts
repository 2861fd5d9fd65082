import { TaskFailure } from './failure.ts';
import type { WorkerView } from './worker-pool.ts';

export interface WatchdogOptions {
  /** A task whose current step shows no progress for this long is stopped and retried. Default 90000 ms. */
  stallTimeoutMs: number;
  /** How often to look. Default 5000 ms (or a quarter of the stall timeout if that is shorter). */
  checkEveryMs: number;
}

export interface Watched {
  snapshot(): WorkerView[];
  abortTask(workerId: number, failure: TaskFailure): boolean;
}

/** Finds workers stuck in one step (a hung page, a popup that never comes) and stops their task. */
export class Watchdog {
  readonly options: WatchdogOptions;
  #pool: Watched;
  #onStall: (view: WorkerView) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    pool: Watched,
    options: Partial<WatchdogOptions> = {},
    onStall: (view: WorkerView) => void = () => undefined,
  ) {
    const stallTimeoutMs = options.stallTimeoutMs ?? 90_000;
    this.options = { stallTimeoutMs, checkEveryMs: options.checkEveryMs ?? Math.min(5000, stallTimeoutMs / 4) };
    this.#pool = pool;
    this.#onStall = onStall;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.check(), this.options.checkEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look at every worker. */
  check(now = Date.now()): void {
    for (const view of this.#pool.snapshot()) {
      if (view.state !== 'working' || now - view.since < this.options.stallTimeoutMs) continue;
      const seconds = Math.round((now - view.since) / 1000);
      const failure = new TaskFailure('transient', `no progress for ${seconds} s in step "${view.step ?? 'unknown'}"`);
      if (this.#pool.abortTask(view.id, failure)) this.#onStall(view);
    }
  }
}

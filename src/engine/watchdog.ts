import { TaskFailure } from './failure.ts';
import type { StepTimings } from './step-timing.ts';
import type { WorkerView } from './worker-pool.ts';

export interface Watched {
  snapshot(): WorkerView[];
  abortTask(workerId: number, failure: TaskFailure): boolean;
}

export interface Hang {
  view: WorkerView;
  waitedMs: number;
  limitMs: number;
}

/**
 * Finds workers stuck in one step (an answer that never comes, a popup that never opens) and stops
 * their task as a hang. How long a step may take comes from that step's own observed timings.
 */
export class Watchdog {
  readonly checkEveryMs: number;
  #pool: Watched;
  #timings: StepTimings;
  #onHang: (hang: Hang) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    pool: Watched,
    timings: StepTimings,
    onHang: (hang: Hang) => void = () => undefined,
    checkEveryMs = 1000,
  ) {
    this.#pool = pool;
    this.#timings = timings;
    this.#onHang = onHang;
    this.checkEveryMs = checkEveryMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.check(), this.checkEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One look at every worker. */
  check(now = Date.now()): void {
    for (const view of this.#pool.snapshot()) {
      if (view.state !== 'working' || view.inLine) continue;
      const step = view.step ?? 'unknown';
      const waitedMs = now - view.since;
      const limitMs = this.#timings.limitMs(step);
      if (waitedMs < limitMs) continue;
      const seconds = Math.round(waitedMs / 1000);
      const failure = view.ownStep
        ? new TaskFailure('internal', `bookout's own step "${step}" took ${seconds} s`)
        : new TaskFailure('hang', `no answer for ${seconds} s in step "${step}"`);
      if (this.#pool.abortTask(view.id, failure)) this.#onHang({ view, waitedMs, limitMs });
    }
  }
}

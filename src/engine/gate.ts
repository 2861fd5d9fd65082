import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds every worker back while a shared recovery runs or while the server asked us to wait.
 *
 * Recoveries are numbered by epoch: a failure observed by a task that started before the latest
 * recovery is assumed to be caused by what that recovery already fixed, so it does not trigger
 * another one. This is what turns eight tabs seeing one expired session into one login.
 */
export class RecoveryGate {
  #epoch = 0;
  #running: Promise<void> | null = null;
  #throttledUntil = 0;

  /** Increases after each recovery. A task remembers the epoch it started in. */
  get epoch(): number {
    return this.#epoch;
  }

  get isRecovering(): boolean {
    return this.#running !== null;
  }

  get throttledUntil(): number {
    return this.#throttledUntil;
  }

  /** Resolves when workers may go on; rejects only when `signal` aborts. */
  async pass(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#running) {
        await untilAborted(
          this.#running.catch(() => undefined),
          signal,
        );
        continue;
      }
      const wait = this.#throttledUntil - Date.now();
      if (wait <= 0) return;
      await sleep(wait, undefined, { signal });
    }
  }

  /**
   * Run `recover` once for a failure seen during `seenEpoch`. Callers whose failure predates the
   * latest recovery, or who arrive while one runs, just wait for it. Rejects if `recover` throws.
   */
  recover(seenEpoch: number, recover: () => Promise<void>): Promise<void> {
    if (this.#running) return this.#running;
    if (seenEpoch !== this.#epoch) return Promise.resolve();
    const running = (async () => {
      try {
        await recover();
      } finally {
        this.#epoch += 1;
        this.#running = null;
      }
    })();
    this.#running = running;
    return running;
  }

  /** Keep workers back for `ms` (for example a Retry-After). Never shortens an earlier wait. */
  throttle(ms: number): void {
    this.#throttledUntil = Math.max(this.#throttledUntil, Date.now() + ms);
  }
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself goes on). */
function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

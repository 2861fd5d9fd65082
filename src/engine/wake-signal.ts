import { setTimeout as sleep } from 'node:timers/promises';

/** Lets idle workers sleep until something changes (a task finished or was put back) or a time passes. */
export class WakeSignal {
  #waiters = new Set<() => void>();

  notify(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Resolves on `notify()`, after `timeoutMs` (when given), or when `signal` aborts. */
  async wait(timeoutMs: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const done = new AbortController();
    const wake = () => done.abort();
    this.#waiters.add(wake);
    signal.addEventListener('abort', wake, { once: true });
    try {
      await sleep(timeoutMs ?? 2 ** 31 - 1, undefined, { signal: done.signal });
    } catch {
      // woken up or aborted: both simply end the wait
    } finally {
      this.#waiters.delete(wake);
      signal.removeEventListener('abort', wake);
    }
  }
}

/**
 * A number of permits that several pools draw from (a total of slots across pools, as Crawlee's
 * shared concurrency does): a worker holds one while it has a slot, and waits for one otherwise.
 * Waiters are served first come, first served.
 */
export class SharedBudget {
  readonly size: number;
  #used = 0;
  #waiters: Array<{ grant: () => void }> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a budget needs at least 1 permit (got ${size})`);
    this.size = size;
  }

  /** Permits held now. */
  get used(): number {
    return this.#used;
  }

  /** Workers waiting for a permit now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once a permit is held; rejects (holding none) when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#used < this.size && this.#waiters.length === 0) {
      this.#used += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives a permit back: the longest waiter gets it at once. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#used = Math.max(0, this.#used - 1);
  }
}

/**
 * A number of permits that several holders draw from (a total of slots across pools, as Crawlee's
 * shared concurrency does; or the requests of one kind that tabs may have in flight at once): a holder
 * keeps one while it works, and waits for one otherwise. Waiters are served first come, first served.
 * The size may change: a larger one lets waiters in at once, a smaller one takes back permits as they
 * are given back.
 */
export class SharedBudget {
  #size: number;
  #used = 0;
  #waiters: Array<{ grant: () => void }> = [];

  /** `size`: a whole number of at least 1, or Infinity (no limit). */
  constructor(size: number) {
    this.#size = checkedSize(size);
  }

  get size(): number {
    return this.#size;
  }

  /** Permits held now. */
  get used(): number {
    return this.#used;
  }

  /** Holders waiting for a permit now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  resize(size: number): void {
    this.#size = checkedSize(size);
    this.#grantWhilePossible();
  }

  /** Resolves once a permit is held; rejects (holding none) when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#used < this.#size && this.#waiters.length === 0) {
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

  /** Gives a permit back: the longest waiter gets it at once (unless the size went down). */
  release(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#grantWhilePossible();
  }

  #grantWhilePossible(): void {
    while (this.#used < this.#size && this.#waiters.length > 0) {
      this.#used += 1;
      this.#waiters.shift()!.grant();
    }
  }
}

function checkedSize(size: number): number {
  if (size !== Number.POSITIVE_INFINITY && (!Number.isInteger(size) || size < 1))
    throw new RangeError(`a budget needs at least 1 permit (got ${size})`);
  return size;
}

/** At most `capacity` jobs at once; the rest wait in line (first come, first served). The capacity can change. */
export class Slots {
  #capacity: number;
  #running = 0;
  #waiting: Array<() => void> = [];
  #onChange: (running: number, waiting: number) => void;

  constructor(capacity: number, onChange: (running: number, waiting: number) => void = () => undefined) {
    this.#capacity = capacity;
    this.#onChange = onChange;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether a new job would have to wait. */
  get full(): boolean {
    return this.#running >= this.#capacity;
  }

  /** A lower capacity lets running jobs finish; a higher one admits waiting jobs at once. */
  setCapacity(capacity: number): void {
    this.#capacity = capacity;
    this.#admit();
  }

  async run<V>(job: () => Promise<V>): Promise<V> {
    if (this.full || this.#waiting.length > 0) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        this.#onChange(this.#running, this.#waiting.length);
      });
    } else {
      this.#running += 1;
    }
    this.#onChange(this.#running, this.#waiting.length);
    try {
      return await job();
    } finally {
      this.#running -= 1;
      this.#admit();
    }
  }

  /** Hands free slots to the first in line; each admitted job counts as running before it resumes. */
  #admit(): void {
    while (this.#running < this.#capacity && this.#waiting.length > 0) {
      this.#running += 1;
      this.#waiting.shift()!();
    }
  }
}

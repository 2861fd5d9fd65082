/** At most `capacity` jobs at once; the rest wait in line (first come, first served). */
export class Slots {
  #capacity: number;
  #running = 0;
  #waiting: Array<() => void> = [];
  #onChange: (running: number, waiting: number) => void;

  constructor(capacity: number, onChange: (running: number, waiting: number) => void = () => undefined) {
    this.#capacity = capacity;
    this.#onChange = onChange;
  }

  async run<V>(job: () => Promise<V>): Promise<V> {
    if (this.#running >= this.#capacity) {
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
      const next = this.#waiting.shift();
      if (next)
        next(); // the slot passes straight to the next in line
      else this.#running -= 1;
    }
  }
}

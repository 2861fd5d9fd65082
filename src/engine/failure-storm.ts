/** Counted failures within this window are seen together. */
const WINDOW_MS = 10_000;

/**
 * Tells one worker's bad luck from a server in trouble: when many workers fail within a few
 * seconds, the failures are the server's state, not the tasks'. Then every worker pauses with
 * growing backoff (as for an outage), and failures during the storm do not use up attempts.
 */
export class FailureStorm {
  #threshold: number;
  #backoff: (round: number) => number;
  #recent: number[] = [];
  #rounds = 0;
  #until = 0;
  #pauseMs = 0;

  constructor(workers: number, backoff: (round: number) => number) {
    this.#threshold = Math.max(3, Math.ceil(workers / 2));
    this.#backoff = backoff;
  }

  /** Records a counted failure. True when it starts a storm. */
  record(now: number): boolean {
    this.#recent = [...this.#recent.filter((at) => now - at < WINDOW_MS), now];
    if (this.#recent.length < this.#threshold || this.isRaging(now)) return false;
    this.#rounds = now - this.#until < WINDOW_MS * 3 ? this.#rounds + 1 : 1;
    this.#recent = [];
    this.#pauseMs = this.#backoff(this.#rounds);
    this.#until = now + this.#pauseMs;
    return true;
  }

  /** True during a storm's pause and shortly after it. */
  isRaging(now: number): boolean {
    return now < this.#until + WINDOW_MS;
  }

  /** How long every worker pauses for the current storm. */
  pauseMs(): number {
    return this.#pauseMs;
  }
}

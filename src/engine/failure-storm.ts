/** Attempts within this window are seen together. */
const WINDOW_MS = 10_000;
/** A storm is when at least this share of the recent attempts failed... */
const STORM_SHARE = 0.5;

/**
 * Tells bad luck from a server in trouble: a few percent of failed answers are normal and each is
 * retried on its own; when most of the recent attempts fail (and at least half the workers' worth),
 * the failures are the server's state, not the tasks'. Then every worker pauses with growing backoff
 * (as for an outage), and failures during the storm do not use up attempts.
 */
export class FailureStorm {
  #threshold: number;
  #backoff: (round: number) => number;
  #recent: Array<{ at: number; failed: boolean }> = [];
  #rounds = 0;
  #until = 0;
  #pauseMs = 0;

  constructor(workers: number, backoff: (round: number) => number) {
    this.#threshold = Math.max(3, Math.ceil(workers / 2));
    this.#backoff = backoff;
  }

  /** Records the outcome of an attempt (`failed`: a counted failure). True when it starts a storm. */
  record(now: number, failed: boolean): boolean {
    this.#recent = [...this.#recent.filter((attempt) => now - attempt.at < WINDOW_MS), { at: now, failed }];
    if (!failed || this.isRaging(now)) return false;
    const failures = this.#recent.filter((attempt) => attempt.failed).length;
    if (failures < this.#threshold || failures < STORM_SHARE * this.#recent.length) return false;
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

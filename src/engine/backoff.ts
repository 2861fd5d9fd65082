export interface BackoffOptions {
  /** Delay before the first retry. Default 5000 ms. */
  baseMs?: number;
  /** Upper bound of any delay. Default 120000 ms. */
  maxMs?: number;
  /** Random spread: the delay is scaled by a factor in [1 - jitter, 1]. Default 0.5. */
  jitter?: number;
}

/** Exponential backoff with jitter: base, 2 x base, 4 x base ... capped. `retry` is 1-based. */
export function exponentialBackoff(options: BackoffOptions = {}): (retry: number) => number {
  const { baseMs = 5000, maxMs = 120_000, jitter = 0.5 } = options;
  return (retry: number) => {
    const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
    return Math.round(raw * (1 - jitter * Math.random()));
  };
}

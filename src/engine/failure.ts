/**
 * How a failed task should be handled, by cause. Only the task's own causes and the server's use up
 * an attempt; a failure of the worker's resource or of the tool never does.
 *
 * - `permanent`   the task cannot be done (the server never serves it): report it, no retry.
 * - `transient`   the server gave a bad answer: retry later with backoff; counts as an attempt.
 * - `hang`        the server's answer did not come in time: replace the slot, retry; counts as an attempt.
 * - `slot`        the worker's own resource failed (an interrupted navigation, a closed or crashed tab):
 *                 replace it, retry at once, not counted.
 * - `internal`    a bug in the tool: reported, retried at once, not counted.
 * - `session`     the shared login is gone: pause every worker, recover once, retry (not counted).
 * - `throttled`   the server asked us to slow down: pause every worker for `retryAfterMs`, retry (not counted).
 * - `unavailable` the server cannot be reached: pause every worker until it answers again, retry (not counted).
 * - `browser`     the browser died: pause every worker, relaunch, retry (not counted).
 * - `fatal`       stop the whole run cleanly (state saved).
 *
 * Uncounted retries are bounded (`maxFreeRetries`): after that they count, so a real loop still ends.
 */
export type FailureKind =
  | 'transient'
  | 'hang'
  | 'permanent'
  | 'slot'
  | 'internal'
  | 'session'
  | 'throttled'
  | 'unavailable'
  | 'browser'
  | 'fatal';

/** Kinds whose recovery concerns every worker, not just the failed task. */
export type SharedFailureKind = Extract<FailureKind, 'session' | 'throttled' | 'unavailable' | 'browser'>;

export class TaskFailure extends Error {
  override name = 'TaskFailure';
  readonly kind: FailureKind;
  /** For `throttled`: how long the server asked us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(kind: FailureKind, message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isSharedKind(kind: FailureKind): kind is SharedFailureKind {
  return kind === 'session' || kind === 'throttled' || kind === 'unavailable' || kind === 'browser';
}

/** Kinds that use up one of the task's attempts. */
export function isCounted(kind: FailureKind): boolean {
  return kind === 'transient' || kind === 'hang';
}

/** The short message of any thrown value, first line only. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

/**
 * How a failed task should be handled. The engine decides what to do from the kind alone:
 *
 * - `transient`   retry the task later with backoff; counts as an attempt.
 * - `permanent`   do not retry; report it.
 * - `session`     the shared login is gone: pause every worker, recover once, retry (not counted).
 * - `throttled`   the server asked us to slow down: pause every worker for `retryAfterMs`, retry (not counted).
 * - `unavailable` the server cannot be reached: pause every worker until it answers again, retry (not counted).
 * - `browser`     the browser died: pause every worker, relaunch, retry (not counted).
 * - `fatal`       stop the whole run cleanly (state saved).
 */
export type FailureKind = 'transient' | 'permanent' | 'session' | 'throttled' | 'unavailable' | 'browser' | 'fatal';

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

/** The short message of any thrown value, first line only. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.trim() || 'unknown error';
}

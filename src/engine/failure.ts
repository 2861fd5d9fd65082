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
 * - `changed`     the server's pages are not what the tool knows (a page loaded, but something that must be on
 *                 it is not): retried later, not counted; several tasks in a row stop the run (`maxChangedInRow`).
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
  | 'changed'
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

/** "page.goto: ", "locator.click: ": the API call a library names before its own message. */
const API_CALL = /^[a-z][A-Za-z]*\.[a-z][A-Za-z]*: /;

/**
 * A library's error in the step's words: its first line, without the API call's name in front, the
 * address after "at", or the hints after ";". "page.goto: net::ERR_CONNECTION_REFUSED at
 * http://host/x" becomes "net::ERR_CONNECTION_REFUSED". Other messages keep their whole first line.
 */
export function briefMessage(text: string): string {
  const first = text.split('\n')[0]?.trim() ?? '';
  if (!API_CALL.test(first)) return first || 'unknown error';
  const brief = first
    .replace(API_CALL, '')
    .replace(/\s+at\s+[a-z][a-z0-9+.-]*:\/?\/?\S*.*$/i, '')
    .replace(/;.*$/, '')
    .replace(/[.\s]+$/, '');
  return brief || first;
}

/** The short message of any thrown value: its first line, a library's error in the step's words. */
export function messageOf(error: unknown): string {
  return briefMessage(error instanceof Error ? error.message : String(error));
}

/**
 * The whole text behind a failure (its cause's message, every line), for the log files, when it
 * says more than the failure's own message; undefined otherwise.
 */
export function technicalOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const text = (cause ?? error.message).trim();
  if (!text || error.message.includes(text)) return undefined;
  return text.replace(/\s*\n\s*/g, ' | ').slice(0, 2000);
}

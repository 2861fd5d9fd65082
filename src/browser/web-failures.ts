import { briefMessage, TaskFailure, messageOf } from '../engine/failure.ts';

/** Chromium and node network errors that mean "the server cannot be reached right now". */
const UNREACHABLE = new RegExp(
  [
    'ERR_CONNECTION_REFUSED',
    'ERR_CONNECTION_RESET',
    'ERR_CONNECTION_CLOSED',
    'ERR_CONNECTION_TIMED_OUT',
    'ERR_CONNECTION_ABORTED',
    'ERR_CONNECTION_FAILED',
    'ERR_EMPTY_RESPONSE',
    'ERR_ADDRESS_UNREACHABLE',
    'ERR_NAME_NOT_RESOLVED',
    'ERR_INTERNET_DISCONNECTED',
    'ERR_NETWORK_CHANGED',
    'ERR_SOCKET_NOT_CONNECTED',
    'ERR_TUNNEL_CONNECTION_FAILED',
    'ECONNREFUSED',
    'ECONNRESET',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
    'socket hang up',
  ].join('|'),
);
const BROWSER_GONE =
  /Target page, context or browser has been closed|Browser has been closed|browser has disconnected|Target closed|has been closed/i;
/** The tab's own machinery failed: a navigation replaced by another, a frame or context gone, a crash. */
const TAB_TROUBLE =
  /interrupted by another navigation|frame was detached|Execution context was destroyed|Cannot find context|Target crashed|Page crashed|page has been closed|Navigation failed because page crashed/i;
/** Errors thrown by a Playwright API call, as opposed to bookout's own code. */
const PLAYWRIGHT_CALL = /^(page|frame|locator|elementHandle|browserContext|browser|apiRequestContext|download)\.\w+:/;
const CODE_BUG = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);

/** Delay asked for by a Retry-After header (seconds or an HTTP date), in ms. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** An error answer of the server itself (5xx): what its server did, whatever was asked. */
export class ServerError extends TaskFailure {
  override name = 'ServerError';
  readonly status: number;

  constructor(status: number, message: string) {
    super('transient', message);
    this.status = status;
  }
}

/** What an HTTP error status means for the task; null for success. */
export function failureFromStatus(status: number, headers: Record<string, string>, what: string): TaskFailure | null {
  if (status < 400) return null;
  if (status === 429 || status === 503) {
    const wait = retryAfterMs(headers['retry-after']);
    if (status === 429 || wait !== undefined) {
      const message = `${what}: HTTP ${status}, asked to wait ${Math.round((wait ?? 0) / 1000)} s`;
      return new TaskFailure('throttled', message, { retryAfterMs: wait });
    }
  }
  if (status === 401 || status === 403) return new TaskFailure('session', `${what}: HTTP ${status} (not signed in)`);
  if (status >= 500) return new ServerError(status, `${what}: HTTP ${status}`);
  return new TaskFailure('transient', `${what}: HTTP ${status}`);
}

export function failureFromNetworkError(errorText: string, what: string, cause?: unknown): TaskFailure {
  const options = { cause };
  if (UNREACHABLE.test(errorText)) {
    return new TaskFailure(
      'unavailable',
      `${what}: the portal cannot be reached (${shortNetError(errorText)})`,
      options,
    );
  }
  if (/Timeout \d+ms exceeded|ERR_TIMED_OUT/.test(errorText)) {
    return new TaskFailure('hang', `${what}: no answer in time (${shortNetError(errorText)})`, options);
  }
  return new TaskFailure('transient', `${what}: ${shortNetError(errorText)}`, options);
}

function shortNetError(text: string): string {
  return text.match(/net::[A-Z_]+|E[A-Z]{4,}|Timeout \d+ms exceeded/)?.[0] ?? briefMessage(text);
}

/**
 * Turns an unexpected error into a TaskFailure by its cause. `browserAlive` tells a closed tab
 * (our own doing, or a crashed renderer) from a dead browser.
 */
export function classifyBrowserError(error: unknown, browserAlive: boolean): TaskFailure {
  if (error instanceof TaskFailure) return error;
  // Told apart by the library's own first line; said in the step's words.
  const raw = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const message = messageOf(error);
  const options = { cause: error };
  if (!browserAlive) return new TaskFailure('browser', `the browser stopped (${message})`, options);
  if (error instanceof Error && CODE_BUG.has(error.name)) {
    return new TaskFailure('internal', `internal error (please report it): ${message}`, options);
  }
  if (UNREACHABLE.test(raw)) return failureFromNetworkError(raw, 'request failed', error);
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new TaskFailure('hang', `no answer in time: ${message}`, options);
  }
  if (TAB_TROUBLE.test(raw) || BROWSER_GONE.test(raw)) {
    return new TaskFailure('slot', `the tab failed (${message})`, options);
  }
  if (PLAYWRIGHT_CALL.test(raw)) return new TaskFailure('slot', `the tab failed (${message})`, options);
  return new TaskFailure('internal', `internal error (please report it): ${message}`, options);
}

import { TaskFailure, messageOf } from '../engine/failure.ts';

/** Chromium network errors that mean "the server cannot be reached right now". */
const UNREACHABLE =
  /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_CONNECTION_TIMED_OUT|ERR_EMPTY_RESPONSE|ERR_ADDRESS_UNREACHABLE|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|ERR_TUNNEL_CONNECTION_FAILED|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|socket hang up/;
const BROWSER_GONE =
  /Target page, context or browser has been closed|Browser has been closed|browser has disconnected|Target closed|has been closed/i;

/** Delay asked for by a Retry-After header (seconds or an HTTP date), in ms. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What an HTTP error status means for the task; null for success. */
export function failureFromStatus(status: number, headers: Record<string, string>, what: string): TaskFailure | null {
  if (status < 400) return null;
  if (status === 429 || status === 503) {
    const wait = retryAfterMs(headers['retry-after']);
    if (status === 429 || wait !== undefined)
      return new TaskFailure(
        'throttled',
        `${what}: HTTP ${status}, asked to wait ${Math.round((wait ?? 0) / 1000)} s`,
        { retryAfterMs: wait },
      );
  }
  if (status === 401 || status === 403) return new TaskFailure('session', `${what}: HTTP ${status} (not signed in)`);
  return new TaskFailure('transient', `${what}: HTTP ${status}`);
}

export function failureFromNetworkError(errorText: string, what: string): TaskFailure {
  if (UNREACHABLE.test(errorText))
    return new TaskFailure('unavailable', `${what}: the portal cannot be reached (${shortNetError(errorText)})`);
  return new TaskFailure('transient', `${what}: ${shortNetError(errorText)}`);
}

function shortNetError(text: string): string {
  return text.match(/net::[A-Z_]+|E[A-Z]{4,}/)?.[0] ?? text.split('\n')[0] ?? text;
}

/**
 * Turns an unexpected error from Playwright into a TaskFailure. `browserAlive` tells a closed tab
 * (our own doing, or a crashed renderer) from a dead browser.
 */
export function classifyBrowserError(error: unknown, browserAlive: boolean): TaskFailure {
  if (error instanceof TaskFailure) return error;
  const message = messageOf(error);
  if (!browserAlive) return new TaskFailure('browser', `the browser stopped (${message})`, { cause: error });
  if (UNREACHABLE.test(message)) return failureFromNetworkError(message, 'request failed');
  if (error instanceof Error && error.name === 'TimeoutError')
    return new TaskFailure('transient', `timed out: ${message}`, { cause: error });
  if (BROWSER_GONE.test(message))
    return new TaskFailure('transient', `the tab was closed (${message})`, { cause: error });
  return new TaskFailure('transient', message, { cause: error });
}

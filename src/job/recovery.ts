import type { AccountBrowser } from '../browser/browser-host.ts';
import { TaskFailure, technicalOf, type FailureKind } from '../engine/failure.ts';
import { pause, raceAbort } from '../engine/time-limits.ts';
import type { RecoveryHooks } from '../engine/types.ts';
import { UserError } from '../errors.ts';
import type { Portal } from '../portal/portal.ts';
import type { Log } from '../ui/console.ts';
import {
  MAX_OUTAGE_MS,
  MAX_SESSION_RECOVERIES,
  SETUP_ATTEMPTS,
  SETUP_BROWSER_RESTARTS,
  SETUP_THROTTLED_TRIES,
} from './policy.ts';

export interface RecoveryDeps {
  portal: Portal;
  host: AccountBrowser;
  log: Log;
  /** Aborted on Ctrl-C: every wait ends at once. */
  stopSignal: AbortSignal;
  retryDelayMs: (retry: number) => number;
  classify: (error: unknown) => TaskFailure;
  /** Counts a recovery in the run's counters. */
  count: (counter: 'session_recoveries' | 'browser_restarts') => void;
}

/** How many times a step may meet each kind of failure before it gives up. */
const TRIES: Partial<Record<FailureKind, number>> = {
  throttled: SETUP_THROTTLED_TRIES,
  browser: SETUP_BROWSER_RESTARTS,
  unavailable: Number.POSITIVE_INFINITY, // bounded by MAX_OUTAGE_MS instead
};

/**
 * One policy for everything done while the tabs wait or before they start (sign-in, the export,
 * the shared recoveries of the engine): errors of the portal are retried with backoff, a 429 as
 * slowly as it asks, an outage is waited out, a dead browser is restarted. Only a refused login,
 * a fatal problem or Ctrl-C ends it.
 */
export class RecoveryPolicy {
  #deps: RecoveryDeps;
  #sessionRecoveries = 0;

  constructor(deps: RecoveryDeps) {
    this.#deps = deps;
  }

  /** Delay before retry number n (1-based), of a step or of a vehicle. */
  get retryDelayMs(): (retry: number) => number {
    return this.#deps.retryDelayMs;
  }

  /** Runs `step` until it works or a failure is final. */
  async persist<V>(what: string, step: () => Promise<V>): Promise<V> {
    const seen = new Map<FailureKind, number>();
    for (;;) {
      try {
        return await raceAbort(step(), this.#deps.stopSignal); // Ctrl-C ends a hung step at once
      } catch (error) {
        const failure = this.#final(error, seen);
        this.#deps.log.warn(`${what} failed (${failure.message}); trying again`, {
          cause: failure.kind,
          technical: technicalOf(failure),
        });
        await this.#remedy(failure, seen.get(failure.kind) ?? 1);
      }
    }
  }

  /** The failure, counted; throws when it is final. */
  #final(error: unknown, seen: Map<FailureKind, number>): TaskFailure {
    if (error instanceof UserError) throw error;
    const failure = this.#deps.classify(error);
    const count = (seen.get(failure.kind) ?? 0) + 1;
    seen.set(failure.kind, count);
    const stopped = this.#deps.stopSignal.aborted;
    // A page without what bookout knows of it will not grow it by trying again.
    if (stopped || ['fatal', 'permanent', 'changed'].includes(failure.kind)) throw failure;
    if (count >= (TRIES[failure.kind] ?? SETUP_ATTEMPTS)) throw failure;
    return failure;
  }

  async #remedy(failure: TaskFailure, times: number): Promise<void> {
    if (failure.kind === 'unavailable') return this.waitForPortal();
    if (failure.kind === 'browser') return this.#relaunch();
    const wait = failure.kind === 'throttled' ? failure.retryAfterMs : undefined;
    await pause(wait ?? this.#deps.retryDelayMs(times), this.#deps.stopSignal);
    this.#deps.stopSignal.throwIfAborted();
  }

  /** Until the portal answers again; fatal after MAX_OUTAGE_MS, at once on Ctrl-C. */
  waitForPortal(): Promise<void> {
    return this.#deps.portal.waitUntilReachable(MAX_OUTAGE_MS, this.#deps.stopSignal);
  }

  async #relaunch(): Promise<void> {
    this.#deps.count('browser_restarts');
    await this.#deps.host.relaunch();
    this.#deps.log.info('browser restarted with the same session');
  }

  /** The engine's shared recoveries, each run through the same policy. */
  hooks(): RecoveryHooks {
    const { portal, log } = this.#deps;
    return {
      session: async () => {
        this.#countSessionRecovery();
        await this.persist('signing in again', async () => {
          const result = await portal.recover();
          log.info(result === 'logged-in' ? 'signed in again; all tabs resume' : 'session checked; all tabs resume');
        });
      },
      unavailable: () =>
        this.persist('waiting for the portal', async () => {
          await this.waitForPortal();
          log.info('the portal answers again; all tabs resume');
          await portal.signIn();
        }),
      browser: async () => {
        await this.persist('restarting the browser', () => this.#relaunch());
        await this.persist('signing in after the browser restart', () => portal.signIn());
      },
    };
  }

  #countSessionRecovery(): void {
    this.#sessionRecoveries += 1;
    this.#deps.count('session_recoveries');
    if (this.#sessionRecoveries > MAX_SESSION_RECOVERIES) {
      throw new TaskFailure('fatal', `the portal session ended ${MAX_SESSION_RECOVERIES} times in this run; stopping`);
    }
  }
}

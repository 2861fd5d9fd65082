import type { AccountBrowser } from '../browser/browser-host.ts';
import type { Settings } from '../config/settings.ts';
import { exponentialBackoff } from '../engine/backoff.ts';
import { RequestGate } from '../engine/request-gate.ts';
import { messageOf, type TaskFailure } from '../engine/failure.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import type { Portal, PortalDeps, PortalKind } from '../portal/portal.ts';
import type { Log } from '../ui/console.ts';
import { LOGOUT_WITHIN_MS, QUICK_LOGOUT_WITHIN_MS, STOP_LOGOUT_WITHIN_MS } from './policy.ts';
import { RecoveryPolicy } from './recovery.ts';
import { tell, type RunObserver } from './run-observer.ts';
import type { SessionKeeper } from './session-keeper.ts';

export interface PortalSessionDeps {
  settings: Settings;
  portalKind: PortalKind;
  host: AccountBrowser;
  keeper: SessionKeeper;
  ledger: RunLedger;
  log: Log;
  stopSignal: AbortSignal;
  classify: (error: unknown) => TaskFailure;
  observer?: RunObserver;
}

/**
 * The portal of one run on its browser, and the portal session's life: the browser started, the
 * saved session restored, signed in, and at the end always logged out (also after errors and
 * Ctrl-C) before the browser closes.
 */
export class PortalSession {
  readonly portal: Portal;
  readonly recovery: RecoveryPolicy;
  /** The portal's costliest requests (its PDFs) pass it: WORKERS=auto caps them (see RequestGate). */
  readonly requestGate: RequestGate;
  #deps: PortalSessionDeps;

  private constructor(deps: PortalSessionDeps, portal: Portal, requestGate: RequestGate) {
    this.#deps = deps;
    this.portal = portal;
    this.requestGate = requestGate;
    const { host, log, ledger, settings } = deps;
    this.recovery = new RecoveryPolicy({
      portal,
      host,
      log,
      stopSignal: deps.stopSignal,
      retryDelayMs: exponentialBackoff({ baseMs: settings.retryDelayMs }),
      classify: deps.classify,
      count: (counter) => {
        const kind = counter === 'session_recoveries' ? 'session' : 'browser';
        void Promise.all([ledger.increment(counter), ledger.recordIncident(kind)]).catch((error) =>
          log.detail(`could not count ${counter} in the ledger (${messageOf(error)})`),
        );
      },
    });
  }

  /** The portal of the run's browser (not started yet: see `start`). */
  static async open(deps: PortalSessionDeps): Promise<PortalSession> {
    const onLimit = (limit: number, before: number) =>
      deps.log.detail(
        `PDF requests in flight: at most ${limit} (${Number.isFinite(before) ? before : 'no limit'} before)`,
      );
    const gate = new RequestGate({ name: 'PDF requests', onLimit });
    const portal = await deps.portalKind.open(portalDeps(deps.settings, deps.host, deps.keeper, deps.log, gate));
    return new PortalSession(deps, portal, gate);
  }

  /** The browser started, with the saved session's cookies back in it. */
  async start(): Promise<void> {
    const { host, keeper } = this.#deps;
    await this.recovery.persist('starting the browser', () => host.ensureStarted());
    await keeper.restore();
  }

  /** Signs in (or finds the saved session alive), with the recovery's retries. */
  signIn(): Promise<void> {
    return this.recovery.persist('signing in', async () => {
      const { keeper, log, observer } = this.#deps;
      const result = await this.portal.signIn();
      if (result === 'already')
        log.info('the portal session opened earlier is still alive; continuing with it (no new login)');
      await keeper.save();
      keeper.start();
      tell(observer, (o) => o.signedIn?.(result === 'logged-in'));
    });
  }
}

/**
 * What a portal is opened with on `host`: the account's settings, its browser, its session's keeper,
 * and the gate of its costliest requests (none that ever limits them by default).
 */
export function portalDeps(
  settings: Settings,
  host: AccountBrowser,
  keeper: SessionKeeper,
  log: Log,
  requestGate = new RequestGate(),
): PortalDeps {
  return {
    origin: settings.portalUrl,
    credentials: { username: settings.username, password: settings.password },
    context: () => host.context,
    interceptor: host.interceptor,
    isBrowserAlive: () => host.isAlive(),
    events: {
      info: (text) => log.info(text),
      loginSent: () => keeper.loginTried(),
      sessionOpened: () => keeper.save(),
    },
    stepTimeoutMs: settings.taskTimeoutMs,
    requestGate,
  };
}

/** Logout always (also after errors and Ctrl-C), then close the browser. `portal` is undefined when it never opened. */
export async function shutDown(
  deps: Pick<PortalSessionDeps, 'host' | 'keeper' | 'log' | 'stopSignal'>,
  portal: Portal | undefined,
): Promise<void> {
  const { host, keeper, log } = deps;
  keeper.stop();
  try {
    if (host.isAlive() && keeper.mayHaveSession) {
      await portal?.logout(deps.stopSignal.aborted ? STOP_LOGOUT_WITHIN_MS : LOGOUT_WITHIN_MS);
      await keeper.forget();
    }
  } catch (error) {
    log.warn(`could not log out (${messageOf(error)}); the next run takes the session back`);
  } finally {
    await host.close();
  }
}

/** The user quits at once: one quick logout attempt; the session stays saved when it fails. */
export async function quickLogout(host: AccountBrowser, keeper: SessionKeeper, portal: Portal | undefined) {
  try {
    if (host.isAlive() && portal && keeper.mayHaveSession) {
      await portal.logout(QUICK_LOGOUT_WITHIN_MS);
      await keeper.forget();
    }
  } catch {
    // the session stays saved: the next run takes it back
  }
}

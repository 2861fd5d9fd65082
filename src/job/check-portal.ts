import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BrowserHost } from '../browser/browser-host.ts';
import { claimScratchFolder, releaseScratchFolder } from '../browser/scratch-folder.ts';
import type { Settings } from '../config/settings.ts';
import { messageOf } from '../engine/failure.ts';
import { ExitCode, UserError } from '../errors.ts';
import { provePdf } from '../pdf/prove-pdf.ts';
import type { Portal, PortalCheck, PortalKind } from '../portal/portal.ts';
import { SessionStore } from '../session/session-store.ts';
import { userStateFolder } from '../session/state-folder.ts';
import { Log, type ConsoleOutput } from '../ui/console.ts';
import { LOGOUT_WITHIN_MS, QUICK_LOGOUT_WITHIN_MS, STOP_LOGOUT_WITHIN_MS } from './policy.ts';
import { portalDeps } from './portal-session.ts';
import { SessionKeeper } from './session-keeper.ts';

export interface CheckPortalRequest {
  settings: Settings;
  portalKind: PortalKind;
  output: ConsoleOutput;
  /** Keeps the inventory export and the report PDF in this folder; without it nothing is kept. */
  keepIn?: string;
  /** Aborting it stops the check (it still logs out). */
  stopSignal?: AbortSignal;
  /** Registers the last steps to take when the user quits at once (a second Ctrl-C). */
  onQuit?: (last: () => Promise<void>) => void;
  /** Each step of the check as it starts. */
  stepStarted?: (name: string) => void;
}

export interface CheckOutcome {
  /** Null when the check was stopped before it had anything to say. */
  check: PortalCheck | null;
  exitCode: number;
  /** The verdict in a sentence. */
  message: string;
  /** Files kept in `keepIn`. */
  kept: string[];
  /** Logging out at the end failed, and why (the next run takes the session back). */
  logoutProblem?: string;
}

/**
 * `bookout check`: one login, the portal's pages once through (see Portal.check), one logout, in
 * a browser of its own. Writes nothing but the user's session store and, with `keepIn`, the export
 * and the PDF.
 */
export async function checkPortal(request: CheckPortalRequest): Promise<CheckOutcome> {
  const { settings, output } = request;
  output.redactor.add([settings.password, settings.username]);
  const keepIn = request.keepIn === undefined ? undefined : resolve(request.keepIn);
  if (keepIn) ensureFolder(keepIn);
  const scratch = claimScratchFolder();
  const host = new BrowserHost({
    headless: settings.headless,
    executablePath: settings.browserPath,
    scratchFolder: scratch,
  });
  const log = new Log(output.redactor);
  const keeper = new SessionKeeper(
    new SessionStore(userStateFolder(), settings.portalUrl, settings.username),
    host,
    log,
  );
  const stopSignal = request.stopSignal ?? new AbortController().signal;
  let portal: Portal | undefined;
  let check: PortalCheck | null = null;
  const outcome: Omit<CheckOutcome, 'check' | 'kept'> = {
    exitCode: ExitCode.interrupted,
    message: 'stopped on request',
  };
  request.onQuit?.(async () => {
    if (portal && host.isAlive() && keeper.mayHaveSession) await portal.logout(QUICK_LOGOUT_WITHIN_MS);
    keeper.forget();
  });
  try {
    const opened = await request.portalKind.open(portalDeps(settings, host, keeper, log));
    portal = opened;
    await host.start();
    await keeper.restore();
    const identity = opened.reportIdentity;
    const checkOnce = () =>
      opened.check({
        csvFile: join(keepIn ?? scratch, 'inventory.csv'),
        prove: async (pdf, reference) => {
          const proof = await provePdf(pdf, reference, identity);
          return proof.ok ? null : proof.reason;
        },
        signal: stopSignal,
        logoutWithinMs: LOGOUT_WITHIN_MS,
        stepStarted: request.stepStarted,
      });
    check = await checkOnceMore(checkOnce, { host, keeper, stopSignal });
    if (check.loggedOut) keeper.forget();
    Object.assign(outcome, verdictOf(check));
    const logout = check.steps.find((step) => step.name === 'logging out');
    if (logout && !logout.ok) outcome.logoutProblem = logout.detail;
  } catch (error) {
    if (!stopSignal.aborted) throw error;
  } finally {
    // The check logs out itself; this is for a check that could not (stopped, a refused login, a bug).
    if (!check) outcome.logoutProblem = await logOut(portal, host, keeper, stopSignal.aborted);
    await host.close();
    releaseScratchFolder(scratch);
  }
  return { ...outcome, check, kept: keepIn && check ? await keep(check, keepIn) : [] };
}

/**
 * The check, run once more in a new browser when the browser ended by itself before a login was
 * sent (a busy machine can lose it at start): nothing of the portal was checked yet, and the
 * check still logs in once. A browser lost after the login ends the check with what it found.
 */
async function checkOnceMore(
  checkOnce: () => Promise<PortalCheck>,
  parts: { host: BrowserHost; keeper: SessionKeeper; stopSignal: AbortSignal },
): Promise<PortalCheck> {
  const { host, keeper, stopSignal } = parts;
  const lostBeforeLogin = () => !stopSignal.aborted && !host.isAlive() && !keeper.loginSent;
  let lost: string;
  try {
    const check = await checkOnce();
    if (!lostBeforeLogin()) return check;
    lost = check.problem ?? 'the browser closed';
  } catch (error) {
    if (!lostBeforeLogin()) throw error;
    lost = messageOf(error);
  }
  await host.relaunch();
  try {
    const check = await checkOnce();
    check.notes.unshift(`the browser ended by itself before the login (${lost}); the check ran again in a new one`);
    return check;
  } catch (error) {
    if (!lostBeforeLogin()) throw error;
    throw new UserError(`the browser ended by itself twice before the login (${messageOf(error)})`, ExitCode.stopped);
  }
}

/** Logs out of what the check may have left open; the problem when that did not work. */
async function logOut(
  portal: Portal | undefined,
  host: BrowserHost,
  keeper: SessionKeeper,
  stopped: boolean,
): Promise<string | undefined> {
  if (!portal || !host.isAlive() || !keeper.mayHaveSession) return undefined;
  try {
    await portal.logout(stopped ? STOP_LOGOUT_WITHIN_MS : LOGOUT_WITHIN_MS);
    keeper.forget();
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

function verdictOf(check: PortalCheck): Omit<CheckOutcome, 'check' | 'kept'> {
  const differing = check.facts.filter((fact) => fact.status === 'not found' || fact.status === 'different');
  if (differing.length > 0) {
    const names = differing.map((fact) => fact.what).join('; ');
    const count = differing.length === 1 ? 'one fact is' : `${differing.length} facts are`;
    return {
      exitCode: ExitCode.portalChanged,
      message: `the portal has changed: ${count} not as bookout knows it (${names}); bookout needs an update before the next run`,
    };
  }
  if (check.problem) {
    return { exitCode: ExitCode.stopped, message: `the check could not finish: ${check.problem}; run it again` };
  }
  return {
    exitCode: ExitCode.ok,
    message: 'every fact bookout relies on was found: the portal is as bookout knows it',
  };
}

/** The export (already in `folder`) and the report, as files the user asked to keep. */
async function keep(check: PortalCheck, folder: string): Promise<string[]> {
  const kept: string[] = [];
  if (check.csvSaved) kept.push(join(folder, 'inventory.csv'));
  if (check.pdf && check.reference) {
    const file = join(folder, `${check.reference.replace(/[^A-Za-z0-9-]/g, '_')}.pdf`);
    await writeFile(file, check.pdf);
    kept.push(file);
  }
  return kept;
}

function ensureFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UserError(
      `Cannot create the folder ${folder} (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}).`,
    );
  }
}

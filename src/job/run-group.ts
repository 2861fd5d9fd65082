import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserHost } from '../browser/browser-host.ts';
import { claimScratchFolder, releaseScratchFolder } from '../browser/scratch-folder.ts';
import type { Account } from '../config/accounts.ts';
import type { Settings } from '../config/settings.ts';
import { messageOf } from '../engine/failure.ts';
import { SharedBudget } from '../engine/shared-budget.ts';
import { ExitCode, UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { SqliteRunLedger } from '../ledger/run-ledger.ts';
import { chooseRunFolder, createRunFolder } from '../output/run-folders.ts';
import type { PortalKind } from '../portal/portal.ts';
import { SessionStore } from '../session/session-store.ts';
import { userStateFolder } from '../session/state-folder.ts';
import { KeepAwake, keepAwakePlan } from '../system/keep-awake.ts';
import { formatDuration } from '../text.ts';
import { LabelledOutput, type ConsoleOutput } from '../ui/console.ts';
import { runWith, type RunOutcome, type RunParts, type RunRequest } from './run-bookout.ts';

/** An account of the group with its password (resolved by the caller, never from the file). */
export interface GroupAccount extends Account {
  password: string;
}

export interface GroupRequest {
  /** The settings every account shares (timeouts, retries, the browser...); user and password are each account's. */
  settings: Settings;
  accounts: GroupAccount[];
  /** Tabs of all accounts together (MAX_WORKERS). */
  maxWorkers: number;
  portalKind: PortalKind;
  output: ConsoleOutput;
  forceNew?: boolean;
  stopSignal?: AbortSignal;
  onQuit?: (last: () => Promise<void>) => void;
}

export interface AccountResult {
  name: string;
  status: string;
  exitCode: number;
  message?: string;
  done: number;
  failed: number;
  remaining: number;
  ms: number;
  runFolder?: string;
}

export interface GroupOutcome {
  accounts: AccountResult[];
  /** The worst account's exit code (130 when stopped by Ctrl-C). */
  exitCode: number;
}

/** The settings of one account's run: the group's, with its user, password, portal, tabs and folder. */
export function accountSettings(settings: Settings, account: GroupAccount): Settings {
  return {
    ...settings,
    username: account.user,
    password: account.password,
    portalUrl: account.portalUrl ?? settings.portalUrl,
    workers: account.tabs ?? settings.workers,
    downloadFolder: join(account.out ?? settings.downloadFolder, account.name),
  };
}

/**
 * `bookout run --accounts FILE`: every account of a dealer group in this process, with one
 * browser: one context and one login per account, the tabs of all drawn from one budget, each
 * account in its own run folder with its own ledger and report. One account's fatal problem (a
 * wrong password, a lockout) ends that account only; the stop signal ends them all, each logging out.
 */
export async function runGroup(request: GroupRequest): Promise<GroupOutcome> {
  const { settings, output } = request;
  output.redactor.add(request.accounts.flatMap((account) => [account.password, account.user]));
  const scratchFolder = claimScratchFolder();
  const host = new BrowserHost({ headless: settings.headless, executablePath: settings.browserPath, scratchFolder });
  const budget = new SharedBudget(request.maxWorkers);
  const awake = settings.keepAwake ? keepAwakeFor() : undefined;
  const tabs = request.accounts.map((account) => account.tabs ?? settings.workers).join(' + ');
  output.line(
    `bookout: ${request.accounts.length} accounts (${request.accounts.map((account) => account.name).join(', ')}), ` +
      `one browser, ${request.maxWorkers} tabs shared (asked: ${tabs})`,
  );
  const results: AccountResult[] = [];
  try {
    // Every account needs a tab to make progress: at most as many run at once as there are tabs.
    const queue = [...request.accounts];
    const lanes = Array.from({ length: Math.min(request.maxWorkers, queue.length) }, async () => {
      for (let account = queue.shift(); account; account = queue.shift()) {
        if (request.stopSignal?.aborted) {
          results.push(notRun(account, 'stopped', ExitCode.interrupted, 'stopped before it started'));
          continue;
        }
        results.push(await runAccount(request, account, host, budget));
      }
    });
    await Promise.all(lanes);
  } finally {
    await host.close();
    releaseScratchFolder(scratchFolder);
    await awake?.stop();
  }
  const order = new Map(request.accounts.map((account, index) => [account.name, index]));
  results.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  printSummary(output, results);
  return { accounts: results, exitCode: groupExitCode(results) };
}

async function runAccount(
  request: GroupRequest,
  account: GroupAccount,
  host: BrowserHost,
  budget: SharedBudget,
): Promise<AccountResult> {
  const started = Date.now();
  const settings = accountSettings(request.settings, account);
  const output = new LabelledOutput(request.output, account.name);
  try {
    const chosen = chooseRunFolder(settings.downloadFolder, { forceNew: request.forceNew });
    const paths = createRunFolder(chosen.paths.root);
    const lock = RunLock.acquire(paths.lock);
    if (!lock) throw new UserError(`another bookout is already working on ${paths.root}`);
    let outcome: RunOutcome;
    try {
      const parts: RunParts = {
        paths,
        ledger: new SqliteRunLedger(Ledger.open(paths.ledger)),
        browser: host.openContext(),
        sessions: new SessionStore(userStateFolder(), settings.portalUrl, settings.username),
        budget,
        keepAwake: false,
        warnOnNetworkDrive: true,
      };
      const runRequest: RunRequest = {
        settings,
        portalKind: request.portalKind,
        output,
        progress: 'plain',
        stopSignal: request.stopSignal,
        onQuit: request.onQuit,
      };
      outcome = await runWith(runRequest, chosen.resumed, parts);
    } finally {
      lock.release();
    }
    // A new run that never got its inventory (a refused login, say) leaves no empty folder behind.
    if (!outcome.metrics && !chosen.resumed) rmSync(paths.root, { recursive: true, force: true });
    const metrics = outcome.metrics;
    return {
      name: account.name,
      status: outcome.status,
      exitCode: outcome.exitCode,
      message: outcome.message,
      done: metrics?.succeeded ?? 0,
      failed: metrics?.failed ?? 0,
      remaining: metrics?.remaining ?? 0,
      ms: Date.now() - started,
      runFolder: outcome.paths.root,
    };
  } catch (error) {
    const message = messageOf(error);
    output.line(`bookout: ${message}`);
    const exitCode = error instanceof UserError ? error.exitCode : ExitCode.stopped;
    return { ...notRun(account, 'failed', exitCode, message), ms: Date.now() - started };
  }
}

function notRun(account: Account, status: string, exitCode: number, message: string): AccountResult {
  return { name: account.name, status, exitCode, message, done: 0, failed: 0, remaining: 0, ms: 0 };
}

function keepAwakeFor(): KeepAwake | undefined {
  const plan = keepAwakePlan(process.platform, process.pid);
  return plan ? new KeepAwake(plan, () => undefined) : undefined;
}

/** Ctrl-C wins; else the worst exit code of the accounts (0 all done, 1 some vehicles failed, 3 a login refused...). */
export function groupExitCode(results: readonly AccountResult[]): number {
  if (results.some((result) => result.exitCode === ExitCode.interrupted)) return ExitCode.interrupted;
  return results.reduce((worst, result) => Math.max(worst, result.exitCode), 0);
}

/** One line per account: its result, vehicles done, failed and left, and its time. */
export function summaryLines(results: readonly AccountResult[]): string[] {
  const width = Math.max(7, ...results.map((result) => result.name.length));
  const header = `  ${'account'.padEnd(width)}  ${'result'.padEnd(9)} ${'done'.padStart(6)} ${'failed'.padStart(6)} ${'left'.padStart(6)}  time`;
  const lines = results.map((result) => {
    const why = result.exitCode > 1 && result.message ? `  ${result.message}` : '';
    return (
      `  ${result.name.padEnd(width)}  ${result.status.padEnd(9)} ${String(result.done).padStart(6)} ` +
      `${String(result.failed).padStart(6)} ${String(result.remaining).padStart(6)}  ${formatDuration(result.ms)}${why}`
    );
  });
  return [header, ...lines];
}

function printSummary(output: ConsoleOutput, results: readonly AccountResult[]): void {
  output.line();
  output.line(`bookout summary - ${results.length} accounts`);
  for (const line of summaryLines(results)) output.line(line);
}

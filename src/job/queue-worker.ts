import { join } from 'node:path';
import { BrowserHost } from '../browser/browser-host.ts';
import { claimScratchFolder, releaseScratchFolder } from '../browser/scratch-folder.ts';
import { accountHash, passwordOf, type Account } from '../config/accounts.ts';
import type { Keychain } from '../config/keychain.ts';
import type { Settings } from '../config/settings.ts';
import { messageOf } from '../engine/failure.ts';
import { SharedBudget } from '../engine/shared-budget.ts';
import { pause } from '../engine/time-limits.ts';
import { ExitCode, UserError } from '../errors.ts';
import { AccountQueue, type AccountJob, type JobOutcome, type QueueTiming } from '../ledger/job-queue.ts';
import { leaseOwner } from '../ledger/ledger-queue.ts';
import { describeQueue, PgStore, type RunHold } from '../ledger/pg-ledger.ts';
import { createRunFolder } from '../output/run-folders.ts';
import type { PortalKind } from '../portal/portal.ts';
import { LabelledOutput, type ConsoleOutput } from '../ui/console.ts';
import { runWith } from './run-bookout.ts';
import { accountSettings } from './run-group.ts';

export interface WorkerRequest {
  /** The settings every job shares (timeouts, retries, the browser...); user, password and folder are each job's. */
  settings: Settings;
  queueUrl: string;
  /** Tabs of this machine, for all the accounts it works on. */
  maxWorkers: number;
  /** Accounts this machine works on at once. */
  maxAccounts: number;
  /** This worker's name in the leases and on the console (default: the host name). */
  name?: string;
  portalKind: PortalKind;
  output: ConsoleOutput;
  /** Where each job's password is looked for: the environment (and .env), then the keychain. */
  env: Record<string, string | undefined>;
  keychain: Keychain;
  /** BOOKOUT_SESSION_KEY: seals the open sessions in the database with a key kept out of it. */
  sessionKey?: Buffer;
  timing?: QueueTiming;
  stopSignal: AbortSignal;
  onQuit?: (last: () => Promise<void>) => void;
}

/** How long a job waits for the run to be let go by a worker that was thought dead (its connection drops). */
const HOLD_WAIT_MS = 90_000;

/**
 * `bookout worker`: takes accounts' jobs from the queue until stopped, each in a context of this
 * machine's one browser, the tabs of all from one budget. A job's ledger and its open session are
 * in the database, its PDFs on the shared folder: a job whose worker died is continued by another
 * with nothing lost, and a vehicle proven on disk is never fetched again. Stopping (Ctrl-C) ends
 * every job cleanly (logout) and puts it back on the queue for any worker.
 */
export async function runWorker(request: WorkerRequest): Promise<number> {
  const { output, settings } = request;
  const where = describeQueue(request.queueUrl);
  const store = await PgStore.connect(request.queueUrl, { max: 4 + 2 * request.maxAccounts });
  let queue: AccountQueue | undefined;
  const scratchFolder = claimScratchFolder();
  const host = new BrowserHost({ headless: settings.headless, executablePath: settings.browserPath, scratchFolder });
  try {
    queue = await AccountQueue.open(request.queueUrl, {
      supervise: true,
      timing: request.timing,
      onError: (error) => output.line(`bookout worker: the queue: ${messageOf(error)}`),
    });
    const sessionKey = await store.sessionKey(request.sessionKey);
    const budget = new SharedBudget(request.maxWorkers);
    const name = request.name ?? leaseOwner().split('#')[0]!;
    output.line(
      `bookout worker ${name} on ${where}: up to ${request.maxAccounts} accounts at once, ${request.maxWorkers} tabs; Ctrl-C stops`,
    );
    await queue.work(request.maxAccounts, (data, job) =>
      workOn(request, { data, job, store, host, budget, sessionKey, name }),
    );
    await new Promise<void>((resolve) => {
      if (request.stopSignal.aborted) resolve();
      request.stopSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    output.line('bookout worker: stopping; the jobs in progress stop cleanly and go back to the queue');
    await queue.stop(60_000);
    queue = undefined;
    return ExitCode.ok;
  } finally {
    await queue?.stop(5000).catch(() => undefined);
    await host.close();
    releaseScratchFolder(scratchFolder);
    await store.close().catch(() => undefined);
  }
}

interface Work {
  data: AccountJob;
  job: { id: string; retryCount: number; signal: AbortSignal };
  store: PgStore;
  host: BrowserHost;
  budget: SharedBudget;
  sessionKey: Buffer;
  name: string;
}

/** One job: one account's run, on this worker, until it ends or the worker stops. */
async function workOn(request: WorkerRequest, work: Work): Promise<JobOutcome> {
  const { data, store } = work;
  const output = new LabelledOutput(request.output, data.account);
  // What is stored with the job passes the redactor too (it knows the job's user and password).
  const ended = (status: string, exitCode: number, message?: string): JobOutcome => ({
    status,
    exitCode,
    ...(message ? { message: output.clean(message) } : {}),
    done: 0,
    failed: 0,
    remaining: 0,
    worker: work.name,
  });
  const again = work.job.retryCount > 0 ? ` (attempt ${work.job.retryCount + 1}, continuing)` : '';
  output.line(`took the job of account ${data.account}, run ${data.run}${again}`);
  const account: Account = {
    name: data.account,
    user: data.user,
    passwordFrom: data.passwordFrom,
    portalUrl: data.portalUrl,
    ...(data.tabs ? { tabs: data.tabs } : {}),
    out: data.out,
  };
  let password: string;
  try {
    password = await passwordOf(account, data.portalUrl, request.env, request.keychain);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    output.line(`bookout: ${error.message}`);
    return ended('failed', ExitCode.badInput, error.message);
  }
  output.redactor.add([password, data.user]);
  const stop = AbortSignal.any([request.stopSignal, work.job.signal]);
  const runId = await store.run(data.account, data.run);
  const hold = await holdRun(store, runId, stop);
  if (!hold) {
    if (stop.aborted) throw new Error('the worker stopped before the run began; the job goes back to the queue');
    throw new Error(`run ${data.account}/${data.run} is still held by another worker; the job goes back to the queue`);
  }
  try {
    const settings = accountSettings(request.settings, { ...account, password });
    const ledger = store.ledger(runId, `run ${data.account}/${data.run} in ${describeQueue(request.queueUrl)}`);
    const resumed = await ledger.hasInventory();
    const outcome = await runWith(
      {
        settings: { ...settings, downloadFolder: join(data.out, data.account) },
        portalKind: request.portalKind,
        output,
        progress: 'plain',
        stopSignal: stop,
        onQuit: request.onQuit,
      },
      resumed,
      {
        paths: createRunFolder(join(data.out, data.account, data.run)),
        ledger,
        browser: work.host.openContext(),
        sessions: store.sessions(accountHash(data.portalUrl, data.user), work.sessionKey),
        budget: work.budget,
        keepAwake: false,
        // The shared folder is meant to be a network mount: the ledger is not on it.
        warnOnNetworkDrive: false,
        leaseHost: work.name,
      },
    );
    if (outcome.exitCode === ExitCode.interrupted)
      throw new Error(`stopped on this worker (${outcome.message ?? 'stop'}); the job goes back to the queue`);
    const metrics = outcome.metrics;
    return {
      ...ended(outcome.status, outcome.exitCode, outcome.message),
      done: metrics?.succeeded ?? 0,
      failed: metrics?.failed ?? 0,
      remaining: metrics?.remaining ?? 0,
    };
  } finally {
    await hold.release();
  }
}

/** The run for this process; waits while another worker (one thought dead) still holds it. */
async function holdRun(store: PgStore, runId: number, stop: AbortSignal): Promise<RunHold | null> {
  const deadline = Date.now() + HOLD_WAIT_MS;
  for (;;) {
    const hold = await store.holdRun(runId);
    if (hold || stop.aborted || Date.now() > deadline) return hold;
    await pause(2000, stop).catch(() => undefined);
  }
}

// The queue mode's commands: enqueue (one job per account), worker (on any number of machines),
// status --queue (every account's job and progress).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { accountHash, describeSource, readAccounts } from '../config/accounts.ts';
import { systemKeychain } from '../config/keychain.ts';
import { environmentOf, type Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { AccountQueue, type QueuedJob } from '../ledger/job-queue.ts';
import { describeQueue, PgStore, type RunRow } from '../ledger/pg-ledger.ts';
import { runWorker } from '../job/queue-worker.ts';
import { dateFolderName } from '../output/run-folders.ts';
import { valuesOnline } from '../portal/values-online/index.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { settingsFrom } from './program.ts';
import { interruptible } from './signals.ts';
import { asciiJson } from './status.ts';

/**
 * The queue's address: --queue, else BOOKOUT_QUEUE. A password in it on the command line would be
 * readable by every user of the machine (the process list): refused.
 */
export function queueUrl(flag: string | undefined, env: Record<string, string | undefined>): string {
  const url = flag ?? env.BOOKOUT_QUEUE;
  if (!url) throw new UserError('Name the queue database: --queue postgres://user@host/database (or BOOKOUT_QUEUE).');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError('The queue must be a PostgreSQL address such as postgres://bookout@db.example/bookout.');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new UserError('The queue must be a PostgreSQL address such as postgres://bookout@db.example/bookout.');
  if (flag !== undefined && parsed.password)
    throw new UserError(
      'The queue address on the command line holds a password, which every user of this machine could read: ' +
        'put the password in PGPASSWORD or ~/.pgpass (or the whole address in BOOKOUT_QUEUE).',
    );
  return url;
}

async function withStore<V>(url: string, work: (store: PgStore) => Promise<V>): Promise<V> {
  let store: PgStore;
  try {
    store = await PgStore.connect(url);
  } catch (error) {
    throw new UserError(`Cannot reach the queue database ${describeQueue(url)} (${(error as Error).message}).`, 4);
  }
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The run a new job of the account continues: its latest when unfinished, else a new one for today. */
export function runNameFor(runs: readonly RunRow[], forceNew: boolean, now = new Date()): string {
  const latest = runs[0];
  const unfinished = latest && (!latest.hasInventory || latest.counts.pending + latest.counts.leased > 0);
  if (latest && unfinished && !forceNew) return latest.name;
  const names = new Set(runs.map((run) => run.name));
  const today = dateFolderName(now);
  let name = today;
  for (let number = 2; names.has(name); number += 1) name = `${today} (${number})`;
  return name;
}

/** `bookout enqueue --accounts FILE --queue URL`: one job per account (not again while one is queued or running). */
export async function enqueueCommand(
  output: ConsoleOutput,
  command: Command,
  options: { accounts: string; queue?: string; new?: boolean },
): Promise<number> {
  const settings = settingsFrom(command);
  const env = environmentOf(command.opts().envFile as string | undefined);
  const url = queueUrl(options.queue, env);
  const accounts = readAccounts(options.accounts, { portalUrl: settings.portalUrl });
  return withStore(url, async (store) => {
    const queue = await AccountQueue.open(url, { supervise: false });
    try {
      for (const account of accounts) {
        const origin = account.portalUrl ?? settings.portalUrl;
        const out = resolve(account.out ?? settings.downloadFolder);
        const run = runNameFor(await store.runs(account.name), options.new === true);
        await store.run(account.name, run);
        const job = {
          account: account.name,
          user: account.user,
          portalUrl: origin,
          passwordFrom: account.passwordFrom,
          ...(account.tabs ? { tabs: account.tabs } : {}),
          out,
          run,
        };
        const id = await queue.enqueue(job, accountHash(origin, account.user));
        output.line(
          id
            ? `${account.name}: queued, run ${run} in ${out} (password from ${describeSource(account.passwordFrom)})`
            : `${account.name}: already queued or running; not queued again`,
        );
      }
    } finally {
      await queue.stop(1000);
    }
    output.line(`bookout: ${accounts.length} accounts on ${describeQueue(url)}; start workers with: bookout worker`);
    return 0;
  });
}

/** `bookout worker --queue URL`: takes jobs until Ctrl-C. */
export async function workerCommand(
  output: ConsoleOutput,
  command: Command,
  options: { queue?: string; maxAccounts?: string; name?: string },
): Promise<number> {
  const settings: Settings = settingsFrom(command);
  const env = environmentOf(command.opts().envFile as string | undefined);
  const url = queueUrl(options.queue, env);
  const maxAccounts = options.maxAccounts === undefined ? settings.maxWorkers : Number(options.maxAccounts);
  if (!Number.isInteger(maxAccounts) || maxAccounts < 1 || maxAccounts > 64)
    throw new UserError('--max-accounts must be a whole number from 1 to 64');
  if (options.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(options.name))
    throw new UserError('--name must be letters, digits, dots, dashes or underscores');
  const sessionKey = sessionKeyFrom(env.BOOKOUT_SESSION_KEY);
  return interruptible(output, async ({ stop, onQuit }) => {
    try {
      return await runWorker({
        settings,
        queueUrl: url,
        maxWorkers: settings.maxWorkers,
        maxAccounts: Math.min(maxAccounts, settings.maxWorkers),
        name: options.name,
        portalKind: valuesOnline,
        output,
        env,
        keychain: systemKeychain(),
        sessionKey,
        timing: timingFrom(env),
        stopSignal: stop,
        onQuit,
      });
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`The worker stopped: ${(error as Error).message}`, 4);
    }
  });
}

function sessionKeyFrom(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new UserError('BOOKOUT_SESSION_KEY must be 32 random bytes in base64 (openssl rand -base64 32).');
  return key;
}

/** The heartbeat and supervision of the queue; the tests shorten them (BOOKOUT_QUEUE_HEARTBEAT, BOOKOUT_QUEUE_SUPERVISE). */
function timingFrom(env: Record<string, string | undefined>) {
  const seconds = (name: string, fallback: number, min: number) => {
    const value = env[name];
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min)
      throw new UserError(`${name} must be a whole number of seconds, at least ${min}`);
    return number;
  };
  return {
    heartbeatSeconds: seconds('BOOKOUT_QUEUE_HEARTBEAT', 30, 10),
    superviseSeconds: seconds('BOOKOUT_QUEUE_SUPERVISE', 10, 1),
  };
}

export interface QueueAccountStatus {
  account: string;
  /** The latest job of the account: queued, retrying (its worker stopped or died), running, done, failed. */
  job: 'queued' | 'retrying' | 'running' | 'done' | 'failed' | 'cancelled' | 'none';
  run: string | null;
  attempts: number;
  workers: string[];
  counts: { total: number; done: number; failed: number; to_do: number } | null;
  result: { status: string; exit_code: number; message?: string } | null;
}

const JOB_STATE: Record<QueuedJob['state'], QueueAccountStatus['job']> = {
  created: 'queued',
  retry: 'retrying',
  active: 'running',
  completed: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Every account's latest job and its run's progress. */
export async function queueStatuses(url: string): Promise<QueueAccountStatus[]> {
  return withStore(url, async (store) => {
    const queue = await AccountQueue.open(url, { supervise: false });
    let jobs: QueuedJob[];
    try {
      jobs = await queue.jobs();
    } finally {
      await queue.stop(1000);
    }
    const latest = new Map<string, QueuedJob>();
    for (const job of jobs.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime()))
      latest.set(job.data.account, job);
    const runs = await store.runs();
    const statuses: QueueAccountStatus[] = [];
    for (const [account, job] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
      const run = runs.find((row) => row.account === account && row.name === job.data.run);
      const output = job.output && typeof job.output.exitCode === 'number' ? job.output : null;
      statuses.push({
        account,
        job: JOB_STATE[job.state],
        run: job.data.run,
        attempts: job.retryCount + (job.state === 'created' ? 0 : 1),
        workers: run && job.state === 'active' ? await store.workersOf(run.id) : [],
        counts: run
          ? {
              total: run.counts.total,
              done: run.counts.done,
              failed: run.counts.failed + run.counts.rejected,
              to_do: run.counts.pending + run.counts.leased,
            }
          : null,
        result: output
          ? {
              status: output.status ?? 'unknown',
              exit_code: output.exitCode!,
              ...(output.message ? { message: output.message } : {}),
            }
          : null,
      });
    }
    return statuses;
  });
}

/** `bookout status --queue URL`: a line per account (or one JSON list). */
export async function queueStatusCommand(
  output: ConsoleOutput,
  command: Command,
  options: { queue?: string; json?: boolean },
): Promise<number> {
  const env = environmentOf(command.opts().envFile as string | undefined);
  const statuses = await queueStatuses(queueUrl(options.queue, env));
  if (options.json) {
    output.write(`${asciiJson(statuses)}\n`);
    return 0;
  }
  if (statuses.length === 0)
    output.line('no account on the queue yet (bookout enqueue --accounts FILE puts them there)');
  for (const status of statuses) {
    const counts = status.counts;
    const progress = counts
      ? `, ${counts.done} of ${counts.total} done, ${counts.failed} failed, ${counts.to_do} to do`
      : '';
    const on = status.workers.length ? ` on ${status.workers.join(', ')}` : '';
    const result = status.result
      ? `, ${status.result.status}${status.result.message ? `: ${status.result.message}` : ''}`
      : '';
    output.line(`${status.account}: ${status.job}${on}, run ${status.run}${progress}${result}`);
  }
  return 0;
}

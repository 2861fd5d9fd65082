// The queue of the dealer group's accounts on PostgreSQL, with pg-boss: one job per account, at
// most one queued or running per user anywhere (its singleton key), heartbeats, and a dead
// worker's job failed by the supervisor and retried by another worker.
import { PgBoss, type Job } from 'pg-boss';
import type { PasswordSource } from '../config/accounts.ts';

export const QUEUE_NAME = 'bookout-accounts';

/** One account's night of work, as it goes on the queue. No password, no credential of any kind. */
export interface AccountJob {
  account: string;
  /** The portal user (its password is found by each worker, from its environment or keychain). */
  user: string;
  portalUrl: string;
  passwordFrom: PasswordSource;
  tabs?: number;
  /** The folder every worker can write (a shared mount) that holds `<account>/<run>/`. */
  out: string;
  /** The run folder's name, MM-DD-YYYY, and of the run's ledger in the database. */
  run: string;
}

/** How the job ended, stored with it. */
export interface JobOutcome {
  status: string;
  exitCode: number;
  message?: string;
  done: number;
  failed: number;
  remaining: number;
  worker: string;
}

export interface QueuedJob {
  id: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  data: AccountJob;
  retryCount: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
  output: Partial<JobOutcome> | null;
}

export interface QueueTiming {
  /** A running job's worker must show it is alive this often, or the job goes to another worker. */
  heartbeatSeconds: number;
  /** How often lost jobs are looked for. */
  superviseSeconds: number;
}

export const DEFAULT_TIMING: QueueTiming = { heartbeatSeconds: 30, superviseSeconds: 10 };
/** One account's night is a few hours; a job is never expired for its length, only for a lost heartbeat. */
const EXPIRE_IN_SECONDS = 20 * 3600;
/** Times a job may be taken again after its worker died or stopped before it is given up. */
const RETRY_LIMIT = 50;

export class AccountQueue {
  readonly boss: PgBoss;
  #timing: QueueTiming;

  private constructor(boss: PgBoss, timing: QueueTiming) {
    this.boss = boss;
    this.#timing = timing;
  }

  /** Connects (and installs pg-boss's schema on first use); `supervise`: this process looks for lost jobs. */
  static async open(
    url: string,
    options: { supervise: boolean; timing?: QueueTiming; onError?: (error: Error) => void },
  ): Promise<AccountQueue> {
    const timing = options.timing ?? DEFAULT_TIMING;
    const boss = new PgBoss({
      connectionString: url,
      application_name: 'bookout queue',
      supervise: options.supervise,
      schedule: false,
      superviseIntervalSeconds: timing.superviseSeconds,
      monitorIntervalSeconds: timing.superviseSeconds,
      max: 4,
    });
    boss.on('error', (error: Error) => options.onError?.(error));
    await boss.start();
    const queue = new AccountQueue(boss, timing);
    if (!(await boss.getQueue(QUEUE_NAME))) {
      try {
        await boss.createQueue(QUEUE_NAME, {
          policy: 'exclusive',
          expireInSeconds: EXPIRE_IN_SECONDS,
          heartbeatSeconds: timing.heartbeatSeconds,
          retryLimit: RETRY_LIMIT,
          retryDelay: 0,
          deleteAfterSeconds: 30 * 24 * 3600,
        });
      } catch (error) {
        if (!(await boss.getQueue(QUEUE_NAME))) throw error; // another process made it meanwhile: fine
      }
    }
    return queue;
  }

  /**
   * Puts an account's job on the queue; null when that user already has one queued or running
   * (the singleton key is the account's, so two jobs of one user never run at once anywhere).
   */
  enqueue(job: AccountJob, singletonKey: string): Promise<string | null> {
    return this.boss.send(QUEUE_NAME, job, {
      singletonKey,
      heartbeatSeconds: this.#timing.heartbeatSeconds,
      expireInSeconds: EXPIRE_IN_SECONDS,
      retryLimit: RETRY_LIMIT,
    });
  }

  /**
   * Takes jobs, `concurrency` at a time, until `stop()`. A handler that returns completes its job
   * with what it returned; one that throws puts it back for any worker (this one stopping, say).
   * `job.signal` aborts when this worker lost the job (its heartbeat went missing).
   */
  async work(
    concurrency: number,
    handler: (data: AccountJob, job: { id: string; retryCount: number; signal: AbortSignal }) => Promise<JobOutcome>,
  ): Promise<void> {
    await this.boss.work<AccountJob, JobOutcome>(
      QUEUE_NAME,
      { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 1 },
      async (jobs: Job<AccountJob>[]) => {
        const job = jobs[0]!;
        return handler(job.data, job);
      },
    );
  }

  /** Every job of the queue still kept, oldest first. */
  async jobs(): Promise<QueuedJob[]> {
    const jobs = await this.boss.findJobs<AccountJob>(QUEUE_NAME, { limit: 10_000 });
    return jobs.map((job) => ({
      id: job.id,
      state: job.state,
      data: job.data,
      retryCount: job.retryCount,
      createdOn: job.createdOn,
      startedOn: job.startedOn ?? null,
      completedOn: job.completedOn,
      output: (job.output as Partial<JobOutcome> | null) ?? null,
    }));
  }

  /** Stops taking jobs; the ones running are waited for up to `graceMs`. */
  stop(graceMs = 30_000): Promise<void> {
    return this.boss.stop({ graceful: true, timeout: graceMs, close: true });
  }
}

import { hostname } from 'node:os';
import type { TaskFailure } from '../engine/failure.ts';
import type { TaskQueue } from '../engine/types.ts';
import type { SavedPdf, VehicleTask } from '../records.ts';
import { Ledger, type Lease } from './ledger.ts';
import { SqliteRunLedger, type RunLedger } from './run-ledger.ts';

/**
 * The engine's task queue, backed by the ledger. `batchLimit` (MAX_DOWNLOADS) caps how many
 * different vehicles this invocation starts; their retries are still allowed.
 */
export class LedgerQueue implements TaskQueue<VehicleTask, SavedPdf> {
  #ledger: RunLedger;
  #batchLimit: number;
  #started = new Set<string>();
  #leasing: Promise<unknown> = Promise.resolve();

  constructor(ledger: RunLedger | Ledger, batchLimit = Number.POSITIVE_INFINITY) {
    this.#ledger = ledger instanceof Ledger ? new SqliteRunLedger(ledger) : ledger;
    this.#batchLimit = batchLimit;
  }

  #onlyRefs(): string[] | undefined {
    return this.#started.size >= this.#batchLimit ? [...this.#started] : undefined;
  }

  /** One lease at a time: the batch limit counts what the leases before this one started. */
  lease(owner: string, now: number, until: number): Promise<VehicleTask | null> {
    const leasing = this.#leasing.then(async () => {
      const task = await this.#ledger.lease(owner, now, until, this.#onlyRefs());
      if (task) this.#started.add(task.id);
      return task;
    });
    this.#leasing = leasing.catch(() => undefined);
    return leasing;
  }

  async renew(task: VehicleTask, owner: string, until: number): Promise<void> {
    await this.#ledger.renew(task.id, owner, until);
  }

  async nextReadyAt(): Promise<number | null> {
    return await this.#ledger.nextReadyAt(this.#onlyRefs());
  }

  async complete(task: VehicleTask, result: SavedPdf): Promise<void> {
    await this.#ledger.complete(task.id, result);
  }

  async retry(task: VehicleTask, failure: TaskFailure, notBefore: number, counted: boolean): Promise<void> {
    await this.#ledger.retry(task.id, notBefore, counted, { kind: failure.kind, reason: failure.message });
  }

  async giveUp(task: VehicleTask, failure: TaskFailure): Promise<void> {
    await this.#ledger.giveUp(task.id, { kind: failure.kind, reason: failure.message });
  }

  async release(task: VehicleTask): Promise<void> {
    await this.#ledger.release(task.id);
  }
}

/**
 * A lease owner name for this process: `<host>#<pid>`; the pool adds `/worker-<n>`. A queue worker
 * may name itself (`bookout worker --name`): its leases are then another machine's to every other
 * process, given back only once they expire.
 */
export function leaseOwner(host = hostname()): string {
  return `${host}#${process.pid}`;
}

/**
 * Gives back the leases whose holder is gone: expired ones, and those of a process of this machine
 * that no longer runs (a kill -9 or a crash; no need to wait for the expiry). Returns how many.
 */
export function releaseStaleLeases(ledger: Ledger, now = Date.now()): number {
  const stale = staleOf(ledger.leases(), now);
  ledger.releaseLeases(stale, now);
  return stale.length;
}

/** releaseStaleLeases, for any ledger (a lease of another machine goes back only once it expired). */
export async function releaseStaleLeasesOf(ledger: RunLedger, now = Date.now()): Promise<number> {
  const stale = staleOf(await ledger.leases(), now);
  await ledger.releaseLeases(stale, now);
  return stale.length;
}

function staleOf(leases: readonly Lease[], now: number): string[] {
  return leases.filter((lease) => (lease.until ?? 0) < now || isDeadLocalOwner(lease.owner)).map((lease) => lease.ref);
}

function isDeadLocalOwner(owner: string): boolean {
  const match = /^(.*)#(\d+)(?:\/|$)/.exec(owner);
  if (!match || match[1] !== hostname()) return !match; // a lease without a recognisable owner is stale
  const pid = Number(match[2]);
  if (pid === process.pid) return true; // ours, from an earlier pool of this process: none of it runs now
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

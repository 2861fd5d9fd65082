import { hostname } from 'node:os';
import type { TaskFailure } from '../engine/failure.ts';
import type { TaskQueue } from '../engine/types.ts';
import type { SavedPdf, VehicleTask } from '../records.ts';
import type { Ledger } from './ledger.ts';

/**
 * The engine's task queue, backed by the ledger. `batchLimit` (MAX_DOWNLOADS) caps how many
 * different vehicles this invocation starts; their retries are still allowed.
 */
export class LedgerQueue implements TaskQueue<VehicleTask, SavedPdf> {
  #ledger: Ledger;
  #batchLimit: number;
  #started = new Set<string>();

  constructor(ledger: Ledger, batchLimit = Number.POSITIVE_INFINITY) {
    this.#ledger = ledger;
    this.#batchLimit = batchLimit;
  }

  #onlyRefs(): string[] | undefined {
    return this.#started.size >= this.#batchLimit ? [...this.#started] : undefined;
  }

  async lease(owner: string, now: number, until: number): Promise<VehicleTask | null> {
    const task = this.#ledger.lease(owner, now, until, this.#onlyRefs());
    if (task) this.#started.add(task.id);
    return task;
  }

  async renew(task: VehicleTask, owner: string, until: number): Promise<void> {
    this.#ledger.renew(task.id, owner, until);
  }

  async nextReadyAt(): Promise<number | null> {
    return this.#ledger.nextReadyAt(this.#onlyRefs());
  }

  async complete(task: VehicleTask, result: SavedPdf): Promise<void> {
    this.#ledger.complete(task.id, result);
  }

  async retry(task: VehicleTask, failure: TaskFailure, notBefore: number, counted: boolean): Promise<void> {
    this.#ledger.retry(task.id, notBefore, counted, { kind: failure.kind, reason: failure.message });
  }

  async giveUp(task: VehicleTask, failure: TaskFailure): Promise<void> {
    this.#ledger.giveUp(task.id, { kind: failure.kind, reason: failure.message });
  }

  async release(task: VehicleTask): Promise<void> {
    this.#ledger.release(task.id);
  }
}

/** A lease owner name for this process: `<host>#<pid>`; the pool adds `/worker-<n>`. */
export function leaseOwner(): string {
  return `${hostname()}#${process.pid}`;
}

/**
 * Gives back the leases whose holder is gone: expired ones, and those of a process of this machine
 * that no longer runs (a kill -9 or a crash; no need to wait for the expiry). Returns how many.
 */
export function releaseStaleLeases(ledger: Ledger, now = Date.now()): number {
  const stale = ledger.leases().filter((lease) => (lease.until ?? 0) < now || isDeadLocalOwner(lease.owner));
  ledger.releaseLeases(
    stale.map((lease) => lease.ref),
    now,
  );
  return stale.length;
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

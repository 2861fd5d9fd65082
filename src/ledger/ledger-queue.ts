import type { TaskFailure } from '../engine/failure.ts';
import type { TaskQueue } from '../engine/types.ts';
import type { Ledger, SavedPdf, VehicleTask } from './ledger.ts';

/**
 * The engine's task queue, backed by the ledger. `batchLimit` (MAX_DOWNLOADS) caps how many
 * different vehicles this invocation starts; their retries are still allowed.
 */
export class LedgerQueue implements TaskQueue<VehicleTask, SavedPdf> {
  #ledger: Ledger;
  #batchLimit: number;
  #started = new Set<string>();
  #leasedAt = new Map<string, number>();

  constructor(ledger: Ledger, batchLimit = Number.POSITIVE_INFINITY) {
    this.#ledger = ledger;
    this.#batchLimit = batchLimit;
  }

  #onlyRefs(): string[] | undefined {
    return this.#started.size >= this.#batchLimit ? [...this.#started] : undefined;
  }

  lease(owner: string, now: number): VehicleTask | null {
    const task = this.#ledger.lease(owner, now, this.#onlyRefs());
    if (task) {
      this.#started.add(task.id);
      this.#leasedAt.set(task.id, now);
    }
    return task;
  }

  nextReadyAt(): number | null {
    return this.#ledger.nextReadyAt(Date.now(), this.#onlyRefs());
  }

  unfinishedCount(): number {
    const counts = this.#ledger.counts();
    return counts.pending + counts.leased;
  }

  complete(task: VehicleTask, result: SavedPdf, durationMs: number): void {
    this.#ledger.complete(task.id, result, durationMs, { startedAt: this.#leasedAt.get(task.id) });
    this.#leasedAt.delete(task.id);
  }

  retry(task: VehicleTask, failure: TaskFailure, notBefore: number, counted: boolean): void {
    this.#ledger.retry(task.id, notBefore, counted, this.#outcome(task, failure));
  }

  giveUp(task: VehicleTask, failure: TaskFailure): void {
    this.#ledger.giveUp(task.id, this.#outcome(task, failure));
  }

  release(task: VehicleTask): void {
    this.#ledger.release(task.id);
    this.#leasedAt.delete(task.id);
  }

  #outcome(task: VehicleTask, failure: TaskFailure) {
    const startedAt = this.#leasedAt.get(task.id);
    this.#leasedAt.delete(task.id);
    return { startedAt, kind: failure.kind, reason: failure.message };
  }
}

import type { RejectedRow } from '../records.ts';
import type { Counts, Incident, InvocationRow, StepTime, VehicleRow, VehicleState } from './ledger.ts';
import type { LedgerReads } from './run-ledger.ts';

/** A vehicle as the reports need it: its row, its place in the inventory and when it was done. */
export interface SnapshotVehicle extends VehicleRow {
  position: number;
  doneAt: number | null;
}

export interface SnapshotAttempt {
  id: number;
  outcome: 'done' | 'retry' | 'failed' | 'released';
  kind: string | null;
  counted: boolean;
  endedAt: number;
}

/** The rows of a run's ledger, read at one moment (what the reports read of a PostgreSQL ledger). */
export interface LedgerSnapshot {
  hasInventory: boolean;
  vehicles: SnapshotVehicle[];
  attempts: SnapshotAttempt[];
  rejected: RejectedRow[];
  invocations: InvocationRow[];
  counters: Record<string, number>;
  steps: Array<StepTime & { attemptId: number }>;
  incidents: Incident[];
}

export const EMPTY_SNAPSHOT: LedgerSnapshot = {
  hasInventory: false,
  vehicles: [],
  attempts: [],
  rejected: [],
  invocations: [],
  counters: {},
  steps: [],
  incidents: [],
};

const ascending = (a: number, b: number) => a - b;

/** The reads of the reports, answered from a snapshot: the same answers as the SQLite ledger's queries. */
export class SnapshotReads implements LedgerReads {
  #data: LedgerSnapshot;

  constructor(data: LedgerSnapshot) {
    this.#data = {
      ...data,
      vehicles: [...data.vehicles].sort((a, b) => a.position - b.position),
      attempts: [...data.attempts].sort((a, b) => a.id - b.id),
      invocations: [...data.invocations].sort((a, b) => a.id - b.id),
    };
  }

  hasInventory(): boolean {
    return this.#data.hasInventory;
  }

  counts(): Counts {
    const counts: Counts = {
      total: 0,
      pending: 0,
      leased: 0,
      done: 0,
      failed: 0,
      rejected: this.#data.rejected.length,
    };
    for (const vehicle of this.#data.vehicles) {
      counts[vehicle.state] += 1;
      counts.total += 1;
    }
    return counts;
  }

  vehicles(state?: VehicleState): VehicleRow[] {
    return this.#data.vehicles
      .filter((vehicle) => !state || vehicle.state === state)
      .map(({ position: _position, doneAt: _doneAt, ...row }) => row);
  }

  rejectedRows(): RejectedRow[] {
    return [...this.#data.rejected].sort((a, b) => a.rowNumber - b.rowNumber);
  }

  counter(counter: string): number {
    return this.#data.counters[counter] ?? 0;
  }

  successDurations(): number[] {
    return this.#done()
      .flatMap((vehicle) => (vehicle.durationMs === null ? [] : [vehicle.durationMs]))
      .sort(ascending);
  }

  retryCount(): number {
    return this.#data.attempts.filter((attempt) => attempt.outcome === 'retry').length;
  }

  failedAttemptsByKind(): Record<string, { attempts: number; counted: number }> {
    const byKind: Record<string, { attempts: number; counted: number }> = {};
    for (const attempt of this.#failedAttempts()) {
      const kind = attempt.kind ?? 'unknown';
      const tally = byKind[kind] ?? { attempts: 0, counted: 0 };
      byKind[kind] = { attempts: tally.attempts + 1, counted: tally.counted + (attempt.counted ? 1 : 0) };
    }
    return byKind;
  }

  firstStartedAt(): number | null {
    const starts = this.#data.invocations.map((invocation) => invocation.startedAt);
    return starts.length ? Math.min(...starts) : null;
  }

  lastDoneAt(): number | null {
    const times = this.doneTimes();
    return times.at(-1) ?? null;
  }

  attemptedCount(): number {
    return this.#data.vehicles.filter(
      (vehicle) => vehicle.attempts > 0 || vehicle.state === 'done' || vehicle.state === 'failed',
    ).length;
  }

  lastEndedAt(): number | null {
    return this.#data.invocations.at(-1)?.endedAt ?? null;
  }

  totalRuntimeMs(now = Date.now()): number {
    return this.#data.invocations.reduce((sum, row) => sum + ((row.endedAt ?? now) - row.startedAt), 0);
  }

  invocations(): InvocationRow[] {
    return this.#data.invocations.map((row) => ({ ...row }));
  }

  stepTimes(): Array<StepTime & { outcome: string }> {
    const outcomes = new Map(this.#data.attempts.map((attempt) => [attempt.id, attempt.outcome]));
    return this.#data.steps
      .filter((step) => outcomes.has(step.attemptId))
      .sort((a, b) => a.attemptId - b.attemptId || a.startedAt - b.startedAt)
      .map((step) => ({
        step: step.step,
        startedAt: step.startedAt,
        ms: step.ms,
        outcome: outcomes.get(step.attemptId)!,
      }));
  }

  incidents(): Incident[] {
    return [...this.#data.incidents].sort((a, b) => a.at - b.at);
  }

  doneTimes(): number[] {
    return this.#done()
      .flatMap((vehicle) => (vehicle.doneAt === null ? [] : [vehicle.doneAt]))
      .sort(ascending);
  }

  failedAttemptTimes(): Array<{ at: number; kind: string | null }> {
    return this.#failedAttempts()
      .map((attempt) => ({ at: attempt.endedAt, kind: attempt.kind }))
      .sort((a, b) => a.at - b.at);
  }

  #done(): SnapshotVehicle[] {
    return this.#data.vehicles.filter((vehicle) => vehicle.state === 'done');
  }

  #failedAttempts(): SnapshotAttempt[] {
    return this.#data.attempts.filter((attempt) => attempt.outcome === 'retry' || attempt.outcome === 'failed');
  }
}

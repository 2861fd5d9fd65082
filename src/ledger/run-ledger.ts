// The ledger of one run as the rest of bookout sees it, whatever holds it: SQLite in the run folder
// (one machine, the default) or PostgreSQL (the queue mode, where any worker may continue a run).
import type { RejectedRow, SavedPdf, VehicleTask } from '../records.ts';
import type {
  AttemptOutcome,
  Counts,
  Incident,
  InvocationRow,
  Lease,
  Ledger,
  StepTime,
  VehicleRow,
  VehicleState,
} from './ledger.ts';

/**
 * What the reports read, synchronously: the SQLite ledger itself (live), or a snapshot of a
 * PostgreSQL one taken when the reports are written.
 */
export interface LedgerReads {
  hasInventory(): boolean;
  counts(): Counts;
  vehicles(state?: VehicleState): VehicleRow[];
  rejectedRows(): RejectedRow[];
  counter(counter: string): number;
  successDurations(): number[];
  retryCount(): number;
  failedAttemptsByKind(): Record<string, { attempts: number; counted: number }>;
  firstStartedAt(): number | null;
  lastDoneAt(): number | null;
  attemptedCount(): number;
  lastEndedAt(): number | null;
  totalRuntimeMs(now?: number): number;
  invocations(): InvocationRow[];
  stepTimes(): Array<StepTime & { outcome: string }>;
  incidents(): Incident[];
  doneTimes(): number[];
  failedAttemptTimes(): Array<{ at: number; kind: string | null }>;
}

/**
 * The state of one run, the single source of truth: every change is one transaction, so a kill
 * at any moment leaves it consistent. Leases have an owner and an expiry: a dead holder's vehicle
 * is taken back (see releaseStaleLeases), on this machine or by another worker.
 */
export interface RunLedger {
  /** Where it lives, for messages (a file, or a run in a database). */
  readonly where: string;
  /** Synchronous reads of the state now, where the store has them (SQLite); else undefined. */
  readonly live: LedgerReads | undefined;
  /** Everything the reports read, as of now. */
  reads(): Promise<LedgerReads>;
  close(): Promise<void>;

  hasInventory(): Promise<boolean>;
  importInventory(refs: readonly string[], rejected: readonly RejectedRow[]): Promise<void>;
  counts(): Promise<Counts>;
  vehicles(state?: VehicleState): Promise<VehicleRow[]>;
  increment(counter: string, by?: number): Promise<void>;
  counter(counter: string): Promise<number>;

  leases(): Promise<Lease[]>;
  releaseLeases(refs: readonly string[], now?: number): Promise<void>;
  lease(owner: string, now: number, until: number, onlyRefs?: readonly string[]): Promise<VehicleTask | null>;
  renew(ref: string, owner: string, until: number): Promise<void>;
  /**
   * Earliest time a pending vehicle, or one whose lease runs out, is ready; null when none. A time
   * at or before now means one is ready already (it became so after the caller's last lease).
   */
  nextReadyAt(onlyRefs?: readonly string[]): Promise<number | null>;
  complete(ref: string, pdf: SavedPdf): Promise<void>;
  retry(ref: string, notBefore: number, counted: boolean, outcome: AttemptOutcome): Promise<void>;
  giveUp(ref: string, outcome: AttemptOutcome): Promise<void>;
  release(ref: string): Promise<void>;
  requeue(refs: readonly string[]): Promise<void>;
  /** The failed vehicles whose last failure was of one of `kinds`, in inventory order. */
  failedFor(kinds: readonly string[]): Promise<string[]>;
  /** Puts failed vehicles back in the queue from `notBefore`, with one attempt more. */
  requeueFailed(refs: readonly string[], notBefore: number): Promise<void>;

  startInvocation(workers: number): Promise<number>;
  endInvocation(id: number, outcome: string): Promise<void>;
  closeOpenInvocations(outcome: string): Promise<void>;
  recordSteps(ref: string, steps: readonly StepTime[]): Promise<void>;
  recordIncident(kind: string, detail?: string): Promise<void>;
}

/** The SQLite ledger of a run folder behind the RunLedger interface (the default, one machine). */
export class SqliteRunLedger implements RunLedger {
  readonly ledger: Ledger;

  constructor(ledger: Ledger) {
    this.ledger = ledger;
  }

  get where(): string {
    return this.ledger.path;
  }

  get live(): LedgerReads {
    return this.ledger;
  }

  async reads(): Promise<LedgerReads> {
    return this.ledger;
  }

  async close(): Promise<void> {
    this.ledger.close();
  }

  async hasInventory(): Promise<boolean> {
    return this.ledger.hasInventory();
  }

  async importInventory(refs: readonly string[], rejected: readonly RejectedRow[]): Promise<void> {
    this.ledger.importInventory(refs, rejected);
  }

  async counts(): Promise<Counts> {
    return this.ledger.counts();
  }

  async vehicles(state?: VehicleState): Promise<VehicleRow[]> {
    return this.ledger.vehicles(state);
  }

  async increment(counter: string, by?: number): Promise<void> {
    this.ledger.increment(counter, by);
  }

  async counter(counter: string): Promise<number> {
    return this.ledger.counter(counter);
  }

  async leases(): Promise<Lease[]> {
    return this.ledger.leases();
  }

  async releaseLeases(refs: readonly string[], now?: number): Promise<void> {
    this.ledger.releaseLeases(refs, now);
  }

  async lease(owner: string, now: number, until: number, onlyRefs?: readonly string[]): Promise<VehicleTask | null> {
    return this.ledger.lease(owner, now, until, onlyRefs);
  }

  async renew(ref: string, owner: string, until: number): Promise<void> {
    this.ledger.renew(ref, owner, until);
  }

  async nextReadyAt(onlyRefs?: readonly string[]): Promise<number | null> {
    return this.ledger.nextReadyAt(onlyRefs);
  }

  async complete(ref: string, pdf: SavedPdf): Promise<void> {
    this.ledger.complete(ref, pdf);
  }

  async retry(ref: string, notBefore: number, counted: boolean, outcome: AttemptOutcome): Promise<void> {
    this.ledger.retry(ref, notBefore, counted, outcome);
  }

  async giveUp(ref: string, outcome: AttemptOutcome): Promise<void> {
    this.ledger.giveUp(ref, outcome);
  }

  async release(ref: string): Promise<void> {
    this.ledger.release(ref);
  }

  async requeue(refs: readonly string[]): Promise<void> {
    this.ledger.requeue(refs);
  }

  async failedFor(kinds: readonly string[]): Promise<string[]> {
    return this.ledger.failedFor(kinds);
  }

  async requeueFailed(refs: readonly string[], notBefore: number): Promise<void> {
    this.ledger.requeueFailed(refs, notBefore);
  }

  async startInvocation(workers: number): Promise<number> {
    return this.ledger.startInvocation(workers);
  }

  async endInvocation(id: number, outcome: string): Promise<void> {
    this.ledger.endInvocation(id, outcome);
  }

  async closeOpenInvocations(outcome: string): Promise<void> {
    this.ledger.closeOpenInvocations(outcome);
  }

  async recordSteps(ref: string, steps: readonly StepTime[]): Promise<void> {
    this.ledger.recordSteps(ref, steps);
  }

  async recordIncident(kind: string, detail?: string): Promise<void> {
    this.ledger.recordIncident(kind, detail);
  }
}

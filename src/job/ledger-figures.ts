import { messageOf } from '../engine/failure.ts';
import type { Counts } from '../ledger/ledger.ts';
import type { LedgerReads, RunLedger } from '../ledger/run-ledger.ts';
import { EMPTY_SNAPSHOT, SnapshotReads } from '../ledger/snapshot-reads.ts';

/** How often the counts of a ledger without synchronous reads (PostgreSQL) are read again for the displays. */
const COUNTS_EVERY_MS = 1000;

/**
 * The run's figures as cheap synchronous reads, for the displays (the progress line, the web
 * page): the ledger itself where it reads synchronously (SQLite), else its counts read every
 * second and its last snapshot (taken whenever the reports are written).
 */
export class LedgerFigures {
  #ledger: RunLedger;
  #counts: Counts = { total: 0, pending: 0, leased: 0, done: 0, failed: 0, rejected: 0 };
  #reads: LedgerReads = new SnapshotReads(EMPTY_SNAPSHOT);
  #timer: NodeJS.Timeout | undefined;
  #onError: (text: string) => void;

  constructor(ledger: RunLedger, onError: (text: string) => void = () => undefined) {
    this.#ledger = ledger;
    this.#onError = onError;
  }

  async start(): Promise<void> {
    if (this.#ledger.live || this.#timer) return;
    await this.#refresh();
    this.#timer = setInterval(() => void this.#refresh(), COUNTS_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  counts(): Counts {
    return this.#ledger.live?.counts() ?? this.#counts;
  }

  reads(): LedgerReads {
    return this.#ledger.live ?? this.#reads;
  }

  /** A snapshot just read (for the reports). */
  remember(reads: LedgerReads): void {
    this.#reads = reads;
    if (!this.#ledger.live) this.#counts = reads.counts();
  }

  async #refresh(): Promise<void> {
    try {
      this.#counts = await this.#ledger.counts();
    } catch (error) {
      this.#onError(`could not read the counts (${messageOf(error)})`);
    }
  }
}

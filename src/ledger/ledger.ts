import { chmodSync } from 'node:fs';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { RejectedRow, SavedPdf, VehicleTask } from '../records.ts';
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './schema.ts';
import type { LedgerSnapshot } from './snapshot-reads.ts';

export type VehicleState = 'pending' | 'leased' | 'done' | 'failed';

export interface VehicleRow {
  ref: string;
  state: VehicleState;
  attempts: number;
  file: string | null;
  sha256: string | null;
  durationMs: number | null;
  failureKind: string | null;
  failureReason: string | null;
}

/** A row of the vehicles table as the queries read it (SQLite and PostgreSQL alike). */
export interface StoredVehicle {
  ref: string;
  state: VehicleState;
  attempts: number;
  file: string | null;
  sha256: string | null;
  duration_ms: number | null;
  failure_kind: string | null;
  failure_reason: string | null;
  position: number;
  done_at: number | null;
}

export interface Counts {
  total: number;
  pending: number;
  leased: number;
  done: number;
  failed: number;
  rejected: number;
}

/** Why an attempt did not end in a PDF: the failure's kind (its cause) and message. */
export interface AttemptOutcome {
  kind?: string;
  reason?: string;
  /** True when the attempt used up one of the vehicle's retries. */
  counted?: boolean;
}

/** One step of an attempt: its name, when it began and how long it took. */
export interface StepTime {
  step: string;
  startedAt: number;
  ms: number;
}

/** Something that held every tab up: a session recovery, a browser restart, an outage, a wait for 429. */
export interface Incident {
  at: number;
  kind: string;
  detail: string | null;
}

export interface InvocationRow {
  id: number;
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  workers: number;
}

/** A vehicle leased now: who holds it and until when. */
export interface Lease {
  ref: string;
  owner: string;
  until: number | null;
}

/**
 * The state database of one run (SQLite, WAL). The single source of truth: files and reports are
 * derived from it. Every change is one transaction, so a kill at any moment leaves it consistent.
 */
export class Ledger {
  readonly path: string;
  #db: DatabaseSync;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /** Opens (and creates) the ledger for writing. */
  static open(path: string): Ledger {
    const db = new DatabaseSync(path, { timeout: 5000 });
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    db.exec(SCHEMA);
    if (process.platform !== 'win32') chmodSync(path, 0o600); // its WAL files take the same mode
    const ledger = new Ledger(path, db);
    ledger.#migrate(Number(ledger.getMeta('schema_version') ?? SCHEMA_VERSION));
    return ledger;
  }

  /** Opens an existing ledger read-only, for status and reports from another process. */
  static openReadOnly(path: string): Ledger {
    return new Ledger(path, new DatabaseSync(path, { readOnly: true, timeout: 5000 }));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #migrate(from: number): void {
    if (from > SCHEMA_VERSION) {
      throw new Error(`state database ${this.path} has schema ${from}, this bookout knows ${SCHEMA_VERSION} at most`);
    }
    for (let version = from; version < SCHEMA_VERSION; version += 1) {
      const migration = MIGRATIONS[version];
      if (migration === undefined)
        throw new Error(`state database ${this.path} has schema ${version}, which cannot be upgraded`);
      this.#transaction(() => this.#db.exec(migration));
    }
    this.setMeta('schema_version', String(SCHEMA_VERSION));
  }

  #transaction<V>(work: () => V): V {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #run(sql: string, ...params: SQLInputValue[]): void {
    this.#db.prepare(sql).run(...params);
  }

  #get<Row>(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#db.prepare(sql).get(...params) as Row | undefined;
  }

  #all<Row>(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }

  // --- run metadata -------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return this.#get<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#run(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      key,
      value,
    );
  }

  increment(counter: string, by = 1): void {
    this.#run(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
      counter,
      by,
    );
  }

  counter(counter: string): number {
    return this.#get<{ value: number }>('SELECT value FROM counters WHERE name = ?', counter)?.value ?? 0;
  }

  // --- inventory ----------------------------------------------------------------------------

  hasInventory(): boolean {
    return this.getMeta('inventory_imported_at') !== undefined;
  }

  /** Records the vehicles of the run, once. Duplicate references collapse into one vehicle. */
  importInventory(refs: readonly string[], rejected: readonly RejectedRow[], now = Date.now()): void {
    this.#transaction(() => {
      const insert = this.#db.prepare('INSERT OR IGNORE INTO vehicles (ref, position, updated_at) VALUES (?, ?, ?)');
      refs.forEach((ref, position) => {
        insert.run(ref, position, now);
      });
      const reject = this.#db.prepare('INSERT INTO rejected_rows (row_number, value, reason) VALUES (?, ?, ?)');
      for (const row of rejected) reject.run(row.rowNumber, row.value, row.reason);
      this.setMeta('inventory_imported_at', String(now));
    });
  }

  rejectedRows(): RejectedRow[] {
    return this.#all<{ row_number: number; value: string; reason: string }>(
      'SELECT row_number, value, reason FROM rejected_rows ORDER BY row_number',
    ).map((row) => ({ rowNumber: row.row_number, value: row.value, reason: row.reason }));
  }

  // --- the queue ----------------------------------------------------------------------------

  /** Every lease held now, with its owner and expiry. */
  leases(): Lease[] {
    return this.#all<{ ref: string; leased_by: string | null; leased_until: number | null }>(
      "SELECT ref, leased_by, leased_until FROM vehicles WHERE state = 'leased'",
    ).map((row) => ({ ref: row.ref, owner: row.leased_by ?? '', until: row.leased_until }));
  }

  /** Gives leases back to the queue (their holder is gone), without counting an attempt. */
  releaseLeases(refs: readonly string[], now = Date.now()): void {
    this.#transaction(() => {
      for (const ref of refs) {
        this.#recordAttempt(ref, 'released', {}, now);
        this.#run(
          `UPDATE vehicles SET state = 'pending', leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = ?
           WHERE ref = ? AND state = 'leased'`,
          now,
          ref,
        );
      }
    });
  }

  /** Leases the first ready vehicle (inventory order) to `owner` until `until`, optionally only among `onlyRefs`. */
  lease(owner: string, now: number, until: number, onlyRefs?: readonly string[]): VehicleTask | null {
    const filter = onlyRefs ? 'AND ref IN (SELECT value FROM json_each(?))' : '';
    const params: SQLInputValue[] = [owner, now, until, now, now, now];
    if (onlyRefs) params.push(JSON.stringify(onlyRefs));
    // A vehicle whose lease expired (its holder died) is ready again, like a pending one.
    const row = this.#get<{ ref: string; attempts: number; free_retries: number }>(
      `UPDATE vehicles SET state = 'leased', leased_by = ?, leased_at = ?, leased_until = ?, updated_at = ?
       WHERE ref = (SELECT ref FROM vehicles
                    WHERE ((state = 'pending' AND not_before <= ?) OR (state = 'leased' AND leased_until < ?)) ${filter}
                    ORDER BY position LIMIT 1)
       RETURNING ref, attempts, free_retries`,
      ...params,
    );
    return row ? { id: row.ref, attempts: row.attempts, freeRetries: row.free_retries } : null;
  }

  /** Extends `owner`'s lease of `ref` (the work makes progress). */
  renew(ref: string, owner: string, until: number): void {
    this.#run(
      "UPDATE vehicles SET leased_until = ? WHERE ref = ? AND state = 'leased' AND leased_by = ?",
      until,
      ref,
      owner,
    );
  }

  /**
   * Earliest time a pending vehicle, or one whose lease runs out, is ready; null when none. A time
   * at or before now means one is ready already (it became so after the caller's last lease).
   */
  nextReadyAt(onlyRefs?: readonly string[]): number | null {
    const filter = onlyRefs ? 'AND ref IN (SELECT value FROM json_each(?))' : '';
    const params: SQLInputValue[] = onlyRefs ? [JSON.stringify(onlyRefs)] : [];
    const row = this.#get<{ at: number | null }>(
      `SELECT MIN(CASE state WHEN 'pending' THEN not_before ELSE leased_until END) AS at FROM vehicles
       WHERE state IN ('pending', 'leased') ${filter}`,
      ...params,
    );
    return row?.at ?? null;
  }

  /** Marks a vehicle done. Call only after its PDF is proven and safely on disk. */
  complete(ref: string, pdf: SavedPdf, now = Date.now()): void {
    this.#transaction(() => {
      this.#recordAttempt(ref, 'done', {}, now);
      this.#run(
        `UPDATE vehicles SET state = 'done', attempts = attempts + 1, file = ?, bytes = ?, sha256 = ?,
         duration_ms = ? - COALESCE(leased_at, ?), done_at = ?, failure_kind = NULL, failure_reason = NULL,
         leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = ? WHERE ref = ?`,
        pdf.file,
        pdf.bytes,
        pdf.sha256,
        now,
        now,
        now,
        now,
        ref,
      );
    });
  }

  retry(ref: string, notBefore: number, counted: boolean, outcome: AttemptOutcome, now = Date.now()): void {
    this.#transaction(() => {
      this.#recordAttempt(ref, 'retry', { ...outcome, counted }, now);
      this.#run(
        `UPDATE vehicles SET state = 'pending', not_before = ?, attempts = attempts + ?, free_retries = free_retries + ?,
         failure_kind = ?, failure_reason = ?, leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = ?
         WHERE ref = ?`,
        notBefore,
        counted ? 1 : 0,
        counted ? 0 : 1,
        outcome.kind ?? null,
        outcome.reason ?? null,
        now,
        ref,
      );
    });
  }

  giveUp(ref: string, outcome: AttemptOutcome, now = Date.now()): void {
    this.#transaction(() => {
      this.#recordAttempt(ref, 'failed', { ...outcome, counted: true }, now);
      this.#run(
        `UPDATE vehicles SET state = 'failed', attempts = attempts + 1, failure_kind = ?, failure_reason = ?,
         leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = ? WHERE ref = ?`,
        outcome.kind ?? null,
        outcome.reason ?? null,
        now,
        ref,
      );
    });
  }

  release(ref: string, now = Date.now()): void {
    this.#run(
      `UPDATE vehicles SET state = 'pending', leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = ?
       WHERE ref = ? AND state = 'leased'`,
      now,
      ref,
    );
  }

  /** Puts vehicles back in the queue with fresh attempts (validate --fix, --retry-failed). */
  requeue(refs: readonly string[], now = Date.now()): void {
    this.#transaction(() => {
      const update = this.#db.prepare(
        `UPDATE vehicles SET state = 'pending', attempts = 0, free_retries = 0, not_before = 0, file = NULL, bytes = NULL, sha256 = NULL,
         done_at = NULL, failure_kind = NULL, failure_reason = NULL, updated_at = ? WHERE ref = ? AND state != 'leased'`,
      );
      for (const ref of refs) update.run(now, ref);
    });
  }

  /** The failed vehicles whose last failure was of one of `kinds`, in inventory order. */
  failedFor(kinds: readonly string[]): string[] {
    const rows = this.#all<{ ref: string }>(
      "SELECT ref FROM vehicles WHERE state = 'failed' AND failure_kind IN (SELECT value FROM json_each(?)) ORDER BY position",
      JSON.stringify(kinds),
    );
    return rows.map((row) => row.ref);
  }

  /** Puts failed vehicles back in the queue from `notBefore`, with one attempt more. */
  requeueFailed(refs: readonly string[], notBefore: number, now = Date.now()): void {
    this.#transaction(() => {
      for (const ref of refs) {
        this.#run(
          "UPDATE vehicles SET state = 'pending', attempts = MAX(0, attempts - 1), not_before = ?, updated_at = ? WHERE ref = ?",
          notBefore,
          now,
          ref,
        );
      }
    });
  }

  /** The attempt that ends now, with the lease's owner and start (read before the lease is cleared). */
  #recordAttempt(
    ref: string,
    outcome: 'done' | 'retry' | 'failed' | 'released',
    details: AttemptOutcome,
    now: number,
  ): void {
    this.#run(
      `INSERT INTO attempts (ref, worker, started_at, ended_at, outcome, kind, reason, counted)
       SELECT ref, leased_by, leased_at, ?, ?, ?, ?, ? FROM vehicles WHERE ref = ?`,
      now,
      outcome,
      details.kind ?? null,
      details.reason ?? null,
      details.counted ? 1 : 0,
      ref,
    );
  }

  // --- reading ------------------------------------------------------------------------------

  counts(): Counts {
    const rows = this.#all<{ state: VehicleState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM vehicles GROUP BY state',
    );
    const counts: Counts = { total: 0, pending: 0, leased: 0, done: 0, failed: 0, rejected: 0 };
    for (const row of rows) {
      counts[row.state] = row.n;
      counts.total += row.n;
    }
    counts.rejected = this.#get<{ n: number }>('SELECT COUNT(*) AS n FROM rejected_rows')?.n ?? 0;
    return counts;
  }

  vehicles(state?: VehicleState): VehicleRow[] {
    const where = state ? 'WHERE state = ?' : '';
    const params: SQLInputValue[] = state ? [state] : [];
    return this.#all<Omit<StoredVehicle, 'position' | 'done_at'>>(
      `SELECT ref, state, attempts, file, sha256, duration_ms, failure_kind, failure_reason FROM vehicles ${where} ORDER BY position`,
      ...params,
    ).map((row) => ({
      ref: row.ref,
      state: row.state,
      attempts: row.attempts,
      file: row.file,
      sha256: row.sha256,
      durationMs: row.duration_ms,
      failureKind: row.failure_kind,
      failureReason: row.failure_reason,
    }));
  }

  /** Durations of successful downloads, in ms, ascending. */
  successDurations(): number[] {
    return this.#all<{ d: number }>(
      "SELECT duration_ms AS d FROM vehicles WHERE state = 'done' AND duration_ms IS NOT NULL ORDER BY d",
    ).map((row) => row.d);
  }

  /** Retries over the whole run, counted or not. */
  retryCount(): number {
    return this.#get<{ n: number }>("SELECT COUNT(*) AS n FROM attempts WHERE outcome = 'retry'")?.n ?? 0;
  }

  /** Failed attempts (retried or given up) by the failure's kind, and how many of them used up a retry. */
  failedAttemptsByKind(): Record<string, { attempts: number; counted: number }> {
    const rows = this.#all<{ kind: string | null; n: number; counted: number }>(
      `SELECT kind, COUNT(*) AS n, SUM(counted) AS counted FROM attempts WHERE outcome IN ('retry', 'failed') GROUP BY kind`,
    );
    return Object.fromEntries(rows.map((row) => [row.kind ?? 'unknown', { attempts: row.n, counted: row.counted }]));
  }

  /** When the first invocation of this run started, or null. */
  firstStartedAt(): number | null {
    return this.#get<{ at: number | null }>('SELECT MIN(started_at) AS at FROM invocations')?.at ?? null;
  }

  /** When the last vehicle was done, or null. */
  lastDoneAt(): number | null {
    return this.#get<{ at: number | null }>("SELECT MAX(done_at) AS at FROM vehicles WHERE state = 'done'")?.at ?? null;
  }

  /** Vehicles attempted at least once. */
  attemptedCount(): number {
    return (
      this.#get<{ n: number }>("SELECT COUNT(*) AS n FROM vehicles WHERE attempts > 0 OR state IN ('done', 'failed')")
        ?.n ?? 0
    );
  }

  /** First lease and last recorded outcome over all attempts (the download phase), or null before any. */
  attemptSpan(): { firstStartedAt: number; lastEndedAt: number } | null {
    const row = this.#get<{ first: number | null; last: number | null }>(
      'SELECT MIN(COALESCE(started_at, ended_at)) AS first, MAX(ended_at) AS last FROM attempts',
    );
    return row?.first != null && row.last != null ? { firstStartedAt: row.first, lastEndedAt: row.last } : null;
  }

  // --- invocations --------------------------------------------------------------------------

  startInvocation(workers: number, now = Date.now()): number {
    const row = this.#get<{ id: number }>(
      'INSERT INTO invocations (started_at, workers) VALUES (?, ?) RETURNING id',
      now,
      workers,
    );
    return row!.id;
  }

  endInvocation(id: number, outcome: string, now = Date.now()): void {
    this.#run('UPDATE invocations SET ended_at = ?, outcome = ? WHERE id = ?', now, outcome, id);
  }

  /** When the latest invocation ended; null while it is still open (running, or killed and not yet closed). */
  lastEndedAt(): number | null {
    return (
      this.#get<{ at: number | null }>('SELECT ended_at AS at FROM invocations ORDER BY id DESC LIMIT 1')?.at ?? null
    );
  }

  /** Wall time of all invocations of this run; one still open counts up to `now`. */
  totalRuntimeMs(now = Date.now()): number {
    const row = this.#get<{ ms: number | null }>(
      'SELECT SUM(COALESCE(ended_at, ?) - started_at) AS ms FROM invocations',
      now,
    );
    return row?.ms ?? 0;
  }

  /** An invocation that never ended means the process was killed (or is still running). */
  openInvocationCount(): number {
    return this.#get<{ n: number }>('SELECT COUNT(*) AS n FROM invocations WHERE ended_at IS NULL')?.n ?? 0;
  }

  invocations(): InvocationRow[] {
    return this.#all<{
      id: number;
      started_at: number;
      ended_at: number | null;
      outcome: string | null;
      workers: number;
    }>('SELECT id, started_at, ended_at, outcome, workers FROM invocations ORDER BY id').map((row) => ({
      id: row.id,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      outcome: row.outcome,
      workers: row.workers,
    }));
  }

  /** Closes invocations of a killed process, ending them at the last change they made. */
  closeOpenInvocations(outcome: string): void {
    this.#run(
      'UPDATE invocations SET ended_at = MAX(started_at, COALESCE((SELECT MAX(updated_at) FROM vehicles), started_at)), outcome = ? WHERE ended_at IS NULL',
      outcome,
    );
  }

  // --- what the report shows ----------------------------------------------------------------

  /** Keeps the steps of the attempt of `ref` that was recorded last (the one that has just ended). */
  recordSteps(ref: string, steps: readonly StepTime[]): void {
    const attempt = this.#get<{ id: number | null }>('SELECT MAX(id) AS id FROM attempts WHERE ref = ?', ref)?.id;
    if (attempt == null || steps.length === 0) return;
    this.#transaction(() => {
      const insert = this.#db.prepare(
        'INSERT INTO attempt_steps (attempt_id, step, started_at, ms) VALUES (?, ?, ?, ?)',
      );
      for (const step of steps) insert.run(attempt, step.step, step.startedAt, Math.max(0, Math.round(step.ms)));
    });
  }

  /** Every step of every finished attempt, with the attempt's outcome. */
  stepTimes(): Array<StepTime & { outcome: string }> {
    return this.#all<{ step: string; started_at: number; ms: number; outcome: string }>(
      `SELECT s.step, s.started_at, s.ms, a.outcome FROM attempt_steps s JOIN attempts a ON a.id = s.attempt_id
       ORDER BY s.attempt_id, s.started_at`,
    ).map((row) => ({ step: row.step, startedAt: row.started_at, ms: row.ms, outcome: row.outcome }));
  }

  recordIncident(kind: string, detail?: string, at = Date.now()): void {
    this.#run('INSERT INTO incidents (at, kind, detail) VALUES (?, ?, ?)', at, kind, detail ?? null);
  }

  incidents(): Incident[] {
    return this.#all<Incident>('SELECT at, kind, detail FROM incidents ORDER BY at').map((row) => ({
      at: row.at,
      kind: row.kind,
      detail: row.detail,
    }));
  }

  /** When each vehicle done now was done, ascending. */
  doneTimes(): number[] {
    return this.#all<{ at: number }>(
      "SELECT done_at AS at FROM vehicles WHERE state = 'done' AND done_at IS NOT NULL ORDER BY done_at",
    ).map((row) => row.at);
  }

  /** When each failed attempt (retried or given up) ended, with its kind. */
  failedAttemptTimes(): Array<{ at: number; kind: string | null }> {
    return this.#all<{ at: number; kind: string | null }>(
      "SELECT ended_at AS at, kind FROM attempts WHERE outcome IN ('retry', 'failed') ORDER BY ended_at",
    ).map((row) => ({ at: row.at, kind: row.kind }));
  }

  /** Every row the reports read, as data (the shape a PostgreSQL ledger's reads are answered from). */
  snapshot(): LedgerSnapshot {
    const vehicles = this.#all<{ ref: string; position: number; done_at: number | null }>(
      'SELECT ref, position, done_at FROM vehicles',
    );
    const where = new Map(vehicles.map((row) => [row.ref, row]));
    return {
      hasInventory: this.hasInventory(),
      vehicles: this.vehicles().map((row) => ({
        ...row,
        position: where.get(row.ref)?.position ?? 0,
        doneAt: where.get(row.ref)?.done_at ?? null,
      })),
      attempts: this.#all<{ id: number; outcome: string; kind: string | null; counted: number; ended_at: number }>(
        'SELECT id, outcome, kind, counted, ended_at FROM attempts',
      ).map((row) => ({
        id: row.id,
        outcome: row.outcome as LedgerSnapshot['attempts'][number]['outcome'],
        kind: row.kind,
        counted: row.counted === 1,
        endedAt: row.ended_at,
      })),
      rejected: this.rejectedRows(),
      invocations: this.invocations(),
      counters: Object.fromEntries(
        this.#all<{ name: string; value: number }>('SELECT name, value FROM counters').map((row) => [
          row.name,
          row.value,
        ]),
      ),
      steps: this.#all<{ attempt_id: number; step: string; started_at: number; ms: number }>(
        'SELECT attempt_id, step, started_at, ms FROM attempt_steps',
      ).map((row) => ({ attemptId: row.attempt_id, step: row.step, startedAt: row.started_at, ms: row.ms })),
      incidents: this.incidents(),
    };
  }
}

// The queue mode's store: every account's run ledgers and open sessions in PostgreSQL, so that any
// worker can continue a run another worker left (killed, powered off) with nothing lost.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { RejectedRow, SavedPdf, VehicleTask } from '../records.ts';
import { sealCookies, unsealCookies } from '../session/sealed-cookies.ts';
import type { SessionCookie as Cookie, SessionVault } from '../session/session-store.ts';
import type { AttemptOutcome, Counts, Lease, StepTime, StoredVehicle, VehicleRow, VehicleState } from './ledger.ts';
import { PG_SCHEMA as S, PG_SCHEMA_SQL } from './pg-schema.ts';
import type { LedgerReads, RunLedger } from './run-ledger.ts';
import { SnapshotReads, type LedgerSnapshot } from './snapshot-reads.ts';

const INT8 = 20;
const NUMERIC = 1700;
/** BIGINT columns hold milliseconds and counts, all well within a double. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
};

/** A dead worker's connection (power cut, network gone) is noticed by the server within about 30 s. */
const KEEPALIVE = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=4';

/** The connection string without its password, for messages. */
export function describeQueue(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'the queue database';
  }
}

export interface RunRow {
  id: number;
  account: string;
  name: string;
  createdAt: number;
  hasInventory: boolean;
  counts: Counts;
}

/** The database of the queue mode: its tables made on first use (whoever comes first; the others wait). */
export class PgStore {
  readonly pool: pg.Pool;
  readonly url: string;

  private constructor(url: string, pool: pg.Pool) {
    this.url = url;
    this.pool = pool;
  }

  static async connect(url: string, options: { max?: number } = {}): Promise<PgStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 6,
      types,
      options: KEEPALIVE,
      application_name: 'bookout',
    });
    pool.on('error', () => undefined); // an idle client's lost connection: the next query says so
    const store = new PgStore(url, pool);
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtext('bookout schema'))");
        await client.query(PG_SCHEMA_SQL);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return store;
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** The run of `account` named `name`, made when there is none. */
  async run(account: string, name: string): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      `INSERT INTO ${S}.runs (account, name, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (account, name) DO UPDATE SET account = EXCLUDED.account RETURNING id`,
      [account, name, Date.now()],
    );
    return rows[0]!.id;
  }

  /** Every run of `account` (or of all accounts), newest first, with its counts. */
  async runs(account?: string): Promise<RunRow[]> {
    const { rows } = await this.pool.query<{
      id: number;
      account: string;
      name: string;
      created_at: number;
      inventory_imported_at: number | null;
      state: VehicleState | null;
      n: number | null;
      rejected: number;
    }>(
      `SELECT r.id, r.account, r.name, r.created_at, r.inventory_imported_at, v.state, v.n,
              (SELECT COUNT(*) FROM ${S}.rejected_rows x WHERE x.run_id = r.id) AS rejected
       FROM ${S}.runs r
       LEFT JOIN (SELECT run_id, state, COUNT(*) AS n FROM ${S}.vehicles GROUP BY run_id, state) v ON v.run_id = r.id
       WHERE $1::text IS NULL OR r.account = $1 ORDER BY r.id DESC`,
      [account ?? null],
    );
    const byId = new Map<number, RunRow>();
    for (const row of rows) {
      let run = byId.get(row.id);
      if (!run) {
        run = {
          id: row.id,
          account: row.account,
          name: row.name,
          createdAt: row.created_at,
          hasInventory: row.inventory_imported_at !== null,
          counts: { total: 0, pending: 0, leased: 0, done: 0, failed: 0, rejected: row.rejected },
        };
        byId.set(row.id, run);
      }
      if (row.state) {
        run.counts[row.state] += row.n ?? 0;
        run.counts.total += row.n ?? 0;
      }
    }
    return [...byId.values()];
  }

  /** The workers (by name) that hold leases of the run now. */
  async workersOf(runId: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ owner: string }>(
      `SELECT DISTINCT split_part(leased_by, '#', 1) AS owner FROM ${S}.vehicles
       WHERE run_id = $1 AND state = 'leased' AND leased_by IS NOT NULL ORDER BY 1`,
      [runId],
    );
    return rows.map((row) => row.owner);
  }

  ledger(runId: number, where: string): PgLedger {
    return new PgLedger(this.pool, runId, where);
  }

  /** The open session of one account (by its key, not its user name), sealed with `key`. */
  sessions(accountKey: string, key: Buffer): PgSessionVault {
    return new PgSessionVault(this.pool, accountKey, key);
  }

  /** BOOKOUT_SESSION_KEY when the workers have one, else the key kept in the database (made once). */
  async sessionKey(fromEnvironment: Buffer | undefined): Promise<Buffer> {
    if (fromEnvironment) return fromEnvironment;
    await this.pool.query(`INSERT INTO ${S}.session_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [
      randomBytes(32),
    ]);
    const { rows } = await this.pool.query<{ key: Buffer }>(`SELECT key FROM ${S}.session_key WHERE id = 1`);
    return rows[0]!.key;
  }

  /**
   * Holds the run for this process while it works on it (a session-level advisory lock on a
   * connection of its own): a second worker, say one that took over the job of a worker thought
   * dead, waits until the first one's connection is gone. Null when another holds it.
   */
  async holdRun(runId: number): Promise<RunHold | null> {
    const client = new pg.Client({
      connectionString: this.url,
      types,
      options: KEEPALIVE,
      application_name: 'bookout',
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ held: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('bookout run'), $1::int) AS held",
        [runId],
      );
      if (!rows[0]?.held) {
        await client.end();
        return null;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { release: () => client.end().catch(() => undefined) };
  }
}

export interface RunHold {
  release(): Promise<void>;
}

/** One run's ledger in PostgreSQL: the SQLite ledger's statements, each one transaction, per run. */
export class PgLedger implements RunLedger {
  readonly where: string;
  readonly live = undefined;
  #pool: pg.Pool;
  #run: number;

  constructor(pool: pg.Pool, runId: number, where: string) {
    this.#pool = pool;
    this.#run = runId;
    this.where = where;
  }

  async #query<Row extends pg.QueryResultRow = Record<string, never>>(sql: string, params: unknown[] = []) {
    return (await this.#pool.query<Row>(sql, [this.#run, ...params])).rows;
  }

  async close(): Promise<void> {
    // the pool belongs to the store
  }

  async hasInventory(): Promise<boolean> {
    const rows = await this.#query<{ at: number | null }>(
      `SELECT inventory_imported_at AS at FROM ${S}.runs WHERE id = $1`,
    );
    return rows[0]?.at != null;
  }

  async importInventory(refs: readonly string[], rejected: readonly RejectedRow[]): Promise<void> {
    const now = Date.now();
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${S}.vehicles (run_id, ref, position, updated_at)
         SELECT $1, ref, position - 1, $3 FROM unnest($2::text[]) WITH ORDINALITY AS t (ref, position)
         ON CONFLICT (run_id, ref) DO NOTHING`,
        [this.#run, refs, now],
      );
      for (const row of rejected) {
        await client.query(
          `INSERT INTO ${S}.rejected_rows (run_id, row_number, value, reason) VALUES ($1, $2, $3, $4)`,
          [this.#run, row.rowNumber, row.value, row.reason],
        );
      }
      await client.query(`UPDATE ${S}.runs SET inventory_imported_at = $2 WHERE id = $1`, [this.#run, now]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async counts(): Promise<Counts> {
    const rows = await this.#query<{ state: VehicleState; n: number }>(
      `SELECT state, COUNT(*) AS n FROM ${S}.vehicles WHERE run_id = $1 GROUP BY state`,
    );
    const counts: Counts = { total: 0, pending: 0, leased: 0, done: 0, failed: 0, rejected: 0 };
    for (const row of rows) {
      counts[row.state] = row.n;
      counts.total += row.n;
    }
    const [rejected] = await this.#query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${S}.rejected_rows WHERE run_id = $1`,
    );
    counts.rejected = rejected?.n ?? 0;
    return counts;
  }

  async vehicles(state?: VehicleState): Promise<VehicleRow[]> {
    return (await this.#vehicleRows(state)).map(({ position: _p, doneAt: _d, ...row }) => row);
  }

  async #vehicleRows(state?: VehicleState) {
    const rows = await this.#query<StoredVehicle>(
      `SELECT ref, state, attempts, file, sha256, duration_ms, failure_kind, failure_reason, position, done_at
       FROM ${S}.vehicles WHERE run_id = $1 AND ($2::text IS NULL OR state = $2) ORDER BY position`,
      [state ?? null],
    );
    return rows.map((row) => ({
      ref: row.ref,
      state: row.state,
      attempts: row.attempts,
      file: row.file,
      sha256: row.sha256,
      durationMs: row.duration_ms,
      failureKind: row.failure_kind,
      failureReason: row.failure_reason,
      position: row.position,
      doneAt: row.done_at,
    }));
  }

  async increment(counter: string, by = 1): Promise<void> {
    await this.#query(
      `INSERT INTO ${S}.counters (run_id, name, value) VALUES ($1, $2, $3)
       ON CONFLICT (run_id, name) DO UPDATE SET value = ${S}.counters.value + EXCLUDED.value`,
      [counter, by],
    );
  }

  async counter(counter: string): Promise<number> {
    const rows = await this.#query<{ value: number }>(
      `SELECT value FROM ${S}.counters WHERE run_id = $1 AND name = $2`,
      [counter],
    );
    return rows[0]?.value ?? 0;
  }

  async leases(): Promise<Lease[]> {
    const rows = await this.#query<{ ref: string; leased_by: string | null; leased_until: number | null }>(
      `SELECT ref, leased_by, leased_until FROM ${S}.vehicles WHERE run_id = $1 AND state = 'leased'`,
    );
    return rows.map((row) => ({ ref: row.ref, owner: row.leased_by ?? '', until: row.leased_until }));
  }

  /**
   * The attempt that ends now, read from the lease before it is cleared, and the vehicle's new
   * state, in one statement (so one transaction): `update` is the SET list, `$3` is now.
   */
  async #endAttempt(
    refs: readonly string[],
    outcome: 'done' | 'retry' | 'failed' | 'released',
    details: AttemptOutcome,
    update: string,
    params: unknown[] = [],
    onlyLeased = false,
  ): Promise<void> {
    const leased = onlyLeased ? "AND state = 'leased'" : '';
    await this.#query(
      `WITH ended AS (
         INSERT INTO ${S}.attempts (run_id, ref, worker, started_at, ended_at, outcome, kind, reason, counted)
         SELECT run_id, ref, leased_by, leased_at, $3, $4, $5, $6, $7 FROM ${S}.vehicles
         WHERE run_id = $1 AND ref = ANY($2::text[]) ${leased})
       UPDATE ${S}.vehicles SET ${update} WHERE run_id = $1 AND ref = ANY($2::text[]) ${leased}`,
      [refs, Date.now(), outcome, details.kind ?? null, details.reason ?? null, details.counted === true, ...params],
    );
  }

  async releaseLeases(refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    await this.#endAttempt(
      refs,
      'released',
      {},
      "state = 'pending', leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = $3",
      [],
      true,
    );
  }

  async lease(owner: string, now: number, until: number, onlyRefs?: readonly string[]): Promise<VehicleTask | null> {
    // A vehicle whose lease expired (its holder died, here or on another machine) is ready again.
    const rows = await this.#query<{ ref: string; attempts: number; free_retries: number }>(
      `UPDATE ${S}.vehicles SET state = 'leased', leased_by = $2, leased_at = $3, leased_until = $4, updated_at = $3
       WHERE run_id = $1 AND ref = (
         SELECT ref FROM ${S}.vehicles
         WHERE run_id = $1 AND ((state = 'pending' AND not_before <= $3) OR (state = 'leased' AND leased_until < $3))
           AND ($5::text[] IS NULL OR ref = ANY($5::text[]))
         ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ref, attempts, free_retries`,
      [owner, now, until, onlyRefs ? [...onlyRefs] : null],
    );
    const row = rows[0];
    return row ? { id: row.ref, attempts: row.attempts, freeRetries: row.free_retries } : null;
  }

  async renew(ref: string, owner: string, until: number): Promise<void> {
    await this.#query(
      `UPDATE ${S}.vehicles SET leased_until = $4 WHERE run_id = $1 AND ref = $2 AND state = 'leased' AND leased_by = $3`,
      [ref, owner, until],
    );
  }

  async nextReadyAt(onlyRefs?: readonly string[]): Promise<number | null> {
    const rows = await this.#query<{ at: number | null }>(
      `SELECT MIN(CASE state WHEN 'pending' THEN not_before ELSE leased_until END) AS at FROM ${S}.vehicles
       WHERE run_id = $1 AND state IN ('pending', 'leased') AND ($2::text[] IS NULL OR ref = ANY($2::text[]))`,
      [onlyRefs ? [...onlyRefs] : null],
    );
    return rows[0]?.at ?? null;
  }

  async complete(ref: string, pdf: SavedPdf): Promise<void> {
    await this.#endAttempt(
      [ref],
      'done',
      {},
      `state = 'done', attempts = attempts + 1, file = $8, bytes = $9, sha256 = $10,
       duration_ms = $3 - COALESCE(leased_at, $3), done_at = $3, failure_kind = NULL, failure_reason = NULL,
       leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = $3`,
      [pdf.file, pdf.bytes, pdf.sha256],
    );
  }

  async retry(ref: string, notBefore: number, counted: boolean, outcome: AttemptOutcome): Promise<void> {
    await this.#endAttempt(
      [ref],
      'retry',
      { ...outcome, counted },
      `state = 'pending', not_before = $8, attempts = attempts + $9, free_retries = free_retries + $10,
       failure_kind = $5, failure_reason = $6, leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = $3`,
      [notBefore, counted ? 1 : 0, counted ? 0 : 1],
    );
  }

  async giveUp(ref: string, outcome: AttemptOutcome): Promise<void> {
    await this.#endAttempt(
      [ref],
      'failed',
      { ...outcome, counted: true },
      `state = 'failed', attempts = attempts + 1, failure_kind = $5, failure_reason = $6,
       leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = $3`,
    );
  }

  async release(ref: string): Promise<void> {
    await this.#query(
      `UPDATE ${S}.vehicles SET state = 'pending', leased_by = NULL, leased_at = NULL, leased_until = NULL, updated_at = $3
       WHERE run_id = $1 AND ref = $2 AND state = 'leased'`,
      [ref, Date.now()],
    );
  }

  async requeue(refs: readonly string[]): Promise<void> {
    await this.#query(
      `UPDATE ${S}.vehicles SET state = 'pending', attempts = 0, free_retries = 0, not_before = 0, file = NULL, bytes = NULL,
       sha256 = NULL, done_at = NULL, failure_kind = NULL, failure_reason = NULL, updated_at = $3
       WHERE run_id = $1 AND ref = ANY($2::text[]) AND state != 'leased'`,
      [refs, Date.now()],
    );
  }

  async failedFor(kinds: readonly string[]): Promise<string[]> {
    const rows = await this.#query<{ ref: string }>(
      `SELECT ref FROM ${S}.vehicles WHERE run_id = $1 AND state = 'failed' AND failure_kind = ANY($2::text[])
       ORDER BY position`,
      [kinds],
    );
    return rows.map((row) => row.ref);
  }

  async requeueFailed(refs: readonly string[], notBefore: number): Promise<void> {
    await this.#query(
      `UPDATE ${S}.vehicles SET state = 'pending', attempts = GREATEST(0, attempts - 1), not_before = $3, updated_at = $4
       WHERE run_id = $1 AND ref = ANY($2::text[])`,
      [refs, notBefore, Date.now()],
    );
  }

  async startInvocation(workers: number): Promise<number> {
    const rows = await this.#query<{ id: number }>(
      `INSERT INTO ${S}.invocations (run_id, started_at, workers) VALUES ($1, $2, $3) RETURNING id`,
      [Date.now(), workers],
    );
    return rows[0]!.id;
  }

  async endInvocation(id: number, outcome: string): Promise<void> {
    await this.#query(`UPDATE ${S}.invocations SET ended_at = $3, outcome = $4 WHERE run_id = $1 AND id = $2`, [
      id,
      Date.now(),
      outcome,
    ]);
  }

  async closeOpenInvocations(outcome: string): Promise<void> {
    await this.#query(
      `UPDATE ${S}.invocations SET outcome = $2,
         ended_at = GREATEST(started_at, COALESCE((SELECT MAX(updated_at) FROM ${S}.vehicles WHERE run_id = $1), started_at))
       WHERE run_id = $1 AND ended_at IS NULL`,
      [outcome],
    );
  }

  async recordSteps(ref: string, steps: readonly StepTime[]): Promise<void> {
    if (steps.length === 0) return;
    await this.#query(
      `INSERT INTO ${S}.attempt_steps (attempt_id, run_id, step, started_at, ms)
       SELECT a.id, $1, s.step, s.started_at, s.ms
       FROM (SELECT MAX(id) AS id FROM ${S}.attempts WHERE run_id = $1 AND ref = $2) a,
            unnest($3::text[], $4::bigint[], $5::bigint[]) AS s (step, started_at, ms)
       WHERE a.id IS NOT NULL`,
      [
        ref,
        steps.map((step) => step.step),
        steps.map((step) => step.startedAt),
        steps.map((step) => Math.max(0, Math.round(step.ms))),
      ],
    );
  }

  async recordIncident(kind: string, detail?: string): Promise<void> {
    await this.#query(`INSERT INTO ${S}.incidents (run_id, at, kind, detail) VALUES ($1, $2, $3, $4)`, [
      Date.now(),
      kind,
      detail ?? null,
    ]);
  }

  /** Every row the reports read, in one consistent snapshot. */
  async reads(): Promise<LedgerReads> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const q = async <Row extends pg.QueryResultRow>(sql: string) => (await client.query<Row>(sql, [this.#run])).rows;
      const [run] = await q<{ at: number | null }>(`SELECT inventory_imported_at AS at FROM ${S}.runs WHERE id = $1`);
      const vehicles = await q<StoredVehicle>(
        `SELECT ref, state, attempts, file, sha256, duration_ms, failure_kind, failure_reason, position, done_at
         FROM ${S}.vehicles WHERE run_id = $1`,
      );
      const attempts = await q<{
        id: number;
        outcome: string;
        kind: string | null;
        counted: boolean;
        ended_at: number;
      }>(`SELECT id, outcome, kind, counted, ended_at FROM ${S}.attempts WHERE run_id = $1`);
      const rejected = await q<{ row_number: number; value: string; reason: string }>(
        `SELECT row_number, value, reason FROM ${S}.rejected_rows WHERE run_id = $1`,
      );
      const invocations = await q<{
        id: number;
        started_at: number;
        ended_at: number | null;
        outcome: string | null;
        workers: number;
      }>(`SELECT id, started_at, ended_at, outcome, workers FROM ${S}.invocations WHERE run_id = $1`);
      const counters = await q<{ name: string; value: number }>(
        `SELECT name, value FROM ${S}.counters WHERE run_id = $1`,
      );
      const steps = await q<{ attempt_id: number; step: string; started_at: number; ms: number }>(
        `SELECT attempt_id, step, started_at, ms FROM ${S}.attempt_steps WHERE run_id = $1`,
      );
      const incidents = await q<{ at: number; kind: string; detail: string | null }>(
        `SELECT at, kind, detail FROM ${S}.incidents WHERE run_id = $1`,
      );
      await client.query('COMMIT');
      const snapshot: LedgerSnapshot = {
        hasInventory: run?.at != null,
        vehicles: vehicles.map((row) => ({
          ref: row.ref,
          state: row.state,
          attempts: row.attempts,
          file: row.file,
          sha256: row.sha256,
          durationMs: row.duration_ms,
          failureKind: row.failure_kind,
          failureReason: row.failure_reason,
          position: row.position,
          doneAt: row.done_at,
        })),
        attempts: attempts.map((row) => ({
          id: row.id,
          outcome: row.outcome as LedgerSnapshot['attempts'][number]['outcome'],
          kind: row.kind,
          counted: row.counted,
          endedAt: row.ended_at,
        })),
        rejected: rejected.map((row) => ({ rowNumber: row.row_number, value: row.value, reason: row.reason })),
        invocations: invocations.map((row) => ({
          id: row.id,
          startedAt: row.started_at,
          endedAt: row.ended_at,
          outcome: row.outcome,
          workers: row.workers,
        })),
        counters: Object.fromEntries(counters.map((row) => [row.name, row.value])),
        steps: steps.map((row) => ({
          attemptId: row.attempt_id,
          step: row.step,
          startedAt: row.started_at,
          ms: row.ms,
        })),
        incidents,
      };
      return new SnapshotReads(snapshot);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * The open session of one account in the queue database, sealed (AES-256-GCM, bound to the
 * account): the worker that takes over a dead worker's job puts it back instead of logging in
 * again, which the portal would refuse while that session lives.
 */
export class PgSessionVault implements SessionVault {
  readonly where: string;
  #pool: pg.Pool;
  #key: Buffer;
  #account: string;

  constructor(pool: pg.Pool, accountKey: string, key: Buffer) {
    this.#pool = pool;
    this.#account = accountKey;
    this.#key = key;
    this.where = `the queue database (session of account ${accountKey.slice(0, 8)})`;
  }

  async save(cookies: readonly Cookie[]): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${S}.sessions (account_key, sealed, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (account_key) DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = EXCLUDED.updated_at`,
      [this.#account, sealCookies(cookies, this.#key, this.#account), Date.now()],
    );
  }

  async load(): Promise<Cookie[] | null> {
    const { rows } = await this.#pool.query<{ sealed: Buffer }>(
      `SELECT sealed FROM ${S}.sessions WHERE account_key = $1`,
      [this.#account],
    );
    return rows[0] ? unsealCookies(rows[0].sealed, this.#key, this.#account) : null;
  }

  async clear(): Promise<void> {
    await this.#pool.query(`DELETE FROM ${S}.sessions WHERE account_key = $1`, [this.#account]);
  }
}

/** The state database of one run. Bump SCHEMA_VERSION when this changes. */
export const SCHEMA_VERSION = 3;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per vehicle of the inventory. state: pending -> leased -> done | failed (| pending again).
CREATE TABLE IF NOT EXISTS vehicles (
  ref            TEXT PRIMARY KEY,
  position       INTEGER NOT NULL,
  state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'failed')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  free_retries   INTEGER NOT NULL DEFAULT 0,
  not_before     INTEGER NOT NULL DEFAULT 0,
  leased_by      TEXT,
  leased_at      INTEGER,
  -- The lease expires then unless its owner renews it (a dead owner's vehicle is taken back).
  leased_until   INTEGER,
  file           TEXT,
  bytes          INTEGER,
  sha256         TEXT,
  duration_ms    INTEGER,
  done_at        INTEGER,
  failure_kind   TEXT,
  failure_reason TEXT,
  updated_at     INTEGER
);
CREATE INDEX IF NOT EXISTS vehicles_by_state ON vehicles (state, not_before, position);

-- Every finished attempt, for metrics (retries, durations) and the failure report.
CREATE TABLE IF NOT EXISTS attempts (
  id         INTEGER PRIMARY KEY,
  ref        TEXT NOT NULL,
  worker     TEXT,
  started_at INTEGER,
  ended_at   INTEGER NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('done', 'retry', 'failed', 'released')),
  kind       TEXT,
  reason     TEXT,
  -- 1 when the attempt used up one of the vehicle's retries (its own cause or the portal's)
  counted    INTEGER NOT NULL DEFAULT 0
);

-- Inventory rows that could not become vehicles (blank or unsafe reference). Never used in a path.
CREATE TABLE IF NOT EXISTS rejected_rows (
  row_number INTEGER NOT NULL,
  value      TEXT NOT NULL,
  reason     TEXT NOT NULL
);

-- Each 'bookout run' on this run folder.
CREATE TABLE IF NOT EXISTS invocations (
  id         INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at   INTEGER,
  outcome    TEXT,
  workers    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

-- The steps of each finished attempt and how long each took (time per step in report.html).
CREATE TABLE IF NOT EXISTS attempt_steps (
  attempt_id INTEGER NOT NULL REFERENCES attempts (id),
  step       TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ms         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_steps_by_attempt ON attempt_steps (attempt_id);

-- What held every tab up, and when: session recoveries, browser restarts, outages, waits for 429.
CREATE TABLE IF NOT EXISTS incidents (
  at     INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT
);
`;

/** Statements that bring an older ledger to SCHEMA_VERSION, by the version they start from. */
export const MIGRATIONS: Record<number, string> = {
  // 2: leases expire; the session cookies moved out of the run folder (the per-user session store).
  1: `ALTER TABLE vehicles ADD COLUMN leased_until INTEGER; ALTER TABLE attempts ADD COLUMN counted INTEGER NOT NULL DEFAULT 0;
      DROP TABLE IF EXISTS session;`,
  // 3: attempt_steps and incidents, new tables that SCHEMA (run before the migrations) creates.
  2: '',
};

/** The state database of one run. Bump SCHEMA_VERSION when this changes. */
export const SCHEMA_VERSION = 1;

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
  reason     TEXT
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

-- The portal session cookies while a run is logged in, encrypted with a key derived from the
-- credentials (which are never stored), so a crashed run can take its session back instead of
-- being refused for an 'active session'. Deleted at logout.
CREATE TABLE IF NOT EXISTS session (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  sealed   BLOB NOT NULL,
  saved_at INTEGER NOT NULL
);
`;

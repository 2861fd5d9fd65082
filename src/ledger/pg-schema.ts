/** The queue mode's own tables (the runs' ledgers and the open sessions), in schema `bookout`. */
export const PG_SCHEMA = 'bookout';

export const PG_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA};

-- One row per run of an account (MM-DD-YYYY, as its folder on the shared mount).
CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.runs (
  id                    BIGSERIAL PRIMARY KEY,
  account               TEXT NOT NULL,
  name                  TEXT NOT NULL,
  created_at            BIGINT NOT NULL,
  inventory_imported_at BIGINT,
  UNIQUE (account, name)
);

-- The tables of the SQLite ledger (see schema.ts), each row belonging to one run.
CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.vehicles (
  run_id         BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  ref            TEXT NOT NULL,
  position       INTEGER NOT NULL,
  state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'failed')),
  attempts       INTEGER NOT NULL DEFAULT 0,
  free_retries   INTEGER NOT NULL DEFAULT 0,
  not_before     BIGINT NOT NULL DEFAULT 0,
  leased_by      TEXT,
  leased_at      BIGINT,
  leased_until   BIGINT,
  file           TEXT,
  bytes          BIGINT,
  sha256         TEXT,
  duration_ms    BIGINT,
  done_at        BIGINT,
  failure_kind   TEXT,
  failure_reason TEXT,
  updated_at     BIGINT,
  PRIMARY KEY (run_id, ref)
);
CREATE INDEX IF NOT EXISTS vehicles_by_state ON ${PG_SCHEMA}.vehicles (run_id, state, not_before, position);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.attempts (
  id         BIGSERIAL PRIMARY KEY,
  run_id     BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  ref        TEXT NOT NULL,
  worker     TEXT,
  started_at BIGINT,
  ended_at   BIGINT NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('done', 'retry', 'failed', 'released')),
  kind       TEXT,
  reason     TEXT,
  counted    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS attempts_by_run ON ${PG_SCHEMA}.attempts (run_id, ref);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.rejected_rows (
  run_id     BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  row_number INTEGER NOT NULL,
  value      TEXT NOT NULL,
  reason     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.invocations (
  id         BIGSERIAL PRIMARY KEY,
  run_id     BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  started_at BIGINT NOT NULL,
  ended_at   BIGINT,
  outcome    TEXT,
  workers    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.counters (
  run_id BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  name   TEXT NOT NULL,
  value  BIGINT NOT NULL,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.attempt_steps (
  attempt_id BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.attempts (id),
  run_id     BIGINT NOT NULL,
  step       TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ms         BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_steps_by_run ON ${PG_SCHEMA}.attempt_steps (run_id);

CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.incidents (
  run_id BIGINT NOT NULL REFERENCES ${PG_SCHEMA}.runs (id),
  at     BIGINT NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT
);

-- The cookies of each account's open portal session, sealed, while it is open: a worker that
-- takes over a dead worker's job takes its session back instead of being refused by the portal.
CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.sessions (
  account_key TEXT PRIMARY KEY,
  sealed      BYTEA NOT NULL,
  updated_at  BIGINT NOT NULL
);

-- The key that seals them when BOOKOUT_SESSION_KEY is not set on the workers.
CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.session_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BYTEA NOT NULL
);
`;

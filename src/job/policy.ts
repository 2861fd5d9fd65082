// The numbers behind how a run behaves that are not settings, each named once.

/** Attempts of a step before the downloads (sign-in, export) or of a recovery, for errors of the portal. */
export const SETUP_ATTEMPTS = 4;
/** Answers "wait" (429) that a step before the downloads or a recovery puts up with before giving up. */
export const SETUP_THROTTLED_TRIES = 20;
/** Browser restarts a step or a recovery may need before it gives up. */
export const SETUP_BROWSER_RESTARTS = 3;
/** How long the portal may be unreachable before the run stops. */
export const MAX_OUTAGE_MS = 30 * 60_000;
/** Session recoveries allowed per invocation before the run stops (a portal that keeps ending sessions). */
export const MAX_SESSION_RECOVERIES = 30;
/** How often the open session's cookies are saved again (the portal may refresh them). */
export const SESSION_SAVE_EVERY_MS = 60_000;
/** Logging out at the end of a run may take this long in all (a few tries included). */
export const LOGOUT_WITHIN_MS = 60_000;
/** Logging out after Ctrl-C may take this long (the user waits for it). */
export const STOP_LOGOUT_WITHIN_MS = 8000;
/** The one quick logout attempt when the user insists on quitting at once. */
export const QUICK_LOGOUT_WITHIN_MS = 2_000;
/** No vehicle finished for this long while work is left: the tabs are replaced; twice in a row: the run stops. */
export const NO_PROGRESS_LIMIT_MS = 10 * 60_000;
/** Rounds of the final sweep at most (each one more try for the vehicles that failed for a passing reason). */
export const SWEEP_ROUNDS = 3;
/** Failure kinds whose vehicles get one more round in the final sweep (everything but the vehicle's own). */
export const SWEEP_KINDS = [
  'transient',
  'hang',
  'slot',
  'internal',
  'session',
  'throttled',
  'unavailable',
  'browser',
  'changed',
];
/**
 * Vehicles in a row whose pages lack what bookout knows of them (the portal has changed) before the
 * run stops, instead of trying every vehicle.
 */
export const CHANGED_IN_A_ROW = 3;
/** Error snapshots (a failed attempt's page, HTML and PNG) of each kind of failure, at most; and in all. */
export const SNAPSHOTS_PER_KIND = 3;
export const SNAPSHOTS_PER_RUN = 50;
/** Taking one snapshot may take this long; writing it a little more. The attempt never waits beyond that. */
export const SNAPSHOT_WITHIN_MS = 3000;
export const SNAPSHOT_AND_WRITE_WITHIN_MS = 5000;
/** The run's state files (checkpoint, metrics, tracking) are written again this often while it works. */
export const STATE_FILES_EVERY_MS = 30_000;
/**
 * With WORKERS=auto, the first round of downloads starts with this many tabs (then doubles while the
 * portal keeps up): fewer than the 5 the portal is known to carry from the field.
 */
export const AUTO_START_TABS = 4;

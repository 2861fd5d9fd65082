import type { AccountBrowser } from '../browser/browser-host.ts';
import type { Settings } from '../config/settings.ts';
import type { SharedBudget } from '../engine/shared-budget.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import type { Metrics } from '../output/reports.ts';
import type { RunPaths } from '../output/run-folders.ts';
import type { PortalKind } from '../portal/portal.ts';
import type { SessionVault } from '../session/session-store.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import type { RunObserver } from './run-observer.ts';
import type { Verdict } from './run-outcome.ts';

export interface RunRequest {
  settings: Settings;
  portalKind: PortalKind;
  output: ConsoleOutput;
  /** Start a new run folder even when the latest run is unfinished. */
  forceNew?: boolean;
  /** Continue the latest run (or `runFolder`) even if finished, and try its failed vehicles again. */
  retryFailed?: boolean;
  /** Continue this run folder instead of the latest one. */
  runFolder?: string;
  /** `auto`: live on a terminal, plain lines otherwise. */
  progress?: 'auto' | 'live' | 'plain';
  /** Aborting it stops the run cleanly (Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Registers the last steps to take when the user quits at once (a second Ctrl-C). */
  onQuit?: (last: () => Promise<void>) => void;
  /** Sees the run while it works (the web page). */
  observer?: RunObserver;
}

/** What one run works with besides its request: where it writes, its ledger, its browser, its saved session. */
export interface RunParts {
  paths: RunPaths;
  ledger: RunLedger;
  /** The account's browser context (its own host, or one context of a host shared by accounts). */
  browser: AccountBrowser;
  sessions: SessionVault;
  /** Tabs shared with the runs of other accounts. */
  budget?: SharedBudget;
  /** Keep the computer awake (a group's run does it once, not per account). Default: KEEP_AWAKE. */
  keepAwake?: boolean;
  /** Warn when the run folder is on a network drive (where a SQLite ledger is at risk). */
  warnOnNetworkDrive: boolean;
  /** Runs once the browser is closed. */
  afterClose?: () => void;
  /** The machine's name in the leases of this run (a queue worker's --name); default: the host name. */
  leaseHost?: string;
}

export interface RunOutcome extends Verdict {
  paths: RunPaths;
  /** Null when the run ended before it had an inventory (then its new folder is removed again). */
  metrics: Metrics | null;
}

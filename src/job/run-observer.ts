// What a dashboard (the web page) can see of a run while it works, without reaching into it:
// the run's figures as cheap synchronous reads, the pool's events as data, the log's entries.
import type { PoolEvent } from '../engine/events.ts';
import type { WorkerView } from '../engine/worker-pool.ts';
import type { Counts } from '../ledger/ledger.ts';
import type { Throughput } from '../output/report-data.ts';
import type { Metrics, RunStatus } from '../output/reports.ts';
import type { RunPaths } from '../output/run-folders.ts';
import type { VehicleTask } from '../records.ts';
import type { Log } from '../ui/console.ts';

export type { WorkerView } from '../engine/worker-pool.ts';
export type { Counts } from '../ledger/ledger.ts';
export type RunPoolEvent = PoolEvent<VehicleTask>;

/** The run, from its start until `finished`: after that nothing of it may be read. */
export interface ObservedRun {
  paths: RunPaths;
  /** Add a sink to see every entry (already redacted). */
  log: Log;
  counts(): Counts;
  counter(name: 'session_recoveries' | 'browser_restarts'): number;
  /** The whole run's throughput over time (all invocations), as report.html draws it. */
  throughput(): Throughput;
}

/** One round of downloads (the final sweep is a second round). */
export interface ObservedDownloads {
  startedAt: number;
  events: { on(listener: (event: RunPoolEvent) => void): () => void };
  tabs(): WorkerView[];
  /** What every tab waits for, while they do ("signing in again"). */
  note(): string | undefined;
  /** When each vehicle of this invocation was done. */
  finishedAt: readonly number[];
}

export interface RunEnd {
  status: RunStatus;
  exitCode: number;
  message?: string;
  /** Null when the run ended before it had an inventory (a refused login, say). */
  metrics: Metrics | null;
  paths: RunPaths;
}

/** Told what happens; every method optional. An observer that throws is ignored, never the run's problem. */
export interface RunObserver {
  started?(run: ObservedRun): void;
  /** The run has a portal session: `withPassword` when the portal has just accepted the password, false when a
   * session of an earlier run was still alive (the password was not checked). */
  signedIn?(withPassword: boolean): void;
  downloading?(downloads: ObservedDownloads): void;
  downloadsEnded?(): void;
  /** The run has ended: its reports are written. The last moment `ObservedRun` may be read. */
  finished?(end: RunEnd): void;
}

/** Calls an observer's method, never letting it disturb the run. */
export function tell(observer: RunObserver | undefined, call: (observer: RunObserver) => void): void {
  if (!observer) return;
  try {
    call(observer);
  } catch {
    // a dashboard's trouble is not the run's
  }
}

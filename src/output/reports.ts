import { stringify } from 'csv-stringify/sync';
import type { LedgerReads } from '../ledger/run-ledger.ts';
import { formatDuration, printable } from '../text.ts';
import type { DurableWriter } from './atomic-write.ts';
import { reportData } from './report-data.ts';
import { reportHtml } from './report-html.ts';
import type { RunPaths } from './run-folders.ts';
import { listSnapshots } from './snapshots.ts';

export type RunStatus = 'running' | 'finished' | 'stopped' | 'failed';

/** What caused a failed attempt, as a person reads it, by the failure's kind. */
export const CAUSES: Record<string, string> = {
  permanent: 'vehicle',
  transient: 'portal',
  hang: 'portal (no answer)',
  throttled: 'portal (asked to wait)',
  unavailable: 'portal (unreachable)',
  session: 'session',
  browser: 'browser',
  slot: 'tab',
  internal: 'bookout (a bug)',
  changed: 'portal changed',
  fatal: 'run stopped',
};

export function causeOf(kind: string | null | undefined): string {
  return (kind && CAUSES[kind]) || kind || 'unknown';
}

/** metrics.json: the fields the predecessor wrote, plus throughput on wall time, per-vehicle percentiles and causes. */
export interface Metrics {
  total_inventory: number;
  attempted: number;
  succeeded: number;
  failed: number;
  remaining: number;
  success_rate: number;
  total_runtime_hours: number;
  avg_seconds_per_vehicle: number;
  vehicles_per_hour: number;
  p50_seconds_per_vehicle: number;
  p95_seconds_per_vehicle: number;
  workers: number;
  browser_restarts: number;
  retries: number;
  /** Failed attempts by cause (`attempts`), and how many of them used up one of the vehicle's retries (`counted`). */
  failed_attempts_by_cause: Record<string, { attempts: number; counted: number }>;
  /** Retries of vehicles spent on causes that were bookout's or a tab's own: should always be 0. */
  attempts_lost_to_own_errors: number;
  session_recoveries: number;
  wrong_vehicle_pdfs_rejected: number;
  started_at: string | null;
  /** With WORKERS=auto: every change of the tab count, as "<tabs>: <why>". */
  tab_changes: Array<{ at: string; change: string }>;
  last_vehicle_done_at: string | null;
  /** When the latest invocation ended; null while it runs. */
  ended_at: string | null;
  status: RunStatus;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const index = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[index] ?? 0;
}

export function computeMetrics(ledger: LedgerReads, workers: number, status: RunStatus, now = Date.now()): Metrics {
  const counts = ledger.counts();
  const durations = ledger.successDurations();
  const runtimeMs = ledger.totalRuntimeMs(now);
  const attempted = ledger.attemptedCount() + counts.rejected;
  const hours = runtimeMs / 3_600_000;
  const byKind = ledger.failedAttemptsByKind();
  const byCause: Metrics['failed_attempts_by_cause'] = {};
  for (const [kind, tally] of Object.entries(byKind)) {
    const cause = causeOf(kind);
    const sum = byCause[cause] ?? { attempts: 0, counted: 0 };
    byCause[cause] = { attempts: sum.attempts + tally.attempts, counted: sum.counted + tally.counted };
  }
  const ownKinds = ['slot', 'internal'];
  return {
    total_inventory: counts.total + counts.rejected,
    attempted,
    succeeded: counts.done,
    failed: counts.failed + counts.rejected,
    remaining: counts.pending + counts.leased,
    success_rate: attempted === 0 ? 0 : round((100 * counts.done) / attempted, 1),
    total_runtime_hours: round(hours, 3),
    avg_seconds_per_vehicle: attempted === 0 ? 0 : round(runtimeMs / 1000 / attempted, 2),
    vehicles_per_hour: hours === 0 ? 0 : round(counts.done / hours, 1),
    p50_seconds_per_vehicle: round(percentile(durations, 50) / 1000, 2),
    p95_seconds_per_vehicle: round(percentile(durations, 95) / 1000, 2),
    workers,
    browser_restarts: ledger.counter('browser_restarts'),
    retries: ledger.retryCount(),
    failed_attempts_by_cause: byCause,
    attempts_lost_to_own_errors: ownKinds.reduce((sum, kind) => sum + (byKind[kind]?.counted ?? 0), 0),
    session_recoveries: ledger.counter('session_recoveries'),
    wrong_vehicle_pdfs_rejected: ledger.counter('wrong_vehicle_pdfs'),
    started_at: isoOrNull(ledger.firstStartedAt()),
    last_vehicle_done_at: isoOrNull(ledger.lastDoneAt()),
    // Stopped at once (a second Ctrl-C), the invocation is still open: it ends now.
    ended_at: status === 'running' ? null : isoOrNull(ledger.lastEndedAt() ?? now),
    status,
    tab_changes: ledger
      .incidents()
      .filter((incident) => incident.kind === 'tabs')
      .map((incident) => ({ at: new Date(incident.at).toISOString(), change: incident.detail ?? '' })),
  };
}

/** Reference -> file name of its proven PDF, or null. */
export function trackingOf(ledger: LedgerReads): Record<string, string | null> {
  const entries = ledger.vehicles().map((vehicle) => [vehicle.ref, vehicle.state === 'done' ? vehicle.file : null]);
  return Object.fromEntries(entries);
}

/**
 * A cell a spreadsheet shows as text: one that would start a formula (=, +, -, @) or that starts
 * with a tab or a line break gets a leading apostrophe, as Excel's own "text" marker.
 */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
}

/** Every CSV bookout writes goes through here: no cell of it can run in a spreadsheet. */
export function safeCsv(rows: readonly string[][]): string {
  return stringify(rows.map((row) => row.map(safeCell)));
}

export function failuresCsv(ledger: LedgerReads): string {
  const rows: string[][] = [['reference', 'problem', 'cause', 'reason', 'attempts']];
  for (const vehicle of ledger.vehicles('failed')) {
    const kind = vehicle.failureKind ?? '';
    rows.push([vehicle.ref, kind, causeOf(kind), vehicle.failureReason ?? '', String(vehicle.attempts)]);
  }
  for (const row of ledger.rejectedRows()) {
    rows.push([row.value, 'rejected', 'inventory', `inventory row ${row.rowNumber}: ${row.reason}`, '0']);
  }
  return safeCsv(rows);
}

export function checkpointOf(ledger: LedgerReads, paths: RunPaths, status: RunStatus) {
  const counts = ledger.counts();
  return {
    run_folder: paths.root,
    status,
    updated_at: new Date().toISOString(),
    total: counts.total,
    done: counts.done,
    failed: counts.failed,
    rejected: counts.rejected,
    pending: counts.pending,
    in_progress: ledger.vehicles('leased').map((vehicle) => vehicle.ref),
  };
}

export interface ReportsOptions {
  workers: number;
  status: RunStatus;
  /** Why the run ended, when it ended early. */
  note?: string;
  /** The steps that are bookout's own work, for the time per step in report.html. */
  ownSteps: readonly string[];
}

/** A derived file that could not be written, and why. */
export interface Unwritten {
  file: string;
  reason: string;
  /** The error's code (EPERM, ENOSPC...), when it has one. */
  code?: string;
}

export interface ReportsWritten {
  metrics: Metrics;
  /** Files that could not be written; the others were. */
  unwritten: Unwritten[];
}

/**
 * Writes every derived file of the run, each atomically and each on its own: one that cannot be
 * written (held open by another program, say) is returned in `unwritten`, and the others still are.
 */
export async function writeReports(
  ledger: LedgerReads,
  paths: RunPaths,
  writer: DurableWriter,
  options: ReportsOptions,
): Promise<ReportsWritten> {
  const { workers, status } = options;
  const metrics = computeMetrics(ledger, workers, status);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: Array<[string, () => string]> = [
    [paths.tracking, () => json(trackingOf(ledger))],
    [paths.checkpoint, () => json(checkpointOf(ledger, paths, status))],
    [paths.metrics, () => json(metrics)],
    [paths.failures, () => failuresCsv(ledger)],
    [paths.reportHtml, () => reportHtml(reportData(ledger, paths, metrics, options))],
  ];
  const unwritten: Unwritten[] = [];
  for (const [file, content] of files) {
    const problem = await writeOnItsOwn(writer, file, content);
    if (problem) unwritten.push(problem);
  }
  return { metrics, unwritten };
}

/** Writes one file; a failure is returned, not thrown. */
export async function writeOnItsOwn(
  writer: DurableWriter,
  file: string,
  content: () => string,
): Promise<Unwritten | undefined> {
  try {
    await writer.write(file, content());
    return undefined;
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
    const code = (error as NodeJS.ErrnoException).code;
    return { file, reason, ...(code ? { code } : {}) };
  }
}

/** The human summary printed at the end and kept as report.txt. Printable text only. */
export function finalReport(ledger: LedgerReads, paths: RunPaths, metrics: Metrics, status: RunStatus, note?: string) {
  const failures = [
    ...ledger
      .vehicles('failed')
      .map(
        (vehicle) => `  ${vehicle.ref}: ${vehicle.failureReason ?? 'unknown'} (cause: ${causeOf(vehicle.failureKind)})`,
      ),
    ...ledger.rejectedRows().map((row) => `  row ${row.rowNumber} "${row.value}": ${row.reason}`),
  ].map(printable);
  const runTime = formatDuration(metrics.total_runtime_hours * 3_600_000);
  const lines = [
    `bookout report - ${paths.name} - ${status}`,
    note ? `  ${printable(note)}` : '',
    `  vehicles:   ${metrics.total_inventory}`,
    `  done:       ${metrics.succeeded} (PDFs proven and saved in ${paths.pdfs})`,
    `  failed:     ${metrics.failed}`,
    `  remaining:  ${metrics.remaining}${metrics.remaining > 0 ? ' (run bookout again to continue)' : ''}`,
    `  run time:   ${runTime} with ${metrics.workers} tabs, ${metrics.vehicles_per_hour} vehicles/hour`,
    `  per vehicle: p50 ${metrics.p50_seconds_per_vehicle} s, p95 ${metrics.p95_seconds_per_vehicle} s; ` +
      `retries ${metrics.retries}; browser restarts ${metrics.browser_restarts}; ` +
      `session recoveries ${metrics.session_recoveries}`,
  ].filter(Boolean);
  if (failures.length > 0) {
    const shown = failures.slice(0, 20);
    lines.push(`  what failed and why (all in ${paths.failures}):`, ...shown);
    if (failures.length > shown.length) lines.push(`  ... and ${failures.length - shown.length} more`);
  }
  const snapshots = listSnapshots(paths.snapshots);
  if (snapshots.length > 0) {
    const pages = snapshots.filter((file) => file.endsWith('.html')).length;
    lines.push(`  snapshots of ${pages} failed pages (HTML and PNG) in ${paths.snapshots}:`);
    for (const file of snapshots.slice(0, 10)) lines.push(`    ${file}`);
    if (snapshots.length > 10) lines.push(`    ... and ${snapshots.length - 10} more files`);
  }
  lines.push(`  report with charts: ${paths.reportHtml}`);
  return `${lines.join('\n')}\n`;
}

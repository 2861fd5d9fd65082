import { stringify } from 'csv-stringify/sync';
import type { Ledger } from '../ledger/ledger.ts';
import { formatDuration } from '../ui/text.ts';
import type { DurableWriter } from './atomic-write.ts';
import type { RunPaths } from './run-folders.ts';

export type RunStatus = 'running' | 'finished' | 'stopped' | 'failed';

/** metrics.json: the seeds' fields, plus throughput on wall time and per-vehicle percentiles. */
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
  session_recoveries: number;
  wrong_vehicle_pdfs_rejected: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const index = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAscending.length) - 1));
  return sortedAscending[index] ?? 0;
}

export function computeMetrics(ledger: Ledger, workers: number, now = Date.now()): Metrics {
  const counts = ledger.counts();
  const durations = ledger.successDurations();
  const runtimeMs = ledger.totalRuntimeMs(now);
  const attempted = ledger.attemptedCount() + counts.rejected;
  const failed = counts.failed + counts.rejected;
  const hours = runtimeMs / 3_600_000;
  return {
    total_inventory: counts.total + counts.rejected,
    attempted,
    succeeded: counts.done,
    failed,
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
    session_recoveries: ledger.counter('session_recoveries'),
    wrong_vehicle_pdfs_rejected: ledger.counter('wrong_vehicle_pdfs'),
  };
}

/** Reference -> file name of its proven PDF, or null. */
export function trackingOf(ledger: Ledger): Record<string, string | null> {
  return Object.fromEntries(
    ledger.vehicles().map((vehicle) => [vehicle.ref, vehicle.state === 'done' ? vehicle.file : null]),
  );
}

export function failuresCsv(ledger: Ledger): string {
  const rows: string[][] = [['reference', 'problem', 'reason', 'attempts']];
  for (const vehicle of ledger.vehicles('failed')) {
    rows.push([vehicle.ref, vehicle.failureKind ?? '', vehicle.failureReason ?? '', String(vehicle.attempts)]);
  }
  for (const row of ledger.rejectedRows()) {
    rows.push([row.value, 'rejected', `inventory row ${row.rowNumber}: ${row.reason}`, '0']);
  }
  return stringify(rows);
}

/** Writes every derived file of the run, each atomically. */
export async function writeReports(
  ledger: Ledger,
  paths: RunPaths,
  writer: DurableWriter,
  workers: number,
  status: RunStatus,
): Promise<Metrics> {
  const metrics = computeMetrics(ledger, workers);
  const counts = ledger.counts();
  await writer.writeJson(paths.tracking, trackingOf(ledger));
  await writer.writeJson(paths.checkpoint, {
    run_folder: paths.root,
    status,
    updated_at: new Date().toISOString(),
    total: counts.total,
    done: counts.done,
    failed: counts.failed,
    rejected: counts.rejected,
    pending: counts.pending,
    in_progress: ledger.vehicles('leased').map((vehicle) => vehicle.ref),
  });
  await writer.writeJson(paths.metrics, metrics);
  await writer.write(paths.failures, failuresCsv(ledger));
  return metrics;
}

/** The human summary printed at the end and kept as report.txt. ASCII only. */
export function finalReport(
  ledger: Ledger,
  paths: RunPaths,
  metrics: Metrics,
  status: RunStatus,
  note?: string,
): string {
  const failures = [
    ...ledger
      .vehicles('failed')
      .map((vehicle) => `  ${vehicle.ref}: ${vehicle.failureReason ?? vehicle.failureKind ?? 'unknown'}`),
    ...ledger.rejectedRows().map((row) => `  row ${row.rowNumber} "${row.value}": ${row.reason}`),
  ];
  const lines = [
    `bookout report - ${paths.name} - ${status}`,
    note ? `  ${note}` : '',
    `  vehicles:   ${metrics.total_inventory}`,
    `  done:       ${metrics.succeeded} (PDFs proven and saved in ${paths.pdfs})`,
    `  failed:     ${metrics.failed}`,
    `  remaining:  ${metrics.remaining}${metrics.remaining > 0 ? ' (run bookout again to continue)' : ''}`,
    `  run time:   ${formatDuration(metrics.total_runtime_hours * 3_600_000)} with ${metrics.workers} tabs, ${metrics.vehicles_per_hour} vehicles/hour`,
    `  per vehicle: p50 ${metrics.p50_seconds_per_vehicle} s, p95 ${metrics.p95_seconds_per_vehicle} s; retries ${metrics.retries}; browser restarts ${metrics.browser_restarts}; session recoveries ${metrics.session_recoveries}`,
  ].filter(Boolean);
  if (failures.length > 0) {
    const shown = failures.slice(0, 20);
    lines.push(`  what failed and why (all in ${paths.failures}):`, ...shown);
    if (failures.length > shown.length) lines.push(`  ... and ${failures.length - shown.length} more`);
  }
  return `${lines.join('\n')}\n`;
}

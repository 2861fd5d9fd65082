import type { Counts } from '../ledger/ledger.ts';
import type { LedgerReads } from '../ledger/run-ledger.ts';
import type { RejectedRow } from '../records.ts';
import { causeOf, percentile, type Metrics, type RunStatus } from './reports.ts';
import { listSnapshots } from './snapshots.ts';

/** Something on the time line of a run that explains its throughput. */
export interface Mark {
  at: number;
  kind: 'session' | 'browser' | 'outage' | 'paused' | 'throttled' | 'stop' | 'start';
  label: string;
}

/** The throughput of a run over time: when vehicles were done, when attempts failed, and what happened. */
export interface Throughput {
  start: number;
  end: number;
  doneTimes: number[];
  failedTimes: number[];
  marks: Mark[];
}

export interface StepSummary {
  step: string;
  /** `portal`: waiting for the portal's answer (and the browser's work on it); `bookout`: bookout's own work. */
  side: 'portal' | 'bookout';
  /** Steps of successful attempts. */
  count: number;
  totalMs: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
}

export interface FailureGroup {
  cause: string;
  reason: string;
  refs: string[];
}

export interface InvocationSummary {
  id: number;
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  workers: number;
  /** Vehicles done during this invocation. */
  done: number;
}

/** Everything report.html shows, read from the ledger. */
export interface ReportData {
  runName: string;
  runFolder: string;
  status: RunStatus;
  note?: string;
  generatedAt: number;
  metrics: Metrics;
  counts: Counts;
  throughput: Throughput;
  steps: StepSummary[];
  failures: FailureGroup[];
  rejected: RejectedRow[];
  invocations: InvocationSummary[];
  /** Error snapshot files (HTML and PNG), relative to the run folder. */
  snapshots: string[];
}

const MARK_LABELS: Record<string, string> = {
  session: 'session recovery',
  browser: 'browser restart',
  outage: 'portal unreachable',
  paused: 'all tabs paused',
  throttled: 'wait for 429',
};

/** The run's throughput over time, from the ledger (also what the web page draws live). */
export function throughputOf(ledger: LedgerReads, now = Date.now()): Throughput {
  const invocations = ledger.invocations();
  const doneTimes = ledger.doneTimes();
  const failedTimes = ledger.failedAttemptTimes().map((attempt) => attempt.at);
  const marks: Mark[] = ledger
    .incidents()
    .filter((incident) => incident.kind !== 'tabs')
    .map((incident) => ({
      at: incident.at,
      kind: incident.kind as Mark['kind'],
      label: MARK_LABELS[incident.kind] ?? incident.kind,
    }));
  invocations.forEach((invocation, index) => {
    if (index > 0) marks.push({ at: invocation.startedAt, kind: 'start', label: 'bookout started again' });
    if (invocation.endedAt !== null && invocation.outcome !== 'finished')
      marks.push({ at: invocation.endedAt, kind: 'stop', label: `bookout ${invocation.outcome ?? 'ended'}` });
  });
  marks.sort((a, b) => a.at - b.at);
  const times = [...doneTimes, ...failedTimes, ...marks.map((mark) => mark.at)];
  const start = Math.min(invocations[0]?.startedAt ?? now, ...times);
  const lastEnd = invocations.at(-1)?.endedAt ?? now;
  return { start, end: Math.max(start + 1, lastEnd, ...times), doneTimes, failedTimes, marks };
}

/** Time per step of the successful attempts, in the order the steps first happen. */
export function stepSummaries(ledger: LedgerReads, ownSteps: readonly string[]): StepSummary[] {
  const byStep = new Map<string, number[]>();
  for (const time of ledger.stepTimes()) {
    if (time.outcome !== 'done') continue;
    const list = byStep.get(time.step) ?? [];
    list.push(time.ms);
    byStep.set(time.step, list);
  }
  return [...byStep].map(([step, times]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const totalMs = sorted.reduce((sum, ms) => sum + ms, 0);
    return {
      step,
      side: ownSteps.includes(step) ? 'bookout' : 'portal',
      count: sorted.length,
      totalMs,
      meanMs: totalMs / sorted.length,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
    };
  });
}

/** Vehicles that failed for good, grouped by cause and reason, the largest group first. */
export function failureGroups(ledger: LedgerReads): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const vehicle of ledger.vehicles('failed')) {
    const cause = causeOf(vehicle.failureKind);
    const reason = vehicle.failureReason ?? 'unknown';
    const key = `${cause}\n${reason}`;
    const group = groups.get(key) ?? { cause, reason, refs: [] };
    group.refs.push(vehicle.ref);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.refs.length - a.refs.length || a.reason.localeCompare(b.reason));
}

export function invocationSummaries(ledger: LedgerReads, now = Date.now()): InvocationSummary[] {
  const doneTimes = ledger.doneTimes();
  return ledger.invocations().map((invocation) => {
    const end = invocation.endedAt ?? now;
    const done = doneTimes.filter((at) => at >= invocation.startedAt && at <= end).length;
    return { ...invocation, done };
  });
}

export interface ReportOptions {
  status: RunStatus;
  /** Why the run ended, when it ended early. */
  note?: string;
  /** Names of the steps that are bookout's own work (the rest wait for the portal). */
  ownSteps: readonly string[];
}

export function reportData(
  ledger: LedgerReads,
  paths: { name: string; root: string; snapshots?: string },
  metrics: Metrics,
  options: ReportOptions,
  now = Date.now(),
): ReportData {
  return {
    runName: paths.name,
    runFolder: paths.root,
    status: options.status,
    note: options.note,
    generatedAt: now,
    metrics,
    counts: ledger.counts(),
    throughput: throughputOf(ledger, now),
    steps: stepSummaries(ledger, options.ownSteps),
    failures: failureGroups(ledger),
    rejected: ledger.rejectedRows(),
    invocations: invocationSummaries(ledger, now),
    snapshots: paths.snapshots ? listSnapshots(paths.snapshots).map((file) => `run_data/snapshots/${file}`) : [],
  };
}

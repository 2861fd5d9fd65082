// One run's worth of ledger operations, the same on any RunLedger (SQLite or PostgreSQL), and every
// read the reports make, so that two ledgers given the same script can be compared read by read.
import type { LedgerReads, RunLedger } from '../../src/ledger/run-ledger.ts';

const pdf = (ref: string) => ({ file: `${ref}.pdf`, bytes: 1000 + ref.length, sha256: `sha-${ref}` });

/** Leases, outcomes of every kind, retries counted and not, a sweep, steps, incidents, invocations. */
export async function playScript(ledger: RunLedger, t0: number): Promise<void> {
  await ledger.closeOpenInvocations('killed');
  const invocation = await ledger.startInvocation(3);
  await ledger.importInventory(['A1', 'A2', 'A3', 'A4', 'A5', 'A6'], [{ rowNumber: 9, value: '', reason: 'blank' }]);
  const lease = (owner: string, at: number) => ledger.lease(owner, at, at + 60_000);
  const a1 = await lease('host#1/worker-1', t0 + 10);
  const a2 = await lease('host#1/worker-2', t0 + 20);
  const a3 = await lease('host#1/worker-3', t0 + 30);
  await ledger.renew(a1!.id, 'host#1/worker-1', t0 + 90_000);
  await ledger.complete(a1!.id, pdf(a1!.id));
  await ledger.recordSteps(a1!.id, [
    { step: 'opening the vehicle', startedAt: t0 + 11, ms: 120 },
    { step: 'saving the PDF', startedAt: t0 + 131, ms: 7 },
  ]);
  await ledger.retry(a2!.id, t0 + 5_000, true, { kind: 'transient', reason: 'HTTP 500' });
  await ledger.retry(a3!.id, t0, false, { kind: 'session', reason: 'session expired' });
  await ledger.recordIncident('session', 'signing in again');
  await ledger.increment('session_recoveries');
  await ledger.increment('browser_restarts', 2);
  const a4 = await lease('host#1/worker-1', t0 + 40);
  await ledger.giveUp(a4!.id, { kind: 'permanent', reason: 'not in the grid' });
  const a5 = await lease('host#1/worker-2', t0 + 50);
  await ledger.release(a5!.id);
  const again = await lease('host#1/worker-3', t0 + 60);
  await ledger.complete(again!.id, pdf(again!.id));
  const dead = await lease('host#2/worker-1', t0 + 70);
  await ledger.releaseLeases([dead!.id], t0 + 80);
  const failed = await ledger.failedFor(['permanent']);
  await ledger.requeueFailed(failed, t0 + 1);
  await ledger.endInvocation(invocation, 'stopped');
}

/** Every read of LedgerReads, as plain data. */
export function everyRead(reads: LedgerReads, now: number) {
  // Durations come from the clock of each run of the script: only whether there is one is compared.
  const timed = (rows: ReturnType<LedgerReads['vehicles']>) =>
    rows.map((vehicle) => ({ ...vehicle, durationMs: vehicle.durationMs === null }));
  return {
    hasInventory: reads.hasInventory(),
    counts: reads.counts(),
    vehicles: timed(reads.vehicles()),
    pending: timed(reads.vehicles('pending')),
    done: timed(reads.vehicles('done')),
    rejected: reads.rejectedRows(),
    counters: [reads.counter('session_recoveries'), reads.counter('browser_restarts'), reads.counter('none')],
    successDurations: reads.successDurations().length,
    retryCount: reads.retryCount(),
    failedAttemptsByKind: reads.failedAttemptsByKind(),
    firstStartedAt: reads.firstStartedAt() !== null,
    lastDoneAt: reads.lastDoneAt() !== null,
    attemptedCount: reads.attemptedCount(),
    lastEndedAt: reads.lastEndedAt() !== null,
    totalRuntimeMs: reads.totalRuntimeMs(now) >= 0,
    invocations: reads.invocations().map((row) => ({ outcome: row.outcome, workers: row.workers })),
    stepTimes: reads.stepTimes(),
    incidents: reads.incidents().map((incident) => ({ kind: incident.kind, detail: incident.detail })),
    doneTimes: reads.doneTimes().length,
    failedAttemptTimes: reads.failedAttemptTimes().map((attempt) => attempt.kind),
  };
}

import type { PoolResult } from '../engine/worker-pool.ts';
import { TaskFailure } from '../engine/failure.ts';
import { ExitCode, UserError } from '../errors.ts';
import type { Counts } from '../ledger/ledger.ts';
import type { RunStatus } from '../output/reports.ts';

/** How a run ended: its status in the ledger, the exit code, and the message for the user. */
export interface Verdict {
  status: RunStatus;
  exitCode: number;
  message?: string;
}

const STOPPED_ON_REQUEST: Verdict = {
  status: 'stopped',
  exitCode: ExitCode.interrupted,
  message: 'stopped on request; run bookout again to continue',
};

/** The verdict on a download phase that ran to its end. */
export function judgeResult(result: PoolResult, counts: Counts): Verdict {
  if (result.fatal?.kind === 'changed') return portalChanged(result.fatal, true);
  if (result.reason === 'fatal') {
    const cause = result.fatal?.cause;
    const exitCode = cause instanceof UserError ? cause.exitCode : ExitCode.stopped;
    return { status: 'failed', exitCode, message: result.fatal?.message };
  }
  if (result.reason === 'stopped') return STOPPED_ON_REQUEST;
  const exitCode = counts.failed + counts.rejected > 0 ? ExitCode.someFailed : ExitCode.ok;
  if (counts.pending + counts.leased > 0) {
    return {
      status: 'stopped',
      exitCode,
      message: 'batch limit reached (MAX_DOWNLOADS); run bookout again to continue',
    };
  }
  return { status: 'finished', exitCode };
}

/** The verdict on a run that a thrown error ended before or during the downloads. */
export function judgeError(error: unknown, stopped: boolean, classify: (error: unknown) => TaskFailure): Verdict {
  if (stopped) return STOPPED_ON_REQUEST;
  if (error instanceof UserError) return { status: 'failed', exitCode: error.exitCode, message: error.message };
  const failure = error instanceof TaskFailure ? error : classify(error);
  if (failure.kind === 'changed') return portalChanged(failure, false);
  const cause = failure.cause;
  const exitCode = cause instanceof UserError ? cause.exitCode : ExitCode.stopped;
  return { status: 'failed', exitCode, message: `stopped: ${failure.message}` };
}

/**
 * The portal's pages are not what bookout knows: stop, say what is missing where; during the
 * downloads, every vehicle stays for later.
 */
function portalChanged(failure: TaskFailure, downloading: boolean): Verdict {
  const stopped = downloading
    ? ' The run stopped instead of trying every vehicle; no vehicle was marked failed for it.'
    : '';
  return {
    status: 'failed',
    exitCode: ExitCode.portalChanged,
    message:
      `the portal has changed: ${failure.message}.${stopped} bookout check lists every fact bookout relies on; ` +
      'once bookout is updated, run it again to continue',
  };
}

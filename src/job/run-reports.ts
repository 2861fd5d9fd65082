import { basename } from 'node:path';
import { mostTabs, type Settings } from '../config/settings.ts';
import { messageOf } from '../engine/failure.ts';
import type { RunLedger } from '../ledger/run-ledger.ts';
import type { DurableWriter } from '../output/atomic-write.ts';
import {
  finalReport,
  writeOnItsOwn,
  writeReports,
  type ReportsOptions,
  type RunStatus,
  type Unwritten,
} from '../output/reports.ts';
import type { RunPaths } from '../output/run-folders.ts';
import type { ConsoleOutput, Log } from '../ui/console.ts';
import { OWN_STEPS } from './download-job.ts';
import type { LedgerFigures } from './ledger-figures.ts';
import type { RunOutcome } from './run-parts.ts';
import { tell, type RunObserver } from './run-observer.ts';
import type { Verdict } from './run-outcome.ts';

export interface RunReportsParts {
  settings: Settings;
  paths: RunPaths;
  ledger: RunLedger;
  figures: LedgerFigures;
  writer: DurableWriter;
  log: Log;
}

/**
 * The files a run leaves for people (tracking, checkpoint, metrics, failures, report.txt and
 * report.html): written while it works and once at its end, each file that cannot be written
 * named once with its cause.
 */
export class RunReports {
  #parts: RunReportsParts;
  #warnedUnwritten = new Set<string>();
  #stateWrites = Promise.resolve();

  constructor(parts: RunReportsParts) {
    this.#parts = parts;
  }

  /** One write of the state files at a time, so a late periodic write never replaces the final one. */
  save(status: RunStatus): Promise<void> {
    const { ledger, figures, paths, writer } = this.#parts;
    this.#stateWrites = this.#stateWrites.then(async () => {
      try {
        const reads = await ledger.reads();
        figures.remember(reads);
        const written = await writeReports(reads, paths, writer, this.#options(status));
        this.#reportUnwritten(written.unwritten);
      } catch {
        // the ledger has it all; the state files catch up at the next write
      }
    });
    return this.#stateWrites;
  }

  /**
   * Records the end, writes the reports and prints the summary. On a full or read-only disk each
   * file that cannot be written is named with its cause, and the summary is still printed.
   */
  async finish(
    invocation: number,
    verdict: Verdict,
    output: ConsoleOutput,
    observer: RunObserver | undefined,
  ): Promise<RunOutcome> {
    const { ledger, log, paths, writer } = this.#parts;
    await this.#stateWrites;
    try {
      await ledger.endInvocation(invocation, verdict.status);
    } catch (error) {
      log.warn(`could not record the end of the run in ${ledger.where} (${messageOf(error)})`);
    }
    const ended = `run ended: ${verdict.status}${verdict.message ? `, ${verdict.message}` : ''} (exit code ${verdict.exitCode})`;
    log.detail(ended, { verdict: { status: verdict.status, exitCode: verdict.exitCode, message: verdict.message } });
    const reads = await ledger.reads();
    if (!reads.hasInventory()) {
      await ledger.close();
      if (verdict.message) output.line(`bookout: ${verdict.message}`);
      tell(observer, (o) => o.finished?.({ ...verdict, metrics: null, paths }));
      return { ...verdict, paths, metrics: null };
    }
    const options = this.#options(verdict.status, verdict.message);
    const { metrics, unwritten } = await writeReports(reads, paths, writer, options);
    const report = finalReport(reads, paths, metrics, verdict.status, verdict.message);
    const reportProblem = await writeOnItsOwn(writer, paths.report, () => report);
    await ledger.close();
    output.line();
    for (const line of report.trimEnd().split('\n')) output.line(line);
    this.#warnedUnwritten.clear();
    this.#reportUnwritten(reportProblem ? [...unwritten, reportProblem] : unwritten);
    tell(observer, (o) => o.finished?.({ ...verdict, metrics, paths }));
    return { ...verdict, paths, metrics };
  }

  #options(status: RunStatus, note?: string): ReportsOptions {
    return { workers: mostTabs(this.#parts.settings), status, note, ownSteps: Object.values(OWN_STEPS) };
  }

  /** Says once per file that it could not be written (the state files are written every 30 s). */
  #reportUnwritten(unwritten: readonly Unwritten[]): void {
    for (const problem of unwritten) {
      const text = `could not write ${basename(problem.file)} (${problem.reason})${heldHint(problem.code)}; the other files are written`;
      if (this.#warnedUnwritten.has(problem.file)) this.#parts.log.detail(text);
      else this.#parts.log.warn(text);
      this.#warnedUnwritten.add(problem.file);
    }
  }
}

/** A rename refused on Windows usually means another program holds the file open. */
function heldHint(code: string | undefined): string {
  return code === 'EPERM' || code === 'EACCES' || code === 'EBUSY' ? ', is it open in another program?' : '';
}

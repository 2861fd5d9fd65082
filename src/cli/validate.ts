import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { Ledger } from '../ledger/ledger.ts';
import { RunLock } from '../ledger/run-lock.ts';
import { DurableWriter } from '../output/atomic-write.ts';
import { PdfStore } from '../output/pdf-store.ts';
import { valuesOnline } from '../portal/values-online/index.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { findRun } from './status.ts';

interface Problem {
  reference: string;
  reason: string;
  /** A bad file to move out of pdfs/ (with --fix). */
  file?: string;
}

/**
 * `bookout validate`: proves every PDF of a run again, from the files alone. With `fix`, bad or
 * missing PDFs go back in the queue (bad files move to run_data/rejected/) for `bookout run`.
 */
export async function validateCommand(
  output: ConsoleOutput,
  settings: Settings,
  runFolder: string | undefined,
  fix: boolean,
): Promise<number> {
  const paths = findRun(settings, runFolder);
  const lock = fix ? lockForFix(paths.lock) : undefined;
  const ledger = fix ? Ledger.open(paths.ledger) : Ledger.openReadOnly(paths.ledger);
  try {
    const store = new PdfStore(paths.pdfs, new DurableWriter(paths.temp), valuesOnline.reportIdentity);
    const problems: Problem[] = [];
    let proven = 0;
    const vehicles = ledger.vehicles();
    const known = new Set(vehicles.map((vehicle) => `${vehicle.ref}.pdf`));
    for (const vehicle of vehicles.filter((v) => v.state === 'done')) {
      const result = await store.prove(vehicle.ref);
      if (result === 'missing')
        problems.push({ reference: vehicle.ref, reason: 'marked done, but the file is missing' });
      else if (!result.proof.ok)
        problems.push({ reference: vehicle.ref, reason: result.proof.reason, file: store.pathOf(vehicle.ref) });
      else proven += 1;
    }
    const strays = readdirSync(paths.pdfs).filter((name) => !known.has(name));
    output.line(
      `validate ${paths.root}: ${proven} PDFs proven, ${problems.length} bad or missing, ${strays.length} unknown files in pdfs/`,
    );
    for (const problem of problems) output.line(`  ${problem.reference}: ${problem.reason}`);
    for (const stray of strays) output.line(`  unknown file: pdfs/${stray}`);
    if (fix && problems.length > 0) {
      const rejected = join(paths.data, 'rejected');
      mkdirSync(rejected, { recursive: true });
      for (const problem of problems)
        if (problem.file) renameSync(problem.file, join(rejected, `${problem.reference}.pdf`));
      ledger.requeue(problems.map((problem) => problem.reference));
      output.line(`  ${problems.length} vehicles are queued again; to fetch them: bookout run --run "${paths.root}"`);
    }
    return problems.length > 0 && !fix ? 1 : 0;
  } finally {
    ledger.close();
    lock?.release();
  }
}

function lockForFix(path: string): RunLock {
  const lock = RunLock.acquire(path);
  if (!lock) throw new UserError('bookout is running on this run folder; validate --fix must wait until it ends.');
  return lock;
}

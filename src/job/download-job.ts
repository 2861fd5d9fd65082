import { TaskFailure } from '../engine/failure.ts';
import type { Job, TaskContext } from '../engine/types.ts';
import type { PdfStore } from '../output/pdf-store.ts';
import { provePdf, type ProofFailure } from '../pdf/prove-pdf.ts';
import type { ReportTab } from '../portal/portal.ts';
import type { SavedPdf, VehicleTask } from '../records.ts';

/** Disk errors no retry can fix: the run stops, with everything so far kept. */
const DISK_FATAL = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS']);

/** The steps of a vehicle that are bookout's own work; the portal adapter reports the others (its pages). */
export const OWN_STEPS = { checkingDisk: 'checking disk', proving: 'proving PDF', saving: 'saving PDF' } as const;

/** A report the portal sent that is not the vehicle's complete PDF: tried again (counted). */
export class PdfRejected extends TaskFailure {
  override name = 'PdfRejected';
  constructor(reason: string) {
    super('transient', `PDF rejected: ${reason}`);
  }
}

export interface JobEvents {
  alreadyOnDisk(reference: string): void;
  wrongVehicle(reference: string, reason: string): void;
}

/** One vehicle: its report PDF, proven to be its own, safely on disk. */
export class DownloadJob implements Job<VehicleTask, ReportTab, SavedPdf> {
  #store: PdfStore;
  #events: JobEvents;

  constructor(store: PdfStore, events: JobEvents) {
    this.#store = store;
    this.#events = events;
  }

  async run(task: VehicleTask, tab: ReportTab, context: TaskContext): Promise<SavedPdf> {
    const reference = task.id;
    context.step(OWN_STEPS.checkingDisk, 'own');
    const onDisk = await this.#store.prove(reference);
    if (onDisk !== 'missing' && onDisk.proof.ok) {
      this.#events.alreadyOnDisk(reference);
      return onDisk.saved;
    }
    const bytes = await tab.downloadReport(reference, context);
    context.step(OWN_STEPS.proving, 'own');
    const proof = await provePdf(bytes, reference, this.#store.identity);
    if (!proof.ok) throw this.#proofFailure(reference, proof, tab);
    context.signal.throwIfAborted(); // never write for a task the engine has given up on
    context.step(OWN_STEPS.saving, 'own');
    try {
      return await this.#store.save(reference, bytes);
    } catch (error) {
      throw diskFailure(error, this.#store.folder) ?? error;
    }
  }

  #proofFailure(reference: string, proof: ProofFailure, tab: ReportTab): TaskFailure {
    if (proof.problem === 'other-vehicle') {
      this.#events.wrongVehicle(reference, proof.reason);
      if (tab.reportRejected()) {
        const why =
          "the vehicle page opened at its address gave another vehicle's PDF; vehicles are clicked from now on";
        return new TaskFailure('slot', `proving the PDF: ${proof.reason} (${why})`);
      }
    }
    // A whole, readable report that names no vehicle at all: the portal's reports are not what bookout knows.
    if (proof.problem === 'no-reference') {
      const label = this.#store.identity.name;
      return new TaskFailure(
        'changed',
        `proving the PDF: report PDF: names its vehicle after "${label}": different; ${proof.reason}`,
      );
    }
    return new PdfRejected(proof.reason);
  }
}

/** SQLite's result codes for the same problems (the state database on a full or read-only disk). */
const SQLITE_DISK_CODES: Record<number, string> = { 13: 'ENOSPC', 8: 'EROFS', 14: 'EACCES', 10: 'EIO' };

/** A fatal failure naming the folder and the cause, for disk errors no retry can fix; null for others. */
export function diskFailure(error: unknown, folder: string): TaskFailure | null {
  const errcode = (error as { errcode?: number }).errcode;
  const code =
    (errcode !== undefined && SQLITE_DISK_CODES[errcode & 0xff]) || (error as NodeJS.ErrnoException).code || '';
  if (!DISK_FATAL.has(code) && code !== 'EIO') return null;
  return new TaskFailure('fatal', `cannot write to ${folder} (${code}: ${diskProblem(code)})`, { cause: error });
}

function diskProblem(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full';
  if (code === 'EROFS') return 'the disk is read-only';
  if (code === 'EIO') return 'the disk cannot be read or written';
  return 'permission denied';
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { provePdf, type Proof, type ReferenceLabel } from '../pdf/prove-pdf.ts';
import type { SavedPdf } from '../records.ts';
import type { DurableWriter } from './atomic-write.ts';
import { unsafeFileNameReason } from './safe-name.ts';

/** The `pdfs/` folder of a run: one `<reference>.pdf` per vehicle, each written durably. */
export class PdfStore {
  readonly folder: string;
  readonly identity: ReferenceLabel;
  #writer: DurableWriter;

  constructor(folder: string, writer: DurableWriter, identity: ReferenceLabel) {
    this.folder = folder;
    this.identity = identity;
    this.#writer = writer;
  }

  fileName(reference: string): string {
    const problem = unsafeFileNameReason(reference);
    if (problem) throw new Error(`refusing to use "${reference}" as a file name: ${problem}`);
    return `${reference}.pdf`;
  }

  pathOf(reference: string): string {
    return join(this.folder, this.fileName(reference));
  }

  /** Writes proven bytes under the vehicle's name. Only after this returns may the vehicle count as done. */
  async save(reference: string, bytes: Uint8Array): Promise<SavedPdf> {
    await this.#writer.write(this.pathOf(reference), bytes);
    return { file: this.fileName(reference), bytes: bytes.length, sha256: sha256(bytes) };
  }

  /** Re-proves the file on disk. `missing` when there is none. */
  async prove(reference: string): Promise<{ proof: Proof; saved: SavedPdf } | 'missing'> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(reference));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    const proof = await provePdf(bytes, reference, this.identity);
    return { proof, saved: { file: this.fileName(reference), bytes: bytes.length, sha256: sha256(bytes) } };
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Codes of a rename refused because another program holds the target (or the new file) open: on
 * Windows, Excel with failures.csv open, an antivirus or the search indexer reading a new PDF.
 * They pass in seconds, so the rename is tried again.
 */
const HELD_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);

export interface DurableWriterOptions {
  /** The rename used (tests simulate a held target with it). Default: fs.promises.rename. */
  rename?: (from: string, to: string) => Promise<void>;
  /** How long a held target is tried again before the error goes up. Default 60 s. */
  heldForMs?: number;
  /** First pause between tries; it doubles, at most 5 s. Default 100 ms. */
  firstPauseMs?: number;
}

/**
 * Writes files so that readers, and a crash or kill at any moment, see either the old content or
 * the new one, never a part. Temporary files live in their own folder (on the same disk), so a
 * kill mid-write leaves debris only there, never next to the real files.
 */
export class DurableWriter {
  readonly tempFolder: string;
  #rename: (from: string, to: string) => Promise<void>;
  #heldForMs: number;
  #firstPauseMs: number;

  constructor(tempFolder: string, options: DurableWriterOptions = {}) {
    this.tempFolder = tempFolder;
    this.#rename = options.rename ?? rename;
    this.#heldForMs = options.heldForMs ?? 60_000;
    this.#firstPauseMs = options.firstPauseMs ?? 100;
  }

  /** Removes what killed processes left behind. */
  async clearTemp(): Promise<void> {
    await rm(this.tempFolder, { recursive: true, force: true });
    await mkdir(this.tempFolder, { recursive: true });
  }

  /** Temporary file, write, fsync, rename over the target, fsync of the target's folder. */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    await mkdir(this.tempFolder, { recursive: true });
    const temp = join(this.tempFolder, `${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await this.#renameWhenFree(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncFolder(dirname(path));
  }

  writeJson(path: string, value: unknown): Promise<void> {
    return this.write(path, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** The rename, tried again with growing pauses while the target is held, for up to `heldForMs`. */
  async #renameWhenFree(from: string, to: string): Promise<void> {
    const giveUpAt = Date.now() + this.#heldForMs;
    for (let pause = this.#firstPauseMs; ; pause = Math.min(pause * 2, 5000)) {
      try {
        return await this.#rename(from, to);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        const left = giveUpAt - Date.now();
        if (!HELD_CODES.has(code) || left <= 0) throw error;
        await sleep(Math.min(pause, left));
      }
    }
  }
}

/** fsync a folder so a rename in it survives a power cut. Windows cannot open folders; its renames are journaled. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

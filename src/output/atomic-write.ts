import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes files so that readers, and a crash or kill at any moment, see either the old content or
 * the new one, never a part. Temporary files live in their own folder (on the same disk), so a
 * kill mid-write leaves debris only there, never next to the real files.
 */
export class DurableWriter {
  readonly tempFolder: string;

  constructor(tempFolder: string) {
    this.tempFolder = tempFolder;
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
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncFolder(dirname(path));
  }

  writeJson(path: string, value: unknown): Promise<void> {
    return this.write(path, `${JSON.stringify(value, null, 2)}\n`);
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

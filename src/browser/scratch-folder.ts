import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'bookout-';
const OWNER_FILE = 'owner.pid';

/**
 * A folder of this process in the system temp folder, for the browser's profile and downloads (a
 * short path: the browser's socket lives there too). It names its owner, so that the next start
 * of bookout removes what a killed process left behind; a finished run removes its own.
 */
export function claimScratchFolder(base = tmpdir()): string {
  removeAbandonedScratchFolders(base);
  const folder = join(base, `${PREFIX}${randomBytes(5).toString('hex')}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(join(folder, OWNER_FILE), String(process.pid));
  return folder;
}

export function releaseScratchFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/** Removes the scratch folders whose owner process has ended (killed, crashed). */
export function removeAbandonedScratchFolders(base = tmpdir()): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const folder = join(base, name);
    const owner = ownerOf(folder);
    if (owner !== null && !isRunning(owner)) rmSync(folder, { recursive: true, force: true });
  }
}

function ownerOf(folder: string): number | null {
  try {
    const pid = Number(readFileSync(join(folder, OWNER_FILE), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // not ours, or another user's
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

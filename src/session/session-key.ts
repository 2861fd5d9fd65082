import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateFolder } from './state-folder.ts';

const KEY_BYTES = 32;

/**
 * The random key that seals saved sessions. Kept in a file readable by the user only, in the
 * user's state folder: never in a run folder, never derived from the password. Made on first use
 * (by whichever process comes first; the others read it).
 */
export function sessionKey(stateFolder: string): Buffer {
  const file = join(privateFolder(join(stateFolder, 'keys')), 'session.key');
  for (let tries = 0; tries < 3; tries += 1) {
    const key = readKey(file);
    if (key) return key;
    try {
      writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`the session key ${file} is damaged; delete it (saved sessions are then forgotten)`);
}

function readKey(file: string): Buffer | null {
  try {
    const key = readFileSync(file);
    if (process.platform !== 'win32') chmodSync(file, 0o600);
    return key.length === KEY_BYTES ? key : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

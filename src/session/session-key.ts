import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeychainUnavailable, systemKeychain, type Keychain } from '../config/keychain.ts';
import { privateFolder } from './state-folder.ts';

const KEY_BYTES = 32;

/**
 * The random key that seals saved sessions: kept in the OS keychain where there is one, else in a
 * file readable by the user only, in the user's state folder. Never in a run folder, never derived
 * from the password. Made on first use (by whichever process comes first; the others read it). A
 * key file left from a time without a keychain moves into the keychain, so its sessions stay readable.
 */
export async function sessionKey(stateFolder: string, keychain: Keychain = systemKeychain()): Promise<Buffer> {
  try {
    return await keychainKey(stateFolder, keychain);
  } catch (error) {
    if (!(error instanceof KeychainUnavailable)) throw error;
    return fileKey(stateFolder);
  }
}

/** The keychain entry of the key of this state folder (tests and several installs each have their own). */
export function sessionKeyAccount(stateFolder: string): string {
  return `session key: ${resolve(stateFolder)}`;
}

async function keychainKey(stateFolder: string, keychain: Keychain): Promise<Buffer> {
  const account = sessionKeyAccount(stateFolder);
  const saved = decode(await keychain.get(account));
  if (saved) return saved;
  const file = keyFile(stateFolder);
  const fromFile = readKey(file);
  await keychain.set(account, (fromFile ?? randomBytes(KEY_BYTES)).toString('base64'));
  // Read back: when two processes made a key at once, both use the one the keychain kept.
  const kept = decode(await keychain.get(account));
  if (!kept) throw new KeychainUnavailable('the keychain did not keep the session key');
  if (fromFile?.equals(kept)) rmSync(file, { force: true });
  return kept;
}

function decode(text: string | null): Buffer | null {
  if (!text) return null;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : null;
}

function keyFile(stateFolder: string): string {
  return join(stateFolder, 'keys', 'session.key');
}

/** The key in the key file, made when there is none. */
export function fileKey(stateFolder: string): Buffer {
  privateFolder(join(stateFolder, 'keys'));
  const file = keyFile(stateFolder);
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

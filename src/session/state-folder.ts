import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * bookout's own folder for what belongs to the user rather than to a run (saved sessions, the key):
 * `BOOKOUT_STATE_DIR` when set, else the platform's place for per-user application state.
 */
export function userStateFolder(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.BOOKOUT_STATE_DIR) return env.BOOKOUT_STATE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'bookout');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'bookout');
  return join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'bookout');
}

/**
 * Creates `folder` (and its parents) readable by the user only. On Windows the mode is ignored:
 * the folder lives in the user's profile, whose ACLs already keep other users out.
 */
export function privateFolder(folder: string): string {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(folder, 0o700);
  return folder;
}

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import open from 'open';
import { environmentWithoutSecrets } from '../config/environment.ts';
import { escapeHtml } from '../text.ts';

/** Writes a file, readable by this user only, that forwards a browser to `url`. Returns its path. */
export function forwardingFile(url: string, folder: string): string {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(folder, 0o700);
  const file = join(folder, `open-${process.pid}-${randomBytes(4).toString('hex')}.html`);
  const target = escapeHtml(url);
  writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
      `<meta http-equiv="refresh" content="0;url=${target}"><title>bookout</title>` +
      `<p>Opening the bookout page: <a href="${target}">${target}</a></p>\n`,
    { mode: 0o600 },
  );
  return file;
}

/**
 * Opens the page in the default browser without putting its token on a command line (which every
 * local user can read in the process list): the browser is given a file, readable by this user only,
 * that forwards to the page. Returns the function that deletes that file (once the page has loaded).
 */
export async function openInBrowser(url: string, folder: string): Promise<() => void> {
  const file = forwardingFile(url, folder);
  const remove = () => rmSync(file, { force: true });
  const saved = { ...process.env };
  try {
    // the opener inherits the environment: it gets none of the secrets in it
    const clean = environmentWithoutSecrets();
    for (const name of Object.keys(process.env)) if (!(name in clean)) delete process.env[name];
    await open(pathToFileURL(file).href);
  } catch {
    remove();
    throw new Error('no browser could be opened');
  } finally {
    Object.assign(process.env, saved);
  }
  return remove;
}

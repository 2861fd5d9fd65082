import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cookie } from 'playwright-core';
import { sealCookies, unsealCookies } from './sealed-cookies.ts';
import { sessionKey } from './session-key.ts';
import { privateFolder } from './state-folder.ts';

/** A cookie of a portal session, as the browser gives it. */
export type SessionCookie = Cookie;

/** Where the cookies of an account's open portal session are kept while it is open. */
export interface SessionVault {
  /** Where, for messages. */
  readonly where: string;
  save(cookies: readonly Cookie[]): Promise<void>;
  /** The saved cookies, or null when there are none (or they cannot be opened). */
  load(): Promise<Cookie[] | null>;
  /** The session is closed: nothing of it stays. */
  clear(): Promise<void> | void;
}

/**
 * The portal session of one user, kept while it is open so that a run that could not log out
 * (killed, crashed, the portal did not answer) leaves the next run able to take it back instead of
 * being refused for an "active session". One file per portal and user in the user's state folder,
 * whatever the download folder; sealed with a key kept apart; deleted at logout.
 */
export class SessionStore implements SessionVault {
  readonly file: string;
  #account: string;
  #stateFolder: string;
  #key: Promise<Buffer> | undefined;

  constructor(stateFolder: string, origin: string, username: string) {
    this.#stateFolder = stateFolder;
    this.#account = `${origin}\n${username}`;
    const name = createHash('sha256').update(this.#account).digest('hex').slice(0, 32);
    this.file = join(stateFolder, 'sessions', `${name}.session`);
  }

  get where(): string {
    return this.file;
  }

  /** The sealing key, looked up once (the keychain may take a moment). */
  #sealingKey(): Promise<Buffer> {
    this.#key ??= sessionKey(this.#stateFolder);
    this.#key.catch(() => (this.#key = undefined)); // a failed look-up is tried again next time
    return this.#key;
  }

  /** Keeps the cookies of the open session (atomically: a kill mid-write leaves the old file). */
  async save(cookies: readonly Cookie[]): Promise<void> {
    const key = await this.#sealingKey();
    privateFolder(join(this.#stateFolder, 'sessions'));
    const sealed = sealCookies(cookies, key, this.#account);
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, sealed, { mode: 0o600 });
    renameSync(temp, this.file);
  }

  /** The saved cookies, or null when there are none (or they cannot be opened). */
  async load(): Promise<Cookie[] | null> {
    let sealed: Buffer;
    try {
      sealed = readFileSync(this.file);
    } catch {
      return null;
    }
    return unsealCookies(sealed, await this.#sealingKey(), this.#account);
  }

  /** The session is closed: nothing of it stays on disk. */
  clear(): void {
    rmSync(this.file, { force: true });
  }
}

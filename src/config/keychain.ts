// The OS keychain: the macOS Keychain, the Windows Credential Manager, the Secret Service on Linux
// (GNOME Keyring, KWallet, KeePassXC). Where there is none (a server without a desktop session, the
// single binary, BOOKOUT_KEYCHAIN=off), every call says so with KeychainUnavailable and bookout goes
// on without it: the password from the environment or .env, the session key in a file.

/** Every entry bookout keeps is under this service name. */
const SERVICE = 'bookout';
/** A keychain that does not answer in time (a locked keyring waiting for a prompt) counts as none. */
const ANSWER_WITHIN_MS = 5000;

export class KeychainUnavailable extends Error {
  override name = 'KeychainUnavailable';
}

export interface Keychain {
  /** The secret saved under `account`, or null when there is none. */
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True when there was something to delete. */
  delete(account: string): Promise<boolean>;
}

type KeyringModule = typeof import('@napi-rs/keyring');

let loaded: Promise<KeyringModule> | undefined;

/** Loaded on first use: a native module, absent from the single binary. */
function keyringModule(): Promise<KeyringModule> {
  loaded ??= import('@napi-rs/keyring');
  return loaded;
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 200);
}

/** The system's keychain (a fresh connection for every call, each within a few seconds). */
export function systemKeychain(env: NodeJS.ProcessEnv = process.env): Keychain {
  const call = async <V>(
    account: string,
    action: (entry: import('@napi-rs/keyring').AsyncEntry, signal: AbortSignal) => Promise<V>,
  ) => {
    if (env.BOOKOUT_KEYCHAIN === 'off') throw new KeychainUnavailable('turned off (BOOKOUT_KEYCHAIN=off)');
    let keyring: KeyringModule;
    try {
      keyring = await keyringModule();
    } catch {
      throw new KeychainUnavailable('this build of bookout has no keychain support');
    }
    const signal = AbortSignal.timeout(ANSWER_WITHIN_MS);
    try {
      // On Linux only the Secret Service: the kernel keyring the library would fall back to forgets at reboot.
      const entry = new keyring.AsyncEntry(SERVICE, account, { linux: { store: 'secret-service' } });
      return await Promise.race([
        action(entry, signal),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error(`no answer within ${ANSWER_WITHIN_MS / 1000} s`))),
        ),
      ]);
    } catch (error) {
      throw new KeychainUnavailable(reason(error));
    }
  };
  return {
    get: (account) => call(account, (entry, signal) => entry.getPassword(signal)),
    set: (account, secret) => call(account, (entry, signal) => entry.setPassword(secret, signal)),
    delete: (account) => call(account, (entry, signal) => entry.deleteCredential(signal)),
  };
}

/** Where the portal password of `username` at `origin` is kept. */
export function passwordAccount(origin: string, username: string): string {
  return `portal password: ${username} at ${origin}`;
}

/** The saved portal password, or null when none is saved or there is no keychain. */
export async function savedPassword(keychain: Keychain, origin: string, username: string): Promise<string | null> {
  try {
    return await keychain.get(passwordAccount(origin, username));
  } catch (error) {
    if (error instanceof KeychainUnavailable) return null;
    throw error;
  }
}

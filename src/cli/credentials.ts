import type { Command } from 'commander';
import {
  KeychainUnavailable,
  passwordAccount,
  savedPassword,
  systemKeychain,
  type Keychain,
} from '../config/keychain.ts';
import type { Settings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { settingsFrom } from './program.ts';

/**
 * Settings for a run: the password from the environment or .env (servers), else the one saved in
 * the OS keychain for this user and portal (by `bookout ui` with "remember" ticked).
 */
export async function runSettings(command: Command, keychain: Keychain = systemKeychain()): Promise<Settings> {
  try {
    return settingsFrom(command, ['username', 'password']);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    let partial: Settings;
    try {
      partial = settingsFrom(command, ['username']);
    } catch {
      throw error; // more is wrong than the password
    }
    const saved = await savedPassword(keychain, partial.portalUrl, partial.username);
    if (saved) return { ...partial, password: saved };
    throw new UserError(`${error.message}\n${await keychainHint(keychain, partial)}`, error.exitCode);
  }
}

async function keychainHint(keychain: Keychain, settings: Settings): Promise<string> {
  try {
    await keychain.get(passwordAccount(settings.portalUrl, settings.username));
    return 'No password is saved in the OS keychain for this user either (bookout ui saves one when "remember" is ticked).';
  } catch (error) {
    return `The OS keychain, where bookout ui can save the password, is not available here (${(error as Error).message}).`;
  }
}

/** `bookout forget-password`: removes the saved password of the user (JD_USER or --user) for the portal. */
export async function forgetPasswordCommand(
  output: ConsoleOutput,
  command: Command,
  keychain: Keychain = systemKeychain(),
): Promise<number> {
  const settings = settingsFrom(command, ['username']);
  output.redactor.add([settings.username]);
  let deleted: boolean;
  try {
    deleted = await keychain.delete(passwordAccount(settings.portalUrl, settings.username));
  } catch (error) {
    if (!(error instanceof KeychainUnavailable)) throw error;
    throw new UserError(`The OS keychain is not available here (${error.message}); no password is saved in it.`);
  }
  output.line(
    deleted
      ? `Removed the password saved in the OS keychain for this user at ${settings.portalUrl}.`
      : `No password was saved in the OS keychain for this user at ${settings.portalUrl}; nothing to remove.`,
  );
  return 0;
}

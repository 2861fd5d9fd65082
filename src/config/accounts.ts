// The accounts file of a dealer group: one ValuesOnline account per row (CSV) or object (JSON).
// It names where each password comes from, never the password itself.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.ts';
import { passwordAccount, savedPassword, type Keychain } from './keychain.ts';

/** Where an account's password comes from: an environment variable (or .env), or the OS keychain. */
export type PasswordSource = { env: string } | { keychain: true };

export interface Account {
  /** The account's name: its folder under the download folder, its label on the console. */
  name: string;
  user: string;
  passwordFrom: PasswordSource;
  /** The portal's origin for this account; undefined: PORTAL_URL. */
  portalUrl?: string;
  /** Tabs for this account; undefined: WORKERS. */
  tabs?: number;
  /** The folder that holds this account's folder; undefined: DOWNLOAD_FOLDER. */
  out?: string;
}

const COLUMNS = ['name', 'user', 'password_from', 'tabs', 'out', 'portal_url'] as const;
/** Columns or keys that could only hold a password: a file with one is refused whole. */
const PASSWORD_FIELD = /pass|pwd|secret|credential/i;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SOURCE_HELP = 'password_from must be env:<VARIABLE> (a variable that holds the password) or keychain';

/** Reads and checks an accounts file (.csv or .json). Bad input: one UserError listing every problem. */
export function readAccounts(file: string, defaults: { portalUrl: string }): Account[] {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new UserError(
      `The accounts file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  const rows = extname(file).toLowerCase() === '.json' ? jsonRows(file, text) : csvRows(file, text);
  const problems: string[] = [];
  const accounts: Account[] = [];
  rows.forEach((row, index) => {
    const where = `${extname(file).toLowerCase() === '.json' ? 'account' : 'row'} ${index + 1}`;
    const account = accountOf(row, where, problems);
    if (account) accounts.push(account);
  });
  if (rows.length === 0) problems.push('it names no account');
  const names = new Map<string, string>();
  const users = new Map<string, string>();
  for (const account of accounts) {
    const name = account.name.toLowerCase();
    if (names.has(name)) problems.push(`two accounts are named ${account.name}`);
    names.set(name, account.name);
    const key = accountKey(account.portalUrl ?? defaults.portalUrl, account.user);
    const other = users.get(key);
    if (other)
      problems.push(
        `${other} and ${account.name} name the same user: the portal allows one session per user, so one row per user`,
      );
    users.set(key, account.name);
  }
  if (problems.length > 0)
    throw new UserError(`The accounts file ${file} is not valid:\n  - ${problems.join('\n  - ')}`);
  return accounts;
}

function jsonRows(file: string, text: string): Array<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`The accounts file ${file} is not valid JSON.`);
  }
  const list = Array.isArray(value) ? value : (value as { accounts?: unknown })?.accounts;
  if (!Array.isArray(list) || list.some((item) => typeof item !== 'object' || item === null || Array.isArray(item)))
    throw new UserError(`The accounts file ${file} must hold a list of accounts: [{ "name": ..., "user": ... }, ...].`);
  return list as Array<Record<string, unknown>>;
}

function csvRows(file: string, text: string): Array<Record<string, unknown>> {
  try {
    return parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' }) as Array<
      Record<string, unknown>
    >;
  } catch (error) {
    throw new UserError(
      `The accounts file ${file} is not a valid CSV file (${(error as Error).message.split('\n')[0]}).`,
    );
  }
}

function accountOf(row: Record<string, unknown>, where: string, problems: string[]): Account | undefined {
  const keys = Object.keys(row).map((key) => key.trim().toLowerCase());
  if (keys.some((key) => key !== 'password_from' && PASSWORD_FIELD.test(key))) {
    // The value is never repeated: it may be the password itself.
    problems.push(`${where} has a password field: the file must never hold a password (${SOURCE_HELP})`);
    return undefined;
  }
  const unknown = keys.filter((key) => !(COLUMNS as readonly string[]).includes(key));
  if (unknown.length) problems.push(`${where}: unknown fields ${unknown.join(', ')} (known: ${COLUMNS.join(', ')})`);
  const field = (name: string) => {
    const entry = Object.entries(row).find(([key]) => key.trim().toLowerCase() === name);
    const value = entry?.[1];
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  };
  const name = field('name');
  const user = field('user');
  const source = field('password_from');
  const label = name && SAFE_NAME.test(name) ? name : where;
  if (!name) problems.push(`${where}: name is missing`);
  else if (!SAFE_NAME.test(name))
    problems.push(`${where}: the name must be letters, digits, dots, dashes or underscores (it is a folder name)`);
  if (!user) problems.push(`${label}: user is missing`);
  const passwordFrom = passwordSource(source);
  if (!passwordFrom) problems.push(`${label}: ${SOURCE_HELP}`);
  const tabs = field('tabs');
  const tabCount = tabs === undefined ? undefined : /^\d+$/.test(tabs) ? Number(tabs) : Number.NaN;
  if (tabCount !== undefined && !(tabCount >= 1 && tabCount <= 32))
    problems.push(`${label}: tabs must be a whole number from 1 to 32`);
  const portal = field('portal_url');
  let portalUrl: string | undefined;
  if (portal !== undefined) {
    try {
      const url = new URL(portal);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
      portalUrl = url.origin;
    } catch {
      problems.push(`${label}: portal_url must be a web address such as https://extapps.jdpowervalues.com`);
    }
  }
  if (!name || !SAFE_NAME.test(name) || !user || !passwordFrom) return undefined;
  const out = field('out');
  return {
    name,
    user,
    passwordFrom,
    ...(portalUrl ? { portalUrl } : {}),
    ...(tabCount !== undefined && Number.isFinite(tabCount) ? { tabs: tabCount } : {}),
    ...(out ? { out: resolve(out) } : {}),
  };
}

function passwordSource(text: string | undefined): PasswordSource | undefined {
  if (!text) return undefined;
  if (text.toLowerCase() === 'keychain') return { keychain: true };
  const match = /^env:(.+)$/i.exec(text);
  if (match && ENV_NAME.test(match[1]!)) return { env: match[1]! };
  return undefined;
}

/** Two accounts are the same user when they name the same user at the same portal (case aside). */
export function accountKey(origin: string, user: string): string {
  return `${origin.toLowerCase()}\n${user.toLowerCase()}`;
}

/** The singleton key of an account on the queue: one job at a time per user, named without the user name. */
export function accountHash(origin: string, user: string): string {
  return createHash('sha256').update(accountKey(origin, user)).digest('hex').slice(0, 32);
}

/** Describes where the password comes from (never the password). */
export function describeSource(source: PasswordSource): string {
  return 'env' in source ? `env:${source.env}` : 'keychain';
}

/**
 * The password of an account, from the environment (or .env) or the OS keychain; a UserError
 * naming the account and the source when it is not there (never its value).
 */
export async function passwordOf(
  account: Account,
  origin: string,
  env: Record<string, string | undefined>,
  keychain: Keychain,
): Promise<string> {
  const source = account.passwordFrom;
  if ('env' in source) {
    const value = env[source.env];
    if (value) return value;
    throw new UserError(`${account.name}: the variable ${source.env} (its password_from) is not set or empty.`);
  }
  const saved = await savedPassword(keychain, origin, account.user);
  if (saved) return saved;
  throw new UserError(
    `${account.name}: no password is saved in the OS keychain for this user (entry "${passwordAccount(origin, '<user>')}"), or there is no keychain here.`,
  );
}

/** A password found in the accounts file itself (someone pasted it in a cell): the file is refused. */
export function assertNoPasswordInFile(file: string, passwords: ReadonlyMap<string, string>): void {
  const text = readFileSync(resolve(file), 'utf8');
  const cells = new Set(text.split(/[\s,;"'{}[\]:]+/).filter(Boolean));
  for (const [name, password] of passwords) {
    if (cells.has(password) || cells.has(`env:${password}`))
      throw new UserError(
        `The accounts file ${file} contains the password of ${name}: remove it (the file names where each password comes from, in password_from).`,
      );
  }
}

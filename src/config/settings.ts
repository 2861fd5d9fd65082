import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../errors.ts';

/** Everything a run can be configured with. Read once per command, passed down explicitly. */
export interface Settings {
  username: string;
  password: string;
  /** Where the portal lives; only its origin is used. */
  portalUrl: string;
  downloadFolder: string;
  /** Tabs working at once, or `auto`: chosen while the run goes, up to `maxWorkers`. */
  workers: number | 'auto';
  /**
   * The most tabs at once: of one run with WORKERS=auto; of all accounts together with several
   * (run --accounts, and per machine for bookout worker).
   */
  maxWorkers: number;
  headless: boolean;
  blockResources: boolean;
  taskTimeoutMs: number;
  stallTimeoutMs: number;
  maxRetries: number;
  /** Delay before the first retry; it doubles for each further one (at most 2 minutes). */
  retryDelayMs: number;
  /** Vehicles one invocation may start; undefined = all. */
  maxDownloads: number | undefined;
  browserPath: string | undefined;
  pauseBetweenVehiclesMs: number;
  recycleTabEvery: number;
  /** A step is never taken for a hang before this; beyond it, a multiple of the step's observed p90 decides. */
  hangFloorMs: number;
  /** After the queue drains, vehicles that failed for a passing reason get one more round. */
  finalSweep: boolean;
  /** How long the final sweep waits before it starts (the portal gets a rest). */
  sweepCooldownMs: number;
  /** Also write the log as JSON lines (run_data/bookout.jsonl). */
  logJson: boolean;
  /** Keep the computer from going to sleep while a run works. */
  keepAwake: boolean;
}

type Key = keyof Settings;

interface Definition<K extends Key> {
  key: K;
  env: string;
  aliases?: string[];
  /** Commander option attribute name, when the setting also has a flag. */
  flag?: string;
  /** What the flag's value is, in its help: "<n>", "<seconds>", "<folder>". */
  placeholder?: string;
  description: string;
  defaultText: string;
  parse: (raw: string, name: string) => Settings[K];
  fallback?: Settings[K];
}

// Plain decimal digits only: Number() would also take "", "+4", "0x4" and "1e1".
const WHOLE_NUMBER = /^\d+$/;
const DECIMAL_NUMBER = /^(\d+(\.\d*)?|\.\d+)$/;

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    const value = WHOLE_NUMBER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!(value >= min && value <= max))
      throw new Error(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return value;
  };
}

function seconds(min: number, max: number) {
  return (raw: string, name: string): number => {
    const value = DECIMAL_NUMBER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
    if (!(value >= min && value <= max))
      throw new Error(`${name} must be a number of seconds from ${min} to ${max} (got "${raw}")`);
    return Math.round(value * 1000);
  };
}

function boolean(raw: string, name: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new Error(`${name} must be true or false (got "${raw}")`);
}

function text(raw: string, name: string): string {
  if (raw.trim() === '') throw new Error(`${name} is empty`);
  return raw.trim();
}

function portalUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`${name} must be a web address such as https://extapps.jdpowervalues.com (got "${raw}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${name} must start with https:// (got "${raw}")`);
  return url.origin;
}

/** Every setting: its variable, flag, meaning and default. The README's table is this table. */
export const SETTINGS: { [K in Key]: Definition<K> } = {
  username: {
    key: 'username',
    env: 'JD_USER',
    flag: 'user',
    placeholder: '<name>',
    description: 'Portal user name',
    defaultText: '(required)',
    parse: text,
  },
  password: {
    key: 'password',
    env: 'JD_PASS',
    description: 'Portal password (environment or .env, else the one saved in the OS keychain; never a flag)',
    defaultText: '(required, unless saved in the keychain)',
    parse: (raw, name) => {
      if (raw === '') throw new Error(`${name} is empty`);
      return raw;
    },
  },
  portalUrl: {
    key: 'portalUrl',
    env: 'PORTAL_URL',
    flag: 'portalUrl',
    placeholder: '<url>',
    description: 'Portal address',
    defaultText: 'https://extapps.jdpowervalues.com',
    parse: portalUrl,
    fallback: 'https://extapps.jdpowervalues.com',
  },
  downloadFolder: {
    key: 'downloadFolder',
    env: 'DOWNLOAD_FOLDER',
    flag: 'out',
    placeholder: '<folder>',
    description: 'Folder that holds the run folders',
    defaultText: './downloads',
    parse: text,
    fallback: 'downloads',
  },
  workers: {
    key: 'workers',
    env: 'WORKERS',
    aliases: ['NUM_WORKERS', 'CONCURRENT_CONTEXTS'],
    flag: 'workers',
    placeholder: '<n>|auto',
    description: 'Tabs working in parallel (one login); auto: as many as the portal answers without slowing down',
    defaultText: 'auto',
    parse: (raw, name) => (raw.trim().toLowerCase() === 'auto' ? 'auto' : integer(1, 32)(raw, name)),
    fallback: 'auto',
  },
  maxWorkers: {
    key: 'maxWorkers',
    env: 'MAX_WORKERS',
    flag: 'maxWorkers',
    placeholder: '<n>',
    description:
      'The most tabs at once: with WORKERS=auto, of the run; of all accounts together (run --accounts; per machine for bookout worker)',
    defaultText: '8',
    parse: integer(1, 128),
    fallback: 8,
  },
  headless: {
    key: 'headless',
    env: 'HEADLESS',
    flag: 'headless',
    description: 'Hide the browser (false shows it)',
    defaultText: 'true',
    parse: boolean,
    fallback: true,
  },
  blockResources: {
    key: 'blockResources',
    env: 'BLOCK_RESOURCES',
    flag: 'blockResources',
    description: 'Skip images, stylesheets, fonts and media after the export',
    defaultText: 'true',
    parse: boolean,
    fallback: true,
  },
  taskTimeoutMs: {
    key: 'taskTimeoutMs',
    env: 'TASK_TIMEOUT',
    flag: 'taskTimeout',
    placeholder: '<seconds>',
    description: 'Seconds one vehicle may take before its tab is closed and it is retried',
    defaultText: '180',
    parse: seconds(10, 3600),
    fallback: 180_000,
  },
  stallTimeoutMs: {
    key: 'stallTimeoutMs',
    env: 'STALL_TIMEOUT',
    flag: 'stallTimeout',
    placeholder: '<seconds>',
    description: 'Seconds a tab may show no progress before the watchdog replaces it',
    defaultText: '90',
    parse: seconds(5, 3600),
    fallback: 90_000,
  },
  maxRetries: {
    key: 'maxRetries',
    env: 'MAX_RETRIES',
    flag: 'retries',
    placeholder: '<n>',
    description: 'Retries per vehicle after a failure',
    defaultText: '2',
    parse: integer(0, 10),
    fallback: 2,
  },
  retryDelayMs: {
    key: 'retryDelayMs',
    env: 'RETRY_DELAY',
    flag: 'retryDelay',
    placeholder: '<seconds>',
    description: 'Seconds before the first retry of a vehicle; doubles each time, at most 120',
    defaultText: '5',
    parse: seconds(0, 120),
    fallback: 5000,
  },
  maxDownloads: {
    key: 'maxDownloads',
    env: 'MAX_DOWNLOADS',
    flag: 'maxDownloads',
    placeholder: '<n>',
    description: 'Vehicles to start in this invocation',
    defaultText: 'all',
    parse: integer(1, 1_000_000),
    fallback: undefined,
  },
  browserPath: {
    key: 'browserPath',
    env: 'BROWSER_PATH',
    flag: 'browser',
    placeholder: '<path>',
    description: 'Browser executable (Chrome, Edge or Chromium)',
    defaultText: 'found automatically',
    parse: text,
    fallback: undefined,
  },
  pauseBetweenVehiclesMs: {
    key: 'pauseBetweenVehiclesMs',
    env: 'PAUSE_BETWEEN_VEHICLES',
    flag: 'pause',
    placeholder: '<seconds>',
    description: 'Seconds each tab waits between vehicles',
    defaultText: '0',
    parse: seconds(0, 600),
    fallback: 0,
  },
  recycleTabEvery: {
    key: 'recycleTabEvery',
    env: 'RECYCLE_TAB_EVERY',
    description: 'Vehicles per tab before the tab is replaced (memory); 0 never',
    defaultText: '50',
    parse: integer(0, 100_000),
    fallback: 50,
  },
  hangFloorMs: {
    key: 'hangFloorMs',
    env: 'HANG_FLOOR',
    flag: 'hangFloor',
    placeholder: '<seconds>',
    description: "Seconds a step may always take; beyond it, 6 x the step's own p90 (at most STALL_TIMEOUT) is a hang",
    defaultText: '5',
    parse: seconds(1, 3600),
    fallback: 5000,
  },
  finalSweep: {
    key: 'finalSweep',
    env: 'FINAL_SWEEP',
    description: 'Give vehicles that failed for a passing reason more rounds at the end (up to 3)',
    defaultText: 'true',
    parse: boolean,
    fallback: true,
  },
  sweepCooldownMs: {
    key: 'sweepCooldownMs',
    env: 'SWEEP_COOLDOWN',
    flag: 'sweepCooldown',
    placeholder: '<seconds>',
    description: 'Seconds to wait before each round of the final sweep',
    defaultText: '30',
    parse: seconds(0, 3600),
    fallback: 30_000,
  },
  logJson: {
    key: 'logJson',
    env: 'LOG_JSON',
    flag: 'logJson',
    description: 'Also write the log as JSON lines to run_data/bookout.jsonl',
    defaultText: 'false',
    parse: boolean,
    fallback: false,
  },
  keepAwake: {
    key: 'keepAwake',
    env: 'KEEP_AWAKE',
    description: 'Keep the computer from going to sleep while a run works',
    defaultText: 'true',
    parse: boolean,
    fallback: true,
  },
};

export interface SettingsSources {
  /** Values from command-line flags, by commander attribute name, as strings. */
  flags?: Record<string, string | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
  /** Path of a .env file; default `.env` in the current folder when it exists; false reads none. */
  envFile?: string | false;
  /** Settings that must be present (credentials for `run`, not for `status`). */
  require?: Key[];
}

/** Reads `.env`, the environment and flags (flags win, then the environment, then .env). */
export function loadSettings(sources: SettingsSources = {}): Settings {
  const envFile = readEnvFile(sources.envFile);
  const env = { ...envFile.values, ...stripUndefined(sources.env ?? process.env) };
  const flags = sources.flags ?? {};
  const problems: string[] = [];
  let missing = false;
  const settings: Partial<Record<Key, unknown>> = {};
  for (const definition of Object.values(SETTINGS) as Array<Definition<Key>>) {
    const { raw, name } = rawValue(definition, flags, env);
    if (raw === undefined) {
      if (sources.require?.includes(definition.key)) {
        problems.push(`${definition.env} is not set (${definition.description.toLowerCase()})`);
        missing = true;
      }
      settings[definition.key] = definition.fallback;
      continue;
    }
    try {
      settings[definition.key] = definition.parse(raw, name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) {
    const where = missing ? `\n${envFile.description}` : '';
    throw new UserError(`Settings are not valid:\n  - ${problems.join('\n  - ')}${where}`);
  }
  return settings as Settings;
}

/** The environment as a run sees it: the variables, over those of the .env file (or `envFile`). */
export function environmentOf(envFile?: string | false, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { ...readEnvFile(envFile).values, ...stripUndefined(env) };
}

function rawValue(
  definition: Definition<Key>,
  flags: SettingsSources['flags'] & object,
  env: Record<string, string>,
): { raw?: string; name: string } {
  const flag = definition.flag ? flags[definition.flag] : undefined;
  if (flag !== undefined) return { raw: String(flag), name: `--${kebab(definition.flag!)}` };
  for (const name of [definition.env, ...(definition.aliases ?? [])]) {
    if (env[name] !== undefined) return { raw: env[name], name };
  }
  return { name: definition.env };
}

interface EnvFile {
  values: Record<string, string>;
  /** Which file was read (or where none was found), for the message about a missing setting. */
  description: string;
}

function readEnvFile(path: string | false | undefined): EnvFile {
  if (path === false) return { values: {}, description: 'No .env file is read for this command.' };
  const file = resolve(path ?? '.env');
  if (!existsSync(file)) {
    if (path) throw new UserError(`The settings file ${path} does not exist.`);
    return { values: {}, description: `No .env file was found (looked for ${file}); the environment was read.` };
  }
  try {
    const values = parseEnv(decodeText(readFileSync(file))) as Record<string, string>;
    return { values, description: `Settings were read from ${file} and the environment.` };
  } catch (error) {
    throw new UserError(`The settings file ${file} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * The text of a settings file saved as UTF-8 (with or without the BOM Notepad writes) or as UTF-16 with a BOM
 * (what PowerShell 5.1's `>` and Out-File write). node's parseEnv would keep a BOM as part of the first name.
 */
function decodeText(bytes: Uint8Array): string {
  const encoding = utf16ByteOrderMark(bytes) ?? 'utf-8';
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`it is not valid ${encoding.toUpperCase()} text; save it as UTF-8 (Notepad does)`);
  }
  if (text.includes('\0')) throw new Error('it is not a text file in UTF-8, or in UTF-16 with a BOM; save it as UTF-8');
  return text;
}

function utf16ByteOrderMark(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function stripUndefined(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The most tabs a run may have at once: the fixed number, or the autoscaler's limit. */
export function mostTabs(settings: Pick<Settings, 'workers' | 'maxWorkers'>): number {
  return settings.workers === 'auto' ? settings.maxWorkers : settings.workers;
}

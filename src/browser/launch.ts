import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { environmentWithoutSecrets } from '../config/environment.ts';
import { findBrowser } from './find-browser.ts';

export interface LaunchOptions {
  headless: boolean;
  /** Explicit browser executable; found automatically when absent. */
  executablePath?: string;
  /**
   * Where the browser's profile, downloads and own temp files go instead of the system temp folder
   * itself (a folder of this run, removed at its end or by the next start: see claimScratchFolder).
   */
  scratchFolder?: string;
}

/**
 * Chromium features bookout turns off, on top of Playwright's own list. Measured with 5 tabs on the full
 * build (the headless shell has none of the three):
 * - the address bar's suggestion popups: the full build loads both pages of them, ahead, for every
 *   window (a tab is a window here), into a renderer of their own: about 55 MB, and CPU for every tab
 *   opened; nobody types into bookout's address bar (a visible browser shows the older popup instead);
 * - the spare renderer, started ahead for the next tab: about 10 MB for a process that only a new
 *   tab (every 50 vehicles) would use a little earlier.
 */
export const DISABLED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess'];

/**
 * Chromium features bookout turns on, on top of Playwright's own list: the network service runs in the
 * browser process instead of a process of its own (about 15 MB less on both builds).
 */
export const ENABLED_FEATURES = ['NetworkServiceInProcess2'];

/**
 * Flags that keep Chromium quiet on closed networks, usable as root in containers, and lean: no
 * GPU, and the (software) compositor in the browser process instead of a process of its own.
 * `features` are the feature switches (see featureSwitches), last: Chromium keeps the last of each.
 */
export function chromiumArgs(features: string[] = featureSwitches(true).args): string[] {
  const args = [
    '--disable-gpu',
    '--in-process-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) args.push('--no-sandbox');
  return [...args, ...features];
}

export interface FeatureSwitches {
  /** bookout's --disable-features and --enable-features: each Playwright's own list and bookout's. */
  args: string[];
  /** Playwright's own two switches, which `args` replace (to leave out of its defaults). */
  replaced: string[];
}

/** What Playwright's Chromium launcher would pass by itself; not a public API of Playwright. */
interface PlaywrightInternals {
  _connection?: { toImpl?: (object: unknown) => { _innerDefaultArgs?: (options: object) => unknown } };
}

/**
 * Playwright passes its own --disable-features and --enable-features, and Chromium keeps only the
 * last switch of a name: another one would drop Playwright's list (features it needs to drive the
 * browser). So bookout's features go into copies of Playwright's two switches, which replace them.
 * Playwright tells its switches through no public API: when its internals do not answer as
 * expected, bookout adds no feature switch at all (Chromium then runs as Playwright starts it, with
 * more memory), rather than replace Playwright's lists blindly.
 */
export function featureSwitches(headless: boolean): FeatureSwitches {
  let defaults: unknown;
  try {
    const internals = chromium as unknown as PlaywrightInternals;
    defaults = internals._connection?.toImpl?.(chromium)?._innerDefaultArgs?.({ headless, args: [] });
  } catch {
    defaults = undefined;
  }
  const list = Array.isArray(defaults) ? defaults.filter((arg) => typeof arg === 'string') : [];
  const own = (name: string) => list.filter((arg) => arg.startsWith(`--${name}=`));
  const disable = own('disable-features');
  const enable = own('enable-features');
  if (disable.length !== 1 || enable.length !== 1) return { args: [], replaced: [] };
  const joined = (current: string, more: string[]) => {
    const [name, value] = [current.slice(0, current.indexOf('=')), current.slice(current.indexOf('=') + 1)];
    const features = value.split(',').filter(Boolean);
    return `${name}=${[...features, ...more.filter((feature) => !features.includes(feature))].join(',')}`;
  };
  return {
    args: [joined(disable[0]!, DISABLED_FEATURES), joined(enable[0]!, ENABLED_FEATURES)],
    replaced: [disable[0]!, enable[0]!],
  };
}

/** This process's environment without anything that may hold a secret (the portal password first). */
export function browserEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return environmentWithoutSecrets(env);
}

export async function launchChromium(options: LaunchOptions): Promise<Browser> {
  const found = findBrowser(options.executablePath, process.platform, process.env, { headless: options.headless });
  const env = browserEnvironment();
  if (options.scratchFolder) for (const name of ['TMPDIR', 'TEMP', 'TMP']) env[name] = options.scratchFolder;
  const features = featureSwitches(options.headless);
  const launch = () =>
    chromium.launch({
      executablePath: found.executablePath,
      env,
      headless: options.headless,
      args: chromiumArgs(features.args),
      downloadsPath: options.scratchFolder,
      // bookout handles Ctrl-C itself: it must log out before the browser closes.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // Playwright turns the back/forward cache off; bookout wants it: going back from a vehicle to
      // the inventory then costs the portal no request (see VehicleReportTab).
      ignoreDefaultArgs: ['--disable-back-forward-cache', ...features.replaced],
    });
  return options.scratchFolder ? withTempFolder(options.scratchFolder, launch) : launch();
}

/**
 * Playwright makes the browser's profile folder in the system temp folder, which it finds through
 * these variables when it launches: point them at `folder` meanwhile.
 */
async function withTempFolder<V>(folder: string, work: () => Promise<V>): Promise<V> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const names = ['TMPDIR', 'TEMP', 'TMP'];
  const saved = names.map((name) => process.env[name]);
  for (const name of names) process.env[name] = folder;
  try {
    return await work();
  } finally {
    names.forEach((name, index) => {
      if (saved[index] === undefined) delete process.env[name];
      else process.env[name] = saved[index];
    });
  }
}

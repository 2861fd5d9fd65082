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
 * Flags that keep Chromium quiet on closed networks, usable as root in containers, and lean: no
 * GPU, and the (software) compositor in the browser process instead of a process of its own.
 */
export function chromiumArgs(): string[] {
  const args = [
    '--disable-gpu',
    '--in-process-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) args.push('--no-sandbox');
  return args;
}

/** This process's environment without anything that may hold a secret (the portal password first). */
export function browserEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return environmentWithoutSecrets(env);
}

export async function launchChromium(options: LaunchOptions): Promise<Browser> {
  const found = findBrowser(options.executablePath, process.platform, process.env, { headless: options.headless });
  const env = browserEnvironment();
  if (options.scratchFolder) for (const name of ['TMPDIR', 'TEMP', 'TMP']) env[name] = options.scratchFolder;
  const launch = () =>
    chromium.launch({
      executablePath: found.executablePath,
      env,
      headless: options.headless,
      args: chromiumArgs(),
      downloadsPath: options.scratchFolder,
      // bookout handles Ctrl-C itself: it must log out before the browser closes.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      // Playwright turns the back/forward cache off; bookout wants it: going back from a vehicle to
      // the inventory then costs the portal no request (see VehicleReportTab).
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
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

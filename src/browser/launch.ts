import { chromium, type Browser } from 'playwright-core';
import { environmentWithoutSecrets } from '../config/environment.ts';
import { findBrowser } from './find-browser.ts';

export interface LaunchOptions {
  headless: boolean;
  /** Explicit browser executable; found automatically when absent. */
  executablePath?: string;
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
  const found = findBrowser(options.executablePath);
  return chromium.launch({
    executablePath: found.executablePath,
    env: browserEnvironment(),
    headless: options.headless,
    args: chromiumArgs(),
    // bookout handles Ctrl-C itself: it must log out before the browser closes.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Playwright turns the back/forward cache off; bookout wants it: going back from a vehicle to
    // the inventory then costs the portal no request (see BookoutTab).
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
}

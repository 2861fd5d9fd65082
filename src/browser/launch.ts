import { chromium, type Browser } from 'playwright-core';
import { findBrowser } from './find-browser.ts';

export interface LaunchOptions {
  headless: boolean;
  /** Explicit browser executable; found automatically when absent. */
  executablePath?: string;
}

/** Flags that keep Chromium quiet on closed networks and usable as root in containers. */
export function chromiumArgs(): string[] {
  const args = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) args.push('--no-sandbox');
  return args;
}

export async function launchChromium(options: LaunchOptions): Promise<Browser> {
  const found = findBrowser(options.executablePath);
  return chromium.launch({
    executablePath: found.executablePath,
    headless: options.headless,
    args: chromiumArgs(),
    // bookout handles Ctrl-C itself: it must log out before the browser closes.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
}

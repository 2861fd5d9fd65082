// The browser builds the benchmark knows by name, which of them this machine has, and their versions.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chromium } from 'playwright-core';

export interface BrowserBuild {
  /** `chromium`, `headless-shell`, `playwright`, or the path itself when given as one. */
  name: string;
  path: string;
}

/** The known builds, in the order the benchmark measures them. */
export function knownBuilds(): BrowserBuild[] {
  return [
    { name: 'headless-shell', path: '/usr/lib/chromium/chromium-headless-shell' },
    { name: 'chromium', path: '/usr/bin/chromium' },
    { name: 'playwright', path: chromium.executablePath() },
  ];
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The known builds installed here. */
export function installedBuilds(installed = isExecutable): BrowserBuild[] {
  return knownBuilds().filter((build) => build.path !== '' && installed(build.path));
}

/** What the build says of itself (`Chromium 150.0...`), or `unknown`. */
export function browserVersion(path: string): string {
  try {
    const text = execFileSync(path, ['--version'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return text.trim().split('\n').at(-1)?.trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

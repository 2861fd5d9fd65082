// Finds a Chromium-based browser to drive. Order: an explicit path, Playwright's own
// Chromium, an installed Chrome or Edge, then a system Chromium.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium } from 'playwright-core';
import { UserError } from '../errors.ts';

export interface FoundBrowser {
  executablePath: string;
  /** What kind of browser this is, for the log line at start-up. */
  source: 'explicit' | 'headless-shell' | 'playwright' | 'chrome' | 'edge' | 'system-chromium';
}

type Platform = NodeJS.Platform;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(names: string[], env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.flatMap((dir) => names.map((name) => join(dir, name)));
}

function chromeAndEdgeCandidates(platform: Platform, env: NodeJS.ProcessEnv): Array<[string, FoundBrowser['source']]> {
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    return [
      ...roots.map((r) => [join(r, 'Google', 'Chrome', 'Application', 'chrome.exe'), 'chrome'] as [string, 'chrome']),
      ...roots.map((r) => [join(r, 'Microsoft', 'Edge', 'Application', 'msedge.exe'), 'edge'] as [string, 'edge']),
    ];
  }
  if (platform === 'darwin') {
    return [
      ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', 'chrome'],
      ['/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge', 'edge'],
    ];
  }
  return [
    ['/opt/google/chrome/chrome', 'chrome'],
    ...onPath(['google-chrome', 'google-chrome-stable'], env).map((p) => [p, 'chrome'] as [string, 'chrome']),
    ['/opt/microsoft/msedge/msedge', 'edge'],
    ...onPath(['microsoft-edge', 'microsoft-edge-stable'], env).map((p) => [p, 'edge'] as [string, 'edge']),
  ];
}

function systemChromiumCandidates(platform: Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'win32' || platform === 'darwin') return [];
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    ...onPath(['chromium', 'chromium-browser'], env),
  ];
}

/** The one command that installs a browser on this platform. */
export function browserInstallHint(platform: Platform = process.platform): string {
  if (platform === 'linux' && existsSync('/usr/bin/apt-get')) return 'sudo apt-get install -y chromium';
  return 'npx playwright-core install chromium';
}

/**
 * Chromium's headless shell: the build without a screen that Playwright itself runs headless. It
 * needs about a third less CPU per vehicle than the full browser in headless mode (measured), but
 * it has no back/forward cache: going back to the inventory renders it again (from the HTTP cache
 * when the portal allows that).
 */
function headlessShellCandidates(platform: Platform): string[] {
  if (platform === 'win32' || platform === 'darwin') return [];
  return ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium-headless-shell'];
}

export function findBrowser(
  explicitPath?: string,
  platform: Platform = process.platform,
  env = process.env,
  options: { headless?: boolean } = {},
): FoundBrowser {
  if (explicitPath) {
    if (!isExecutable(explicitPath)) {
      throw new UserError(`BROWSER_PATH points to "${explicitPath}", which is not an executable file.`);
    }
    return { executablePath: explicitPath, source: 'explicit' };
  }
  if (options.headless) {
    const shell = headlessShellCandidates(platform).find(isExecutable);
    if (shell) return { executablePath: shell, source: 'headless-shell' };
  }
  const playwrightOwn = chromium.executablePath();
  if (playwrightOwn && isExecutable(playwrightOwn)) return { executablePath: playwrightOwn, source: 'playwright' };
  for (const [path, source] of chromeAndEdgeCandidates(platform, env)) {
    if (isExecutable(path)) return { executablePath: path, source };
  }
  for (const path of systemChromiumCandidates(platform, env)) {
    if (isExecutable(path)) return { executablePath: path, source: 'system-chromium' };
  }
  throw new UserError(
    `No Chrome, Edge or Chromium browser was found. Install one with: ${browserInstallHint(platform)}` +
      ' (or set BROWSER_PATH to a Chromium-based browser).',
  );
}

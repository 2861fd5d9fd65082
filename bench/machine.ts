// What the figures were measured on (other jobs on the machine change them: the load is recorded too).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { findBrowser } from '../src/browser/find-browser.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  loadAverageAtStart: number[];
  os: string;
  node: string;
  browser: { path: string; version: string } | null;
}

export function describeMachine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((load) => Math.round(load * 100) / 100),
    os: `${platform()} ${release()}`,
    node: process.version,
    browser: browserVersion(),
  };
}

function browserVersion(): Machine['browser'] {
  try {
    const path = findBrowser(process.env.BROWSER_PATH).executablePath;
    let version = 'unknown';
    try {
      version = execFileSync(path, ['--version'], {
        encoding: 'utf8',
        timeout: 10_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      // Windows browsers do not answer --version on the console
    }
    return { path, version };
  } catch {
    return null;
  }
}

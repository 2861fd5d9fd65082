// What the figures were measured on (other jobs on the machine change them: the load is recorded too).
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { browserVersion, type BrowserBuild } from './browsers.ts';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  loadAverageAtStart: number[];
  os: string;
  node: string;
  /** Every build measured, with what it says of its version. */
  browsers: Array<BrowserBuild & { version: string }>;
}

export function describeMachine(builds: BrowserBuild[]): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((load) => Math.round(load * 100) / 100),
    os: `${platform()} ${release()}`,
    node: process.version,
    browsers: builds.map((build) => ({ ...build, version: browserVersion(build.path) })),
  };
}

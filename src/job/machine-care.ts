import { KeepAwake, keepAwakePlan } from '../system/keep-awake.ts';
import { detectNetworkDrive } from '../system/network-drive.ts';
import type { Log } from '../ui/console.ts';

/** Warns when the run folder is on a network drive, where the run's SQLite state database is at risk. */
export function warnOnNetworkDrive(root: string, log: Log): void {
  const network = detectNetworkDrive(root);
  if (network)
    log.warn(
      `the download folder is on a network drive (${network}): the run's state database (SQLite) is not reliable there; choose a folder on this computer with DOWNLOAD_FOLDER or --out`,
    );
}

/** A helper process that keeps the computer from sleeping until stopped (KEEP_AWAKE); undefined when none. */
export function keepComputerAwake(log: Log): KeepAwake | undefined {
  const plan = keepAwakePlan(process.platform, process.pid);
  if (!plan) {
    log.detail(`could not keep the computer awake: no way is known on ${process.platform}`);
    return undefined;
  }
  const awake = new KeepAwake(plan, (text) => log.detail(text));
  if (awake.pid !== undefined)
    log.detail(`keeping the computer awake while the run works (${plan.command}, pid ${awake.pid})`);
  return awake;
}

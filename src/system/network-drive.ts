import { readFileSync, realpathSync } from 'node:fs';

/** File systems on another machine, as /proc/mounts names them. */
const NETWORK_FILE_SYSTEMS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'sshfs', 'fuse.sshfs', '9p']);

export interface FolderFacts {
  platform: NodeJS.Platform;
  /** The folder, absolute, with links (and on Windows mapped drives) resolved. */
  realPath: string;
  /** Linux: the text of /proc/mounts. */
  mounts?: string;
}

/**
 * What makes `facts.realPath` a network folder ("nfs4 file system", "network share \\server\share"),
 * or undefined when it is local or cannot be told. On Windows the real path of a folder on a mapped
 * network drive is its UNC path.
 */
export function networkDriveOf(facts: FolderFacts): string | undefined {
  if (facts.platform === 'win32') {
    const path = facts.realPath.replace(/^\\\\\?\\UNC\\/i, '\\\\').replace(/^\\\\\?\\/, '');
    const share = /^[\\/]{2}([^\\/]+)[\\/]+([^\\/]+)/.exec(path);
    return share ? `network share \\\\${share[1]}\\${share[2]}` : undefined;
  }
  if (facts.mounts === undefined) return undefined;
  const mount = mountOf(facts.realPath, facts.mounts);
  return mount && NETWORK_FILE_SYSTEMS.has(mount.type) ? `${mount.type} file system at ${mount.point}` : undefined;
}

/** The mount (of /proc/mounts) that holds `path`: the longest mount point that is a prefix of it. */
export function mountOf(path: string, mounts: string): { point: string; type: string } | undefined {
  let best: { point: string; type: string } | undefined;
  for (const line of mounts.split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    const point = rawPoint.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    );
    const holds = point === '/' || path === point || path.startsWith(`${point}/`);
    if (holds && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best;
}

/** networkDriveOf for a real folder of this machine; undefined also when anything cannot be read. */
export function detectNetworkDrive(folder: string): string | undefined {
  try {
    const realPath = realpathSync.native(folder);
    const mounts = process.platform === 'linux' ? readFileSync('/proc/mounts', 'utf8') : undefined;
    return networkDriveOf({ platform: process.platform, realPath, mounts });
  } catch {
    return undefined;
  }
}

// A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, started on a free
// port and stopped again by the test itself, with the server from the Debian packages
// (/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root: as root the cluster
// belongs to the unprivileged user `postgres` (made by the package) or `nobody`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Postgres {
  url: string;
  stop(): Promise<void>;
}

/** The folder of initdb and pg_ctl, or why there is none. */
export function postgresBin(): { bin: string } | { missing: string } {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((name) => existsSync(join(base, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    return {
      missing: 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; scripts/setup.sh installs it)',
    };
  return { bin: join(base, versions[0]!, 'bin') };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root, and no unprivileged user (postgres, nobody) to run PostgreSQL as');
}

/** Starts a cluster (a few seconds); `stop()` ends it and removes its folder. */
export async function startPostgres(): Promise<Postgres> {
  const found = postgresBin();
  if ('missing' in found) throw new Error(found.missing);
  const dir = mkdtempSync(join(tmpdir(), 'bookout-pg-'));
  const data = join(dir, 'data');
  const user = unprivilegedUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const run = (program: string, args: string[]) =>
    execFileSync(join(found.bin, program), args, {
      ...user,
      cwd: dir,
      stdio: 'pipe',
      env: { PATH: process.env.PATH ?? '', LANG: 'C' },
    });
  run('initdb', ['-D', data, '-U', 'bookout', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://bookout@127.0.0.1:${port}/postgres`,
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

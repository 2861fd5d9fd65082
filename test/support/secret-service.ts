// A real Secret Service for tests: GNOME Keyring in a D-Bus session of its own (dbus-run-session),
// its keyring unlocked, in a temporary home, so nothing touches the keychain of the machine's user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretService {
  /** The session bus address: put it in DBUS_SESSION_BUS_ADDRESS. */
  address: string;
  stop(): Promise<void>;
}

/** Why the Secret Service cannot run here, or null when it can. */
export function secretServiceMissing(): string | null {
  const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter(
    (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0,
  );
  return missing.length
    ? `needs ${missing.join(' and ')} (Debian: apt-get install dbus gnome-keyring; scripts/setup.sh does it as root)`
    : null;
}

const SCRIPT = `
printf '%s' test-keyring-unlock | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
echo "address=$DBUS_SESSION_BUS_ADDRESS"
exec sleep 900
`;

export async function startSecretService(): Promise<SecretService> {
  const home = mkdtempSync(join(tmpdir(), 'bookout-keyring-'));
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', SCRIPT], {
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_RUNTIME_DIR: runtime },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the Secret Service did not start: ${text}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /address=(\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`dbus-run-session ended: ${text}`)));
  });
  return {
    address,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const ended = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGTERM');
        await ended;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

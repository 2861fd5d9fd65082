import { resolve } from 'node:path';
import { loadSettings } from '../config/settings.ts';
import { UserError } from '../errors.ts';
import { runBookout } from '../job/run-bookout.ts';
import { valuesOnline } from '../portal/values-online/index.ts';
import type { ConsoleOutput } from '../ui/console.ts';
import { interruptible } from './signals.ts';

/**
 * `bookout demo`: starts the simulated portal (a separate program, in sim/) inside this process
 * and runs the whole job against it, exactly as against the real portal.
 */
export async function demoCommand(
  output: ConsoleOutput,
  options: { vehicles: string; workers: string; out: string },
): Promise<number> {
  const vehicles = Number(options.vehicles);
  if (!Number.isInteger(vehicles) || vehicles < 1 || vehicles > 20_000)
    throw new UserError(`--vehicles must be a whole number from 1 to 20000 (got "${options.vehicles}")`);
  const { startPortal } = await import('../../sim/index.ts');
  const portal = await startPortal({ vehicles, profile: 'fast', seed: 1 });
  output.line(`Demo: a simulated ValuesOnline portal runs at ${portal.url} with ${portal.inventory.length} vehicles.`);
  try {
    const settings = loadSettings({
      envFile: false, // never the user's real .env
      env: {
        JD_USER: portal.credentials.username,
        JD_PASS: portal.credentials.password,
        PORTAL_URL: portal.url,
        DOWNLOAD_FOLDER: resolve(options.out),
        WORKERS: options.workers,
        HEADLESS: process.env.HEADLESS ?? 'true',
        BROWSER_PATH: process.env.BROWSER_PATH,
      },
    });
    const outcome = await interruptible(output, ({ stop, onQuit }) =>
      runBookout({ settings, portalKind: valuesOnline, output, forceNew: true, stopSignal: stop, onQuit }),
    );
    const stats = portal.stats();
    const generations = Object.values(stats.pdf.byRef).reduce((sum, count) => sum + count, 0);
    output.line(
      `The portal's own count: ${stats.logins.accepted} login, ${stats.logouts} logout, ${stats.sessionsAlive} sessions still alive, ` +
        `${generations} PDFs generated for ${Object.keys(stats.pdf.byRef).length} vehicles.`,
    );
    output.line(`The PDFs are in ${outcome.paths.pdfs}`);
    return outcome.exitCode;
  } finally {
    await portal.stop();
  }
}

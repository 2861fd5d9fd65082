// npm run portal -- [options]: the simulated ValuesOnline portal as a program of its own.
import { CliError, HELP, parseCli } from './cli.ts';
import { startPortal, type SimPortal } from './index.ts';
import type { PortalOptions } from './options.ts';

function fail(message: string): never {
  process.stderr.write(`portal: ${message}\n(run with --help for usage)\n`);
  process.exit(2);
}

function optionsOrExit(): Partial<PortalOptions> | null {
  try {
    return parseCli(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  const options = optionsOrExit();
  if (!options) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  let portal: SimPortal;
  try {
    portal = await startPortal(options);
  } catch (error) {
    fail((error as Error).message);
  }
  const { profile, variant } = portal.options;
  process.stdout.write(
    `Simulated ValuesOnline portal: ${portal.url}\n` +
      `  login page:  ${portal.url}/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/\n` +
      `  credentials: JD_USER=${portal.credentials.username} JD_PASS=${portal.credentials.password}\n` +
      `  stats:       ${portal.url}/__sim/stats\n` +
      `  ${portal.inventory.length} vehicles, profile ${profile}, variant ${variant}. Ctrl-C stops it.\n`,
  );
  const stop = () => void portal.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();

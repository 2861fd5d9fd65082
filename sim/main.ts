// npm run portal -- [options]: the simulated ValuesOnline portal as a program of its own.
import { parseArgs } from 'node:util';
import { startPortal } from './index.ts';
import type { FaultOptions, PortalOptions, ProfileName } from './options.ts';

const HELP = `Simulated J.D. Power ValuesOnline portal (for tests, benchmarks and demos).

Usage: npm run portal -- [options]

  --port <n>             port to listen on (default 8080; 0 = any free port)
  --host <address>       address to listen on (default 127.0.0.1)
  --vehicles <n>         inventory size, 1 to 20000 (default 1820)
  --seed <n>             inventory and fault decisions derive from it (default 1)
  --profile <name>       latency: instant, fast or realistic (default fast)
  --time-scale <x>       multiplies every delay, e.g. 0.05 (default 1)
  --pdf-capacity <n>     PDFs generated at once; more wait in line (default 4)
  --pdf-delivery <mode>  inline, attachment or mixed (default inline)
  --page-size <n>        grid rows per page (default 20)
  --license <mode>       every-login, first-login, never, or minutes between prompts (default first-login)
  --license-delay <ms>   the license checkbox appears this late (default 0)
  --lockout <ms>         lockout after an active-session refusal (default 300000)
  --idle-timeout <ms>    session expiry after idle time (default 1200000)
  --csv-bom              start the CSV export with a UTF-8 BOM
  --duplicate-rows <n>   rows listed twice in the grid and export (default 0)
  --faults <list>        comma-separated name=value, for example
                         transient500=0.05,hang=0.01,slowGrid=0.1,delayedPopup=0.2,truncatedPdf=0.01,
                         htmlAsPdf=0.01,rateLimit=0.02,expireAfterPdfs=100,kickAfterPdfs=200,
                         licenseAfterPdfs=300,downAfterPdfs=400:30000,alwaysFail=165001;165002
  --help                 this text

While it runs: GET /__sim/stats, POST /__sim/reset, POST /__sim/faults (JSON), POST /__sim/trigger
({"action":"expire"|"kick"|"license"|"down","ms":30000}).`;

function fail(message: string): never {
  process.stderr.write(`portal: ${message}\n(run with --help for usage)\n`);
  process.exit(2);
}

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) fail(`--${name} must be a number (got "${raw}")`);
  return value;
}

/** Parses "transient500=0.05,hang=0.01,downAfterPdfs=400:30000,alwaysFail=165001;165002". */
export function parseFaults(text: string): Partial<FaultOptions> {
  const faults: Partial<FaultOptions> = {};
  for (const item of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, raw = ''] = item.split('=');
    const value = Number(raw);
    switch (name) {
      case 'transient500':
      case 'hang':
      case 'slowGrid':
      case 'delayedPopup':
      case 'truncatedPdf':
      case 'htmlAsPdf':
      case 'rateLimit':
        if (!(value >= 0 && value <= 1)) fail(`fault ${name} needs a rate from 0 to 1 (got "${raw}")`);
        (faults as Record<string, unknown>)[name] = { rate: value };
        break;
      case 'expireAfterPdfs':
      case 'kickAfterPdfs':
      case 'licenseAfterPdfs':
        if (!Number.isInteger(value) || value < 0) fail(`fault ${name} needs a count (got "${raw}")`);
        faults[name] = value;
        break;
      case 'downAfterPdfs': {
        const [after, ms = '30000'] = raw.split(':');
        if (!Number.isInteger(Number(after)) || !Number.isInteger(Number(ms)))
          fail(`fault downAfterPdfs needs count:ms (got "${raw}")`);
        faults.downAfterPdfs = { after: Number(after), ms: Number(ms) };
        break;
      }
      case 'alwaysFail':
        faults.alwaysFail = raw.split(';').filter(Boolean);
        break;
      default:
        fail(`unknown fault "${name}"`);
    }
  }
  return faults;
}

function license(raw: string | undefined): PortalOptions['license'] {
  if (raw === undefined) return 'first-login';
  if (raw === 'every-login' || raw === 'first-login' || raw === 'never') return raw;
  const minutes = Number(raw);
  if (!(minutes > 0)) fail(`--license must be every-login, first-login, never or a number of minutes (got "${raw}")`);
  return { everyMinutes: minutes };
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  vehicles: { type: 'string' },
  seed: { type: 'string' },
  profile: { type: 'string' },
  'time-scale': { type: 'string' },
  'pdf-capacity': { type: 'string' },
  'pdf-delivery': { type: 'string' },
  'page-size': { type: 'string' },
  license: { type: 'string' },
  'license-delay': { type: 'string' },
  lockout: { type: 'string' },
  'idle-timeout': { type: 'string' },
  'csv-bom': { type: 'boolean' },
  'duplicate-rows': { type: 'string' },
  faults: { type: 'string' },
  help: { type: 'boolean' },
} as const;

async function main(): Promise<void> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ options: OPTIONS }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const profile = (values.profile ?? 'fast') as ProfileName;
  if (!['instant', 'fast', 'realistic'].includes(profile))
    fail(`--profile must be instant, fast or realistic (got "${profile}")`);
  const delivery = values['pdf-delivery'] ?? 'inline';
  if (!['inline', 'attachment', 'mixed'].includes(delivery))
    fail(`--pdf-delivery must be inline, attachment or mixed (got "${delivery}")`);
  let portal: Awaited<ReturnType<typeof startPortal>>;
  try {
    portal = await startPortal({
      port: number('port', values.port, 8080),
      host: values.host ?? '127.0.0.1',
      vehicles: number('vehicles', values.vehicles, 1820),
      seed: number('seed', values.seed, 1),
      profile,
      timeScale: number('time-scale', values['time-scale'], 1),
      pdfCapacity: number('pdf-capacity', values['pdf-capacity'], 4),
      pdfDelivery: delivery as PortalOptions['pdfDelivery'],
      pageSize: number('page-size', values['page-size'], 20),
      license: license(values.license),
      licenseDelayMs: number('license-delay', values['license-delay'], 0),
      lockoutMs: number('lockout', values.lockout, 300_000),
      idleTimeoutMs: number('idle-timeout', values['idle-timeout'], 1_200_000),
      csvBom: values['csv-bom'] === true,
      duplicateRows: number('duplicate-rows', values['duplicate-rows'], 0),
      faults: parseFaults(values.faults ?? ''),
    });
  } catch (error) {
    fail((error as Error).message);
  }
  process.stdout.write(
    `Simulated ValuesOnline portal: ${portal.url}\n` +
      `  login page:  ${portal.url}/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/\n` +
      `  credentials: JD_USER=${portal.credentials.username} JD_PASS=${portal.credentials.password}\n` +
      `  stats:       ${portal.url}/__sim/stats\n` +
      `  ${portal.inventory.length} vehicles, profile ${profile}. Ctrl-C stops it.\n`,
  );
  const stop = () => void portal.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();

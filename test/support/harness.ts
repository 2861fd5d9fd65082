// End-to-end harness: the real command line in a child process, the simulated portal in this
// process, and checks made from outside (files on disk, the portal's own stats).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { extractText, getDocumentProxy } from 'unpdf';
import { startPortal, type PortalOptions, type SimPortal, type VariantName } from '../../sim/index.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process ends. */
  done: Promise<CliResult>;
  /** Resolves when stdout has printed something matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  output(): string;
}

/** Starts `node src/main.ts ...args` with `env` on top of a clean environment. */
/** Every CLI a test started: the ones still running when the test file ends are killed (a test that timed out). */
const started = new Set<ChildProcess>();
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    for (const child of started) child.kill('SIGKILL');
  });
}

export function startCli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  user?: { uid: number; gid: number },
): CliRun {
  const child = spawn(process.execPath, [join(ROOT, 'src', 'main.ts'), ...args], {
    ...user,
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('close', () => started.delete(child));
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<CliResult>((resolvePromise) =>
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr })),
  );
  return {
    child,
    done,
    output: () => stdout,
    waitForOutput: (pattern, timeoutMs = 120_000) =>
      new Promise<void>((resolvePromise, reject) => {
        const check = () => {
          if (!pattern.test(stdout)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolvePromise();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

export function runCli(args: string[], env: Record<string, string>, cwd: string, user?: { uid: number; gid: number }) {
  return startCli(args, env, cwd, user).done;
}

/** Settings that make faults show up quickly in tests. */
export const FAST_TIMEOUTS = { TASK_TIMEOUT: '25', STALL_TIMEOUT: '12', RETRY_DELAY: '1', SWEEP_COOLDOWN: '1' };

export interface Workspace {
  dir: string;
  downloads: string;
  portal: SimPortal;
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/**
 * A temporary folder and a simulated portal with `options`. Without `options.variant`, the variant
 * named by the environment variable SIM_VARIANT applies (so a whole test file can run on one).
 */
export async function openWorkspace(options: Partial<PortalOptions> = {}): Promise<Workspace> {
  const variant = options.variant ?? (process.env.SIM_VARIANT || undefined);
  const portal = await startPortal({ profile: 'instant', seed: 7, ...options, variant: variant as VariantName });
  const dir = mkdtempSync(join(tmpdir(), 'bookout-e2e-'));
  const downloads = join(dir, 'downloads');
  return {
    dir,
    downloads,
    portal,
    env: (extra = {}) => ({
      JD_USER: portal.credentials.username,
      JD_PASS: portal.credentials.password,
      PORTAL_URL: portal.url,
      DOWNLOAD_FOLDER: downloads,
      BOOKOUT_STATE_DIR: join(dir, 'state'),
      BOOKOUT_KEYCHAIN: 'off', // never the machine's own keychain (test/e2e/keychain.test.ts sets up its own)
      WORKERS: '3',
      ...(process.env.BROWSER_PATH ? { BROWSER_PATH: process.env.BROWSER_PATH } : {}),
      ...extra,
    }),
    close: async () => {
      await portal.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The only run folder under `downloads`. */
export function runFolderOf(downloads: string): string {
  const folders = readdirSync(downloads).filter((name) => /^\d{2}-\d{2}-\d{4}/.test(name));
  if (folders.length !== 1) throw new Error(`expected one run folder, found: ${folders.join(', ')}`);
  return join(downloads, folders[0]!);
}

export interface DiskCheck {
  /** References whose file is a complete PDF carrying that reference and that vehicle's VIN. */
  proven: string[];
  /** Files that are not such a PDF (partial, non-PDF, another vehicle's, or oddly named). */
  bad: Array<{ file: string; why: string }>;
}

/**
 * Reads every file under pdfs/ with its own, independent check: the PDF's text must show
 * `Stock #: <ref>` of its file name, no other stock number, and the VIN the portal has for it.
 */
export async function checkPdfsOnDisk(runFolder: string, portal: SimPortal): Promise<DiskCheck> {
  const vinByRef = new Map(portal.inventory.map((vehicle) => [vehicle.ref, vehicle.vin]));
  const result: DiskCheck = { proven: [], bad: [] };
  for (const file of readdirSync(join(runFolder, 'pdfs'))) {
    const ref = file.endsWith('.pdf') ? file.slice(0, -4) : '';
    const bytes = readFileSync(join(runFolder, 'pdfs', file));
    const why = await whyNotProven(bytes, ref, vinByRef.get(ref));
    if (why) result.bad.push({ file, why });
    else result.proven.push(ref);
  }
  return result;
}

async function whyNotProven(bytes: Buffer, ref: string, vin: string | undefined): Promise<string | null> {
  if (!ref || !vin) return 'file name is not <reference>.pdf of a vehicle in the inventory';
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return 'not a PDF';
  if (!bytes.subarray(-1024).toString('latin1').includes('%%EOF')) return 'incomplete PDF';
  let text: string;
  try {
    text = (await extractText(await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 }), { mergePages: true }))
      .text;
  } catch (error) {
    return `unreadable PDF: ${(error as Error).message}`;
  }
  const stocks = [...text.matchAll(/Stock\s*#\s*:?\s*([A-Z0-9]+)/gi)].map((match) => match[1]);
  if (stocks.length === 0 || stocks.some((stock) => stock !== ref))
    return `Stock # in the text: ${stocks.join(', ') || 'none'}`;
  if (!text.includes(vin)) return `the VIN ${vin} of ${ref} is not in the text`;
  return null;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** PDF generations per reference according to the portal. */
export function generations(portal: SimPortal): Map<string, number> {
  return new Map(Object.entries(portal.stats().pdf.byRef));
}

/** Resolves once `condition()` holds (checked every 50 ms); rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 90_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

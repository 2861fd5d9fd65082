// Running an installed or built bookout (not the sources) as a user would, and checking a demo's report.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end (killed after `timeoutMs`); never throws for a non-zero exit. */
export function runProgram(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProgramResult> {
  const shell = process.platform === 'win32';
  // npm and an installed bin are .cmd files on Windows, which only a shell runs; it splits at spaces.
  const quote = (text: string) => (shell && /\s/.test(text) ? `"${text}"` : text);
  return new Promise((resolve) => {
    execFile(
      quote(command),
      args.map(quote),
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        shell,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// What a user's shell has (on Windows also where Edge and Chrome live), and the browser if the tests were given one.
const USER_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'BROWSER_PATH'];
const WINDOWS_VARIABLES = [
  'SYSTEMROOT',
  'TEMP',
  'TMP',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'PROGRAMFILES',
  'PROGRAMFILES(X86)',
];

/** The environment of a user's shell: no npm_* variables, no development settings. */
export function userEnvironment(): NodeJS.ProcessEnv {
  const names = [...USER_VARIABLES, ...WINDOWS_VARIABLES].filter((name) => process.env[name] !== undefined);
  return Object.fromEntries(names.map((name) => [name, process.env[name]]));
}

/** The demo ran the whole job: exit 0, the report, the portal's own counts, one PDF per vehicle on disk. */
export function assertDemoPassed(result: ProgramResult, vehicles: number, out: string): void {
  const all = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.code, 0, all);
  assert.match(result.stdout, /bookout report - .* - finished/, all);
  assert.match(result.stdout, new RegExp(`done: +${vehicles} \\(PDFs proven`), all);
  assert.ok(
    result.stdout.includes(
      `The portal's own count: 1 login, 1 logout, 0 sessions still alive, ${vehicles} PDFs generated for ${vehicles} vehicles.`,
    ),
    all,
  );
  const runs = readdirSync(out);
  assert.equal(runs.length, 1, runs.join(', '));
  assert.equal(readdirSync(join(out, runs[0]!, 'pdfs')).length, vehicles);
}
